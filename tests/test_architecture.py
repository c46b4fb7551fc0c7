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


def imported_modules(path: Path, package_root: Path = PACKAGE) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (lazy imports inside functions count too),
    with relative imports resolved against the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(package_root.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def offenders(folder: str, forbidden: tuple[str, ...], package_root: Path = PACKAGE) -> dict[str, list[str]]:
    result = {}
    for path in (package_root / folder).rglob("*.py"):
        bad = sorted(m for m in imported_modules(path, package_root) if m.startswith(forbidden))
        if bad:
            result[str(path.relative_to(package_root))] = bad
    return result


def test_the_core_imports_neither_the_simulator_nor_demo_mode():
    assert offenders("core", ("wan_desktop.simulator", "wan_desktop.demo")) == {}


def test_the_service_layer_imports_none_of_the_apps_file_modules():
    # core/dashscope knows the service; the library, the job store and the image checks sit above it
    forbidden = ("wan_desktop.core.library", "wan_desktop.core.store", "wan_desktop.core.images")
    assert offenders("core/dashscope", forbidden) == {}


def test_the_qt_layer_never_opens_the_job_store_for_writing():
    # it reads through JobReader / open_reader; every change to a job is a request to the engine
    writers = ("wan_desktop.core.store.JobStore", "wan_desktop.core.engine.journal")
    assert offenders("qt", writers) == {}


def test_the_import_rules_see_lazy_and_relative_imports(tmp_path):
    root = tmp_path / "wan_desktop"
    (root / "core" / "deep").mkdir(parents=True)
    (root / "core" / "lazy.py").write_text("def later():\n    from wan_desktop.simulator.server import Server\n")
    (root / "core" / "deep" / "rel.py").write_text("from ...simulator import service\n")
    (root / "core" / "fine.py").write_text("from . import lazy\n")
    found = offenders("core", ("wan_desktop.simulator",), package_root=root)
    assert sorted(found) == ["core/deep/rel.py", "core/lazy.py"]
