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
