"""Every message a service makes for a person is marked for translation where it is made.

A refusal, a 403/404 text, an upload row's reason or a validation problem written as a plain
string literal (or an f-string) reaches a Chinese page in English: ``translate`` only knows a
``msg(...)`` (or an ``N_``-marked msgid). This scan reads the source and lists, file:line, every
call of the error classes, ``field_error``, the refusal helpers and the upload-row reason helpers
whose message argument is such a literal, or a local variable the function assigns one to. A
``msg(...)`` call passes, and so does a parameter (checked where its caller makes it). That each
marked text has its Chinese is ``tests/test_i18n.py``'s test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jingjinji import i18n

PACKAGE = Path(i18n.__file__).parent
# Parsers and kernels that speak protocol or native code, not people; their texts are codes.
SKIPPED = (PACKAGE / "sources" / "kernels", PACKAGE / "migrations")

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


def _plain_locals(scope: ast.AST) -> dict[str, list[ast.expr]]:
    """The local names of a function (or module) that are assigned plain text somewhere in it,
    with each such text: ``reason = f"..."`` and later ``Conflict(reason)`` is as plain as the
    literal in place."""
    plain: dict[str, list[ast.expr]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and is_plain_text(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    plain.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and node.value is not None
            and isinstance(node.target, ast.Name)
            and is_plain_text(node.value)
        ):
            plain.setdefault(node.target.id, []).append(node.value)
    return plain


def _scopes(tree: ast.Module) -> Iterator[tuple[ast.AST, list[ast.Call]]]:
    """Each function with the calls made directly in it (not in a nested function)."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, functions))]:
        calls: list[ast.Call] = []
        todo = list(ast.iter_child_nodes(scope))
        while todo:
            node = todo.pop()
            if isinstance(node, functions):
                continue
            if isinstance(node, ast.Call):
                calls.append(node)
            todo.extend(ast.iter_child_nodes(node))
        yield scope, calls


def unmarked_messages() -> list[str]:
    trees = _trees()
    carriers = dict(HELPERS)
    for name in error_classes(trees):
        carriers[name] = ERROR_CARRIER
    found: set[str] = set()
    for path, tree in trees.items():
        where = path.relative_to(PACKAGE.parent)
        for scope, calls in _scopes(tree):
            plain = _plain_locals(scope) if scope is not tree else {}
            for node in calls:
                callee = _name(node.func)
                carrier = carriers.get(callee) if callee else None
                if carrier is None:
                    continue
                for arg in _carried(node, carrier):
                    texts = plain.get(arg.id, []) if isinstance(arg, ast.Name) else [arg]
                    for text in texts:
                        if is_plain_text(text):
                            found.add(f"{where}:{text.lineno}: {callee}({ast.unparse(text)[:70]})")
    return sorted(found)


def test_the_scan_finds_a_plain_message() -> None:
    """The scan itself: an f-string in an error, a literal reason and a row's literal reason are
    found; the same texts through ``msg`` are not."""
    plain = ast.parse(
        'raise NotFound(f"no warning {wid}")\n'
        'deny(s, a, action="x", reason="not yours")\n'
        'row.bad("unit", "unit " + repr(u))\n'
    )
    assigned = ast.parse('def f():\n    reason = f"no {x}"\n    raise Conflict(reason)\n')
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
    scope, calls = next((s, c) for s, c in _scopes(assigned) if s is not assigned)
    assert isinstance(calls[0].args[0], ast.Name)
    assert is_plain_text(_plain_locals(scope)[calls[0].args[0].id][0])


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
