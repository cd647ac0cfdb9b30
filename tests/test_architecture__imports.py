"""The layout holds: no import cycles (function-level imports counted), the engine imports none of its callers,
and the callers use the engine's public API only."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "webapp", "worker", "cli")
CALLERS = ("webapp", "worker", "cli")


def _modules(root: Path, packages) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module ``name`` imports anywhere in its text (inside functions too), by its full name."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
    return targets


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {name: {t for t in _imports(name, path, modules) if t in modules and t != name}
            for name, path in modules.items()}


MODULES = _modules(ROOT, PACKAGES)
GRAPH = _graph(MODULES)
EXTERNAL = {name: _imports(name, path, MODULES) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, done, stack = [], set(), []

    def visit(node: str) -> None:
        if node in stack:
            found.append(stack[stack.index(node):] + [node])
            return
        if node in done:
            return
        stack.append(node)
        for target in sorted(graph[node]):
            visit(target)
        stack.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)
    return found


def test_the_checker_finds_a_cycle_hidden_inside_a_function(tmp_path):
    """Cycles used to hide behind imports placed inside functions: the checker counts those too."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from . import b\n")
    (tmp_path / "pkg" / "b.py").write_text("def later():\n    from pkg.a import thing\n")
    assert _cycles(_graph(_modules(tmp_path, ["pkg"]))) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_there_is_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_the_engine_imports_none_of_its_callers_and_no_web_framework():
    for name, targets in EXTERNAL.items():
        if name.split(".")[0] != "engine":
            continue
        bad = {t for t in targets if t.split(".")[0] in (*CALLERS, "flask", "flask_login", "flask_babel", "rq")}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_engine_modules_never_import_the_public_api_they_are_part_of():
    for name, targets in GRAPH.items():
        if name.startswith("engine.") and "engine" in targets:
            raise AssertionError(f"{name} imports 'engine' (the public API); import the module it needs instead")


def test_callers_use_the_public_api_only():
    for name, targets in EXTERNAL.items():
        if name.split(".")[0] in CALLERS:
            inner = sorted(t for t in targets if t.startswith("engine."))
            assert not inner, f"{name} reaches into {inner}; add what it needs to engine/__init__.py"


def test_no_engine_module_reads_the_environment():
    for name, path in MODULES.items():
        if name.split(".")[0] != "engine":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            reads = (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb")
                     and isinstance(node.value, ast.Name) and node.value.id == "os")
            assert not reads, f"{name} line {node.lineno} reads the environment: take a Settings instead"


FLOORS = ["storage", "org", "scripting", "library", "messages", "cases", "tasks", "residents", "figures", "timers"]  # lowest first


def test_each_engine_package_imports_only_the_floors_below_it():
    for name, targets in GRAPH.items():
        parts = name.split(".")
        if parts[0] != "engine" or len(parts) < 2 or parts[1] not in FLOORS:
            continue
        floor = FLOORS.index(parts[1])
        for target in targets:
            other = target.split(".")
            if other[0] == "engine" and len(other) > 1 and other[1] in FLOORS:
                assert FLOORS.index(other[1]) <= floor, f"{name} (floor {parts[1]}) imports {target} from above"
