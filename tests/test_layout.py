"""The house stays as docs/design.md draws it: imports only point down the layers, no
two modules import each other, no module takes another's private names, and the few
things written in two places for start-up's sake are held equal."""

from __future__ import annotations

import pytest

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ctcontacts"
# From the bottom up: a module may import its own layer and the layers below it.
LAYERS = ["base", "time", "domain", "storage", "formats", "directory", "views", "cli"]


def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}


def imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names taken) for every relative import, at any depth."""
    package = name.split(".")[:-1] if not name.endswith("__init__") else name.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            base = package[: len(package) - (node.level - 1)]
            module = ".".join(base + (node.module.split(".") if node.module else []))
            out.append((module, [a.name for a in node.names]))
    return out


def edges() -> dict[str, set[str]]:
    """Module -> modules it imports (``from . import x`` counts as importing ``x``)."""
    known = modules()
    out: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for module, names in imports(name, path):
            for candidate in [module] + [f"{module}.{n}" for n in names]:
                if candidate in known and candidate != name:
                    targets.add(candidate)
        out[name] = targets
    return out


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 2 and parts[1] in LAYERS else None


def test_every_module_is_in_a_layer():
    loose = [m for m in modules() if layer(m) is None and m not in ("ctcontacts.__init__", "ctcontacts.__main__")
             and not m.endswith(".__init__")]
    assert loose == []
    assert sorted({m.split(".")[1] for m in modules() if layer(m) is not None}) == sorted(LAYERS)


def test_imports_only_point_down_the_layers():
    upward = [f"{a} -> {b}" for a, targets in edges().items() for b in targets
              if layer(a) is not None and layer(b) is not None and layer(b) > layer(a)]
    assert upward == []


def test_no_two_modules_import_each_other():
    graph = edges()
    cycles = sorted({" <-> ".join(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, ())})
    assert cycles == []
    # Longer loops too: a depth-first search for any way back.
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            assert visit(start, [start]) is None


def test_no_module_takes_another_modules_private_names():
    taken = [f"{name}: {module}.{n}" for name, path in modules().items() for module, names in imports(name, path)
             for n in names if n.startswith("_") and not n.startswith("__")]
    assert taken == []


def test_the_migration_names_are_the_migrations():
    """storage/schema.py names them so that opening a database needs no sqlite-utils."""
    from ctcontacts.storage import db, schema

    conn = db.in_memory()  # every migration applied, in order
    assert db.applied_migrations(conn) == list(schema.KNOWN_MIGRATIONS)


@pytest.mark.parametrize("name", ["whois", "now"])
def test_the_fast_commands_read_the_options_the_typer_commands_have(name):
    """cli/main.py reads a plain whois or now itself, without Typer: its options must be
    the Typer command's, or a script would meet two command lines."""
    import typer.main

    from ctcontacts.cli import main
    from ctcontacts.cli.app import app

    command = typer.main.get_command(app).commands[name]
    typer_options = {opt for p in command.params for opt in p.opts}
    options, flags, required = main.FAST_COMMANDS[name]
    assert set(options) | set(flags) == typer_options - {"--help"} - main.TYPER_ONLY.get(name, set())
    assert {p.name for p in command.params if p.required} == set(required)
