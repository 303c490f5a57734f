"""The rules of CONTRIBUTING.md that code can check, derived from the source itself.

- Domains import each other only downward in ``DOMAINS`` order, and never in a cycle; every
  import counts, including one inside a function.
- Routers and views only parse and shape: no SQLAlchemy, no pagination, no authorisation calls,
  no imports of each other.
- No module is over ~500 lines (migrations and demo data are exempt).
- Every API handler declares a response model (or a non-JSON response class) and a precise
  return type.
"""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from jingjinji.domains import DOMAINS
from jingjinji.domains import modules as domain_modules

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "jingjinji"
MAX_MODULE_LINES = 500
# Routers and views may take these from jingjinji.pagination: the response shape, not paging.
SHAPE_ONLY_PAGINATION = {"Page"}
AUTHORISATION_CALLS = {"ensure_role", "ensure_can_write", "deny", "audited_refusal", "may_write"}


def _python_files(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, absolute module, names) for every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, module]) if module else ".".join(base)
            names = [a.name for a in node.names]
            yield node.lineno, module, names
            # ``from jingjinji import catalog`` imports the domain too.
            for name in names:
                yield node.lineno, f"{module}.{name}", []


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "jingjinji" and parts[1] in DOMAINS:
        return parts[1]
    return None


def domain_edges() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) domain pairs with where each import stands."""
    edges: dict[tuple[str, str], list[str]] = {}
    for domain in DOMAINS:
        for path in _python_files(PACKAGE / domain):
            for line, module, _ in _imports(path):
                target = _domain_of(module)
                if target is not None and target != domain:
                    where = f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
                    edges.setdefault((domain, target), []).append(where)
    return edges


def test_domains_import_only_downward() -> None:
    rank = {d: i for i, d in enumerate(DOMAINS)}
    upward = [
        where
        for (src, dst), places in sorted(domain_edges().items())
        if rank[dst] > rank[src]
        for where in places
    ]
    assert not upward, "domains may import only earlier ones in DOMAINS:\n" + "\n".join(upward)


def test_domain_import_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {d: set() for d in DOMAINS}
    for src, dst in domain_edges():
        graph[src].add(dst)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for domain in DOMAINS:
        if domain not in state and (cycle := visit(domain)) is not None:
            pytest.fail("import cycle between domains: " + " -> ".join(cycle))


def _shaping_modules() -> list[Path]:
    """Every router and view module, including packages named router/ or views/."""
    found: list[Path] = []
    for path in _python_files(PACKAGE):
        parts = path.relative_to(PACKAGE).parts
        if any(p in {"router", "views"} for p in parts[:-1]) or path.stem in {"router", "views"}:
            found.append(path)
    return found


def test_routers_and_views_only_parse_and_shape() -> None:
    problems: list[str] = []
    for path in _shaping_modules():
        rel = path.relative_to(PACKAGE.parent)
        own_kind = "router" if "router" in (path.stem, *path.parts) else "views"
        other_kind = "views" if own_kind == "router" else "router"
        for line, module, names in _imports(path):
            top = module.split(".")
            if top[0] == "sqlalchemy":
                problems.append(f"{rel}:{line} imports {module} (database work belongs in service)")
            if module == "jingjinji.pagination":
                extra = sorted(set(names) - SHAPE_ONLY_PAGINATION)
                if extra:
                    problems.append(f"{rel}:{line} imports {extra} (services paginate)")
            if len(top) >= 3 and top[0] == "jingjinji" and top[2] == other_kind:
                problems.append(f"{rel}:{line} imports {module} (routers and views are apart)")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
                if name in AUTHORISATION_CALLS:
                    problems.append(f"{rel}:{node.lineno} calls {name} (services authorise)")
    assert not problems, "\n".join(problems)


def _exempt_from_size(path: Path) -> bool:
    return path.stem == "demo" or "demo" in path.parts or "data" in path.parts


def test_no_module_outgrows_a_head() -> None:
    too_long = []
    for path in _python_files(PACKAGE):
        if _exempt_from_size(path):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(PACKAGE.parent)}: {lines} lines")
    assert not too_long, f"split into a package (over {MAX_MODULE_LINES} lines):\n" + "\n".join(
        too_long
    )


def _api_routes() -> Iterator[APIRoute]:
    """Every handler of every domain's API router (mounted under /api/v1), through the routers
    a package's router includes (FastAPI keeps those as included routers, not copied routes)."""
    for module in domain_modules("router"):
        yield from _routes_of(module.router.routes)


def _routes_of(routes: Iterable[object]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (context := getattr(route, "include_context", None)) is not None:
            yield from _routes_of(context.included_router.routes)


def _imprecise(annotation: object) -> bool:
    if annotation is inspect.Signature.empty or annotation is typing.Any:
        return True
    return any(_imprecise(arg) for arg in typing.get_args(annotation))


def test_every_api_handler_declares_its_response() -> None:
    routes = list(_api_routes())
    assert len(routes) > 50, "the domain routers were not found"
    problems = []
    for route in routes:
        name = f"{sorted(route.methods or ())} {route.path} ({route.endpoint.__qualname__})"
        declares_model = route.response_model is not None
        # FastAPI keeps an undeclared response class as a placeholder around JSONResponse.
        response_class = route.response_class
        if isinstance(response_class, DefaultPlaceholder):
            response_class = response_class.value
        non_json = not (
            isinstance(response_class, type) and issubclass(response_class, JSONResponse)
        )
        no_content = route.status_code == 204
        if not (declares_model or non_json or no_content):
            problems.append(f"{name}: no response model")
        hints = typing.get_type_hints(route.endpoint)
        if "return" not in hints or _imprecise(hints["return"]):
            problems.append(f"{name}: return type missing or Any")
    assert not problems, "\n".join(problems)
