"""Every message a service makes for a person is marked for translation where it is made.

A refusal, a 403/404 text, an upload row's reason or a validation problem written as a plain
string literal (or an f-string) reaches a Chinese page in English: ``translate`` only knows a
``msg(...)`` (or an ``N_``-marked msgid). This scan reads the source and lists, file:line, every
call of the error classes, ``field_error``, the refusal helpers and the upload-row reason helpers
whose message argument is such a literal. A variable or a ``msg(...)`` call passes: the variable
is checked where its value is made. That each marked text has its Chinese is
``tests/test_i18n.py``'s test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jingjinji import i18n

PACKAGE = Path(i18n.__file__).parent
# Parsers and kernels that speak protocol or native code, not people; their texts are codes.
SKIPPED = (PACKAGE / "ports", PACKAGE / "sources" / "kernels", PACKAGE / "migrations")

ERROR_BASES = {"DomainError"}


@dataclass(frozen=True)
class Carrier:
    """Where a call carries its message: a positional index and/or keyword names."""

    position: int | None
    keywords: tuple[str, ...]


ERROR_CARRIER = Carrier(0, ("detail",))
# Helpers whose argument becomes the text a person reads (a refusal's reason, a row's reason).
HELPERS: dict[str, Carrier] = {
    "field_error": Carrier(1, ("msg",)),
    # security.deny, and the domains' audited 403 helpers that pass their reason to it
    "deny": Carrier(None, ("reason",)),
    "refuse": Carrier(4, ("reason", "detail")),
    "_refuse_input": Carrier(None, ("reason",)),
    "_refuse": Carrier(0, ("message",)),
    "refuse_values": Carrier(None, ("detail",)),
    "raise_if_any": Carrier(1, ("summary",)),
    # upload rows: progress' _Row.bad, credit's RowError, water's problem/_issue msgids
    "bad": Carrier(1, ("reason",)),
    "RowError": Carrier(None, ("reason",)),
    "problem": Carrier(1, ("msgid",)),
    "_issue": Carrier(3, ("msgid",)),
}
MARKERS = {"msg", "N_", "_"}


def _files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if not any(path.is_relative_to(skipped) for skipped in SKIPPED):
            yield path


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in _files()}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """``DomainError`` and every class in the package derived from it, at any depth."""
    classes = set(ERROR_BASES)
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in classes
                    and any(_name(base) in classes for base in node.bases)
                ):
                    classes.add(node.name)
                    grew = True
    return classes


def is_plain_text(node: ast.expr) -> bool:
    """A string literal, an f-string, or text built from one (``+``, ``%``, ``.format``,
    ``.join`` on a literal, either branch of a conditional): not marked for translation."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_plain_text(node.left) or is_plain_text(node.right)
    if isinstance(node, ast.IfExp):
        return is_plain_text(node.body) or is_plain_text(node.orelse)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"format", "join"}
    ):
        return is_plain_text(node.func.value)
    return False


def _carried(call: ast.Call, carrier: Carrier) -> Iterator[ast.expr]:
    if carrier.position is not None and len(call.args) > carrier.position:
        arg = call.args[carrier.position]
        if not isinstance(arg, ast.Starred):
            yield arg
    for keyword in call.keywords:
        if keyword.arg in carrier.keywords:
            yield keyword.value


def unmarked_messages() -> list[str]:
    trees = _trees()
    carriers = dict(HELPERS)
    for name in error_classes(trees):
        carriers[name] = ERROR_CARRIER
    found: list[str] = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = _name(node.func)
            carrier = carriers.get(callee) if callee else None
            if carrier is None:
                continue
            for arg in _carried(node, carrier):
                if is_plain_text(arg):
                    where = path.relative_to(PACKAGE.parent)
                    found.append(f"{where}:{arg.lineno}: {callee}({ast.unparse(arg)[:70]})")
    return sorted(found)


def test_the_scan_finds_a_plain_message() -> None:
    """The scan itself: an f-string in an error, a literal reason and a row's literal reason are
    found; the same texts through ``msg`` are not."""
    plain = ast.parse(
        'raise NotFound(f"no warning {wid}")\n'
        'deny(s, a, action="x", reason="not yours")\n'
        'row.bad("unit", "unit " + repr(u))\n'
    )
    marked = ast.parse(
        'raise NotFound(msg("no warning {wid}", wid=wid))\n'
        'deny(s, a, action="x", reason=msg("not yours"))\n'
        'row.bad("unit", msg("unit {u}", u=repr(u)))\n'
    )

    def flagged(tree: ast.Module) -> int:
        carriers = {**HELPERS, "NotFound": ERROR_CARRIER}
        return sum(
            is_plain_text(arg)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _name(node.func) in carriers
            for arg in _carried(node, carriers[_name(node.func) or ""])
        )

    assert flagged(plain) == 3
    assert flagged(marked) == 0


def test_the_error_classes_include_the_domains_own() -> None:
    classes = error_classes(_trees())
    assert {"NotFound", "PermissionDenied", "Conflict", "InvalidInput"} <= classes
    assert len(classes) > 8, classes


def test_every_service_message_is_marked_for_translation() -> None:
    found = unmarked_messages()
    assert not found, (
        f"{len(found)} messages are plain text; mark each with "
        '`msg("... {name} ...", name=value)` (jingjinji.i18n) and add its Chinese to '
        "locale/zh_CN/LC_MESSAGES/<domain>_messages.po:\n" + "\n".join(found)
    )
