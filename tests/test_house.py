"""The house rules a newcomer relies on: what a module keeps private stays private.

A name that starts with `_` is free to change without notice; another module importing it turns
that into a hidden contract (issue 21 found the app CLIs importing cli.py's `_setup`, `_fail`…).
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "diemcau"


def _modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and p.name != "conftest.py"
    )


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("diemcau"):
                offenders += [
                    f"{path.relative_to(PACKAGE)}:{node.lineno} imports {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert len(_modules()) > 100
    assert offenders == []


def test_app_commands_do_not_import_the_assembled_cli():
    """cli.py imports each app's `register`; an app CLI importing cli.py back is a circle."""
    offenders = []
    for path in _modules():
        if path.name.startswith("cli") or path.name.endswith("_cli.py"):
            if path == PACKAGE / "cli.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (
                    node.module == "diemcau.cli"
                    or (node.module == "diemcau" and any(a.name == "cli" for a in node.names))
                ):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def _imports_of(path: Path, modules: set[str]) -> set[str]:
    """Every diemcau module this file imports, at the top or inside a function (a lazy import
    hides a circle from Python, not from a reader)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("diemcau"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("diemcau"))
    return found & modules


def test_no_import_circle_between_modules_of_the_package():
    names = {}
    for path in _modules():
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("diemcau", *parts)).removesuffix(".__init__")
        names[name] = path
    graph = {name: _imports_of(path, set(names)) - {name} for name, path in names.items()}

    circles: list[list[str]] = []
    done: set[str] = set()
    for start in graph:  # a depth-first walk from each module, keeping the path it came by
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circle = sorted(trail)
                    if circle not in circles:
                        circles.append(circle)
                elif nxt not in trail and nxt not in done:
                    stack.append((nxt, [*trail, nxt]))
        done.add(start)
    assert circles == []


ASSESSMENT = PACKAGE / "assessment"
# What Django, ninja and click mount: the app's own assembly modules and the project's may reach
# these modules of a sub-package; everything else goes through its `services`.
WIRING = {
    "models",
    "api",
    "urls",
    "views",
    "views_public",
    "views_template",
    "views_links",
    "signals",
    "tasks",
    "cli",
}
ASSEMBLY = {
    "diemcau.assessment.models",
    "diemcau.assessment.api",
    "diemcau.assessment.urls",
    "diemcau.assessment.apps",
    "diemcau.api",
    "diemcau.urls",
    "diemcau.cli",
    "diemcau.wsgi",
}


def _subpackages() -> list[str]:
    return sorted(
        p.parent.name
        for p in ASSESSMENT.glob("*/__init__.py")
        if p.parent.name not in {"tests", "migrations"}
    )


def test_assessment_subpackages_import_nothing_when_loaded():
    """assessment.models imports each sub-package's models while Django loads the models; an
    `__init__` importing services would then load them (and other apps' models) too early."""
    assert len(_subpackages()) >= 5
    for name in _subpackages():
        tree = ast.parse((ASSESSMENT / name / "__init__.py").read_text(encoding="utf-8"))
        assert all(isinstance(n, ast.Expr) for n in tree.body), name  # a docstring only
        assert (ASSESSMENT / name / "services.py").exists(), name


def test_assessment_subpackages_are_reached_through_their_services():
    """One public surface per sub-package: outside it, a module imports its `services` (or, for
    the app's and the project's assembly, what Django, ninja and click mount)."""
    offenders = []
    subs = _subpackages()
    for path in _modules():
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        me = ".".join(("diemcau", *parts)).removesuffix(".__init__")
        for target in sorted(_raw_imports(path)):
            bits = target.split(".")
            if bits[:2] != ["diemcau", "assessment"] or len(bits) < 4 or bits[2] not in subs:
                continue
            if me.startswith(f"diemcau.assessment.{bits[2]}"):
                continue  # inside the sub-package: modules import each other directly
            allowed = {"services"} | (WIRING if me in ASSEMBLY else set())
            if bits[3] not in allowed:
                offenders.append(f"{me} imports {target}")
    assert offenders == []


def _raw_imports(path: Path) -> set[str]:
    """Each `from a.b import c` as a.b.c and each `import a.b` as a.b (c may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("diemcau."):
            module = node.module or ""
            if len(module.split(".")) >= 4:
                found.add(module)
            else:
                found.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found
