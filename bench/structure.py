"""Code structure against issue 10's targets: one JSON line.

    python bench/structure.py

Counts physical lines per module under wan_desktop/, the length of every function and method (from its
``def`` line to its last line, decorators excluded), and the length of the classes the issue names
(Engine, LibraryPanel, Composer; each under 300). Prints the modules over 500 lines, the functions over 60, the median
function length and the named classes' lengths; exits 1 when a target is missed, so CI can run it.
"""

from __future__ import annotations

import ast
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "wan_desktop"
MODULE_LIMIT = 500
FUNCTION_LIMIT = 60
CLASS_LIMIT = 300
NAMED_CLASSES = ("Engine", "LibraryPanel", "Composer")


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def measure(root: Path = ROOT) -> dict:
    modules: dict[str, int] = {}
    function_lengths: list[int] = []
    long_functions: dict[str, int] = {}
    classes: dict[str, int] = {}
    for path in sorted(root.rglob("*.py")):
        name = str(path.relative_to(root.parent))
        text = path.read_text(encoding="utf-8")
        modules[name] = len(text.splitlines())
        tree = ast.parse(text, filename=name)
        for function in _functions(tree):
            length = (function.end_lineno or function.lineno) - function.lineno + 1
            function_lengths.append(length)
            if length > FUNCTION_LIMIT:
                long_functions[f"{name}:{function.lineno} {function.name}"] = length
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in NAMED_CLASSES:
                classes[f"{name}:{node.name}"] = (node.end_lineno or node.lineno) - node.lineno + 1
    return {
        "modules": len(modules),
        "largest_module": max(modules.items(), key=lambda item: item[1]),
        "modules_over_500": {name: lines for name, lines in modules.items() if lines > MODULE_LIMIT},
        "functions": len(function_lengths),
        "median_function_lines": statistics.median(function_lengths),
        "functions_over_60": long_functions,
        "named_classes": classes,
        "named_classes_over_300": {name: lines for name, lines in classes.items() if lines >= CLASS_LIMIT},
    }


def main() -> int:
    figures = measure()
    print(json.dumps(figures))
    missed = figures["modules_over_500"] or figures["functions_over_60"] or figures["named_classes_over_300"]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
