"""One layer per floor: `index/` builds and loads an index without the service; `service/` answers
without the eval harness; the HTTP routes go through the engine, never into storage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from service.settings import REPO_ROOT


def _imported_modules(folder: Path) -> dict[str, set[str]]:
    """{file: every module it imports, at any depth (lazy imports inside functions too)}."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        modules = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
            elif isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
        found[str(path.relative_to(REPO_ROOT))] = modules
    return found


@pytest.mark.parametrize("folder, forbidden", [("index", ("service", "eval", "bench")),
                                               ("service", ("eval", "bench")),
                                               ("service/api/routes.py", ("index",))])
def test_a_layer_imports_nothing_above_it(folder: str, forbidden: tuple[str, ...]) -> None:
    path = REPO_ROOT / folder
    files = _imported_modules(path) if path.is_dir() else _imported_modules(path.parent)
    offending = {file: sorted(m for m in modules if m.split(".")[0] in forbidden)
                 for file, modules in files.items() if path.is_dir() or file == folder}
    assert {file: mods for file, mods in offending.items() if mods} == {}
