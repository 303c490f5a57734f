"""Every action the code base can put on the audit record has a label in both languages, and
the trail shows it (issue 15, defect 4).

The actions are collected from the source, not listed here: every call that reaches the audit
record (``record``, ``audited_refusal`` and the refusals built on it) is found, and its ``action``
argument is followed back to its values: a literal, a constant of the module, a local variable,
an f-string's parts, or a parameter of the enclosing function, whose values are those its callers
pass (through the imports that name it). An argument that cannot be followed fails the test too,
so an action made some new way cannot slip past it.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import i18n, labels
from jingjinji.audit import service as audit
from jingjinji.audit.actions import ACTIONS
from tests.conftest import People, login

SRC = Path(i18n.__file__).parent
# The calls that put an action on the audit record: the chain's own entry points, the app's
# refusals before any service, and the refusals of jingjinji.security built on them.
SINKS = frozenset({"record", "audited_refusal", "deny", "ensure_role", "ensure_can_write"})
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class Unresolved(Exception):
    """An action argument whose values the collector cannot follow."""


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _module_name(path: Path) -> str:
    parts = ["jingjinji", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass
class Source:
    """The parsed package: modules, their constants and imports, every call."""

    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    module_of: dict[ast.AST, Path] = field(default_factory=dict)
    constants: dict[Path, dict[str, list[ast.expr]]] = field(default_factory=dict)
    imports: dict[Path, dict[str, str]] = field(default_factory=dict)
    calls: list[ast.Call] = field(default_factory=list)
    seen: dict[tuple[int, str], set[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls) -> Source:
        src = cls()
        for path in sorted(SRC.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            src.module_of[tree] = path
            src.imports[path] = _imports(tree, path)
            src.constants[path] = {}
            for stmt in tree.body:
                if isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        if isinstance(target, ast.Name):
                            src.constants[path].setdefault(target.id, []).append(stmt.value)
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    src.parents[child] = node
                if isinstance(node, ast.Call):
                    src.calls.append(node)
        return src

    def enclosing(self, node: ast.AST) -> ast.AST:
        while not isinstance(node, FunctionNode | ast.Module):
            node = self.parents[node]
        return node

    def path(self, node: ast.AST) -> Path:
        while not isinstance(node, ast.Module):
            node = self.parents[node]
        return self.module_of[node]

    def values(self, expr: ast.expr) -> set[str]:
        """Every value ``expr`` can have."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.values(expr.body) | self.values(expr.orelse)
        if isinstance(expr, ast.JoinedStr):
            parts = [
                self.values(v.value) if isinstance(v, ast.FormattedValue) else {str(v.value)}  # type: ignore[attr-defined]
                for v in expr.values
            ]
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(expr, ast.Name):
            return self._name_values(expr)
        raise Unresolved(ast.unparse(expr))

    def _name_values(self, name: ast.Name) -> set[str]:
        function = self.enclosing(name)
        if isinstance(function, FunctionNode):
            local = [
                n.value
                for n in ast.walk(function)
                if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name.id for t in n.targets)
            ]
            if local:
                return set().union(*(self.values(v) for v in local))
            if name.id in _parameters(function):
                return self._parameter_values(function, name.id)
        path = self.path(name)
        found = self.constants[path].get(name.id)
        if found is None and name.id in self.imports[path]:
            origin, _, bound = self.imports[path][name.id].rpartition(".")
            found = next(
                (
                    c[bound]
                    for p, c in self.constants.items()
                    if _module_name(p) == origin and bound in c
                ),
                None,
            )
        if found is None:
            raise Unresolved(name.id)
        return set().union(*(self.values(v) for v in found))

    def _parameter_values(self, function: FunctionNode, parameter: str) -> set[str]:
        """The values callers pass for ``parameter`` (keyword or positional)."""
        key = (id(function), parameter)
        if key not in self.seen:
            self.seen[key] = set()  # a recursive call adds nothing new
            positional = [a.arg for a in function.args.posonlyargs + function.args.args]
            found: set[str] = set()
            for call in self.calls:
                if _called_name(call.func) != function.name or not self._names(call, function):
                    continue
                keywords = {k.arg: k.value for k in call.keywords}
                if parameter in keywords:
                    found |= self.values(keywords[parameter])
                elif parameter in positional and positional.index(parameter) < len(call.args):
                    found |= self.values(call.args[positional.index(parameter)])
            self.seen[key] = found
        return self.seen[key]

    def _names(self, call: ast.Call, function: FunctionNode) -> bool:
        """Whether ``call`` calls ``function``: its arguments bind, and it is in the function's
        module or names it through an import (of it, or of a module or package above it)."""
        if not _binds(call, function):
            return False
        here, there = self.path(call), self.path(function)
        if here == there:
            return True
        where = _module_name(there)
        func = call.func
        if isinstance(func, ast.Name):
            target = self.imports[here].get(func.id, "")
            return target == f"{where}.{function.name}" or (
                bool(target) and where.startswith(target.rpartition(".")[0] + ".")
            )
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            target = self.imports[here].get(func.value.id, "")
            return bool(target) and (where == target or where.startswith(target + "."))
        return False


def _parameters(function: FunctionNode) -> list[str]:
    args = function.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def _binds(call: ast.Call, function: FunctionNode) -> bool:
    """Whether the call's arguments fit the signature (another function of the same name
    elsewhere has another one)."""
    args = function.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return True
    if len(call.args) > len(positional) and args.vararg is None:
        return False
    given = set(positional[: len(call.args)]) | {k.arg for k in call.keywords if k.arg}
    if args.kwarg is None and not given <= set(_parameters(function)):
        return False
    required = positional[: len(positional) - len(args.defaults)] + [
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
    ]
    return set(required) <= given


def _imports(tree: ast.Module, path: Path) -> dict[str, str]:
    """Each name an import binds in the module -> the dotted name it stands for."""
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                above = package[: len(package) - node.level + 1]
                base = ".".join([*above, *([base] if base else [])])
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
    return bound


def recorded_actions() -> tuple[dict[str, str], list[str]]:
    """Every action the code can record (-> where one call records it) and the action
    arguments that could not be followed."""
    src = Source.parse()
    actions: dict[str, str] = {}
    unresolved: list[str] = []
    for call in src.calls:
        # A sink called directly, or handed to a runner: run_in_threadpool(refusals.record, ...)
        called = _called_name(call.func)
        handed = _called_name(call.args[0]) if call.args else None
        if called not in SINKS and handed not in SINKS:
            continue
        where = f"{src.path(call).relative_to(SRC)}:{call.lineno}"
        for keyword in call.keywords:
            if keyword.arg != "action":
                continue
            try:
                for action in src.values(keyword.value):
                    actions.setdefault(action, where)
            except Unresolved as exc:
                unresolved.append(f"{where}: {ast.unparse(keyword.value)} ({exc})")
    return actions, unresolved


def test_every_recorded_action_has_a_label_in_both_languages() -> None:
    actions, unresolved = recorded_actions()
    assert not unresolved, f"action arguments the test cannot follow: {unresolved}"
    # The collector finds the actions made through constants, parameters and f-strings too.
    assert {
        "catalog.grant.revoke",  # a literal
        "catalog.access_request.decide",  # a module constant
        "sources.case.opened",  # f"sources.case.{action}" in add_step, its callers' values
        "water.incident.acknowledge",  # a parameter passed positionally to refuse()
        "warning.issue",  # f"warning.{step}" through two functions
        "user.deactivate",  # one branch of a conditional expression
        "api.unauthenticated",  # handed to run_in_threadpool
    } <= set(actions)
    assert len(actions) > 140
    unlabelled = {a: w for a, w in actions.items() if a not in ACTIONS}
    assert not unlabelled, f"actions without a label (jingjinji/audit/actions.py): {unlabelled}"
    untranslated = {
        a: ACTIONS[a] for a in actions if labels.label("zh_CN", "audit.action", a) == ACTIONS[a]
    }
    assert not untranslated, f"labels without Chinese (audit_actions.po): {untranslated}"
    english = {a: labels.label("en", "audit.action", a) for a in actions}
    assert all(text != a for a, text in english.items())


def test_the_trail_shows_the_actions_label_and_its_code(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        audit.record(
            session,
            actor=people["bj-env"],
            action="catalog.grant.revoke",
            object_type="access_grant",
            object_id="1",
            jurisdiction_code="110000",
        )
        session.commit()
    login(client, "office", people.password)
    zh = client.get("/audit", headers={"Accept-Language": "zh-CN"}).text
    assert "撤销访问授权" in zh and "<code" in zh and "catalog.grant.revoke</code>" in zh
    en = client.get("/audit?lang=en").text
    assert "revoke an access grant" in en
