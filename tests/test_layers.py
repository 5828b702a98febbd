"""The folders are the layers: each imports only the layers below it (at any depth, function-level
imports included), and the heavy libraries are imported inside the functions that use them."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lifkit"
# Highest first. The register sits above the case: it is derived from the case folders.
LAYERS = ("commands", "steps", "register", "case", "documents", "mechanics")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[0] == "lifkit" and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return None


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every import in the module, at any depth, except those only for type checkers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_each_layer_imports_only_the_layers_below_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _layer("lifkit." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if here is None:
            continue
        for line, module in _imports(path):
            there = _layer(module)
            if there is not None and there < here:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert wrong == []


DOMAIN = ("steps", "register", "case", "documents")


def test_no_two_domain_modules_import_each_other_in_a_circle():
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = "lifkit." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        if name.split(".")[1] in DOMAIN:
            graph[name] = {m for _, m in _imports(path) if m.startswith("lifkit.") and m != name}
    names = set(graph)
    graph = {k: {m for m in v if m in names} for k, v in graph.items()}
    circles = []

    def visit(node: str, stack: list[str], seen: set[str]) -> None:
        for target in graph.get(node, ()):
            if target in stack:
                circles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in seen:
                seen.add(target)
                visit(target, stack + [target], seen)

    for start in sorted(graph):
        visit(start, [start], {start})
    assert circles == []
