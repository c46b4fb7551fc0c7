"""The core must stay usable without Qt: no module under wan_desktop/core imports PySide6 or shiboken6."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import wan_desktop

PACKAGE = Path(wan_desktop.__file__).parent
QT_ROOTS = {"PySide6", "shiboken6", "PyQt5", "PyQt6", "qtpy"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_sources_import_no_qt():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(imported_roots(path) & QT_ROOTS)
        for path in (PACKAGE / "core").rglob("*.py")
        if imported_roots(path) & QT_ROOTS
    }
    assert offenders == {}


def test_core_sources_import_nothing_from_the_qt_layer():
    offenders = []
    for path in (PACKAGE / "core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "wan_desktop.qt" in text or "from ..qt" in text or "from ...qt" in text:
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_importing_every_core_module_loads_no_qt():
    modules = sorted(
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts) for path in (PACKAGE / "core").rglob("*.py")
    )
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6'})\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
