"""The house has no loops: no cycle of imports between the engine's packages, and each layer
imports only those below it (commands, then jobs, then runtime, then parts, then the contract).

Imports are read from the source with `ast`, those inside functions included: a lazy import is
still a dependency, it only happens later.
"""

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"

#: Each unit's layer; a unit may import its own layer's units only where no cycle results, and
#: any unit of a lower layer (a higher number).
LAYERS = {
    "engine.cli": 0, "engine.commands": 0,
    "engine.offline": 1, "engine.script": 1, "engine.cluster": 1, "engine.progress": 2, "engine.options": 3, "engine.overlay": 2, "engine.demo_tour": 3,
    "engine.pipeline": 2, "engine.registry": 2, "engine.drivers": 3, "engine.sinks": 3, "engine.show": 2,
    "engine.mixer": 3, "engine.filters": 3, "engine.idle": 3, "engine.body_motion": 3,
    "engine.expressions": 3, "engine.errors": 7,
    "engine.rig": 4, "engine.renderer": 4, "engine.protocols": 4, "engine.speech": 4, "engine.voices": 4,
    "engine.speech_training": 1, "engine.stage": 1,
    "engine.assets": 5, "engine.frame": 5, "engine.arkit": 6, "engine.bones": 6, "engine.native_log": 6,
}


def _unit(module: str) -> str:
    """The package or top-level module a module belongs to (`engine.rig.rig` -> `engine.rig`)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _module_name(path: Path) -> str:
    rel = path.relative_to(ENGINE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("engine")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("engine"):
                found |= {f"{target}.{a.name}" if target.count(".") == 0 else target for a in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ENGINE.rglob("*.py"):
        unit = _unit(_module_name(path))
        for target in _imports(path):
            other = _unit(target)
            if other != unit and other != "engine":
                graph.setdefault(unit, set()).add(other)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_the_engines_packages():
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()))


def test_each_layer_imports_only_layers_below_it():
    wrong = []
    for unit, targets in sorted(_graph().items()):
        if unit not in LAYERS:
            wrong.append(f"{unit} has no layer in this test")
            continue
        for target in sorted(targets):
            if target not in LAYERS:
                wrong.append(f"{target} has no layer in this test")
            elif LAYERS[target] < LAYERS[unit]:
                wrong.append(f"{unit} (layer {LAYERS[unit]}) imports {target} (layer {LAYERS[target]})")
    assert not wrong, "\n".join(sorted(set(wrong)))


@pytest.mark.parametrize("graph, cycle", [({"a": {"b"}, "b": {"a"}}, True), ({"a": {"b"}, "b": {"c"}}, False)])
def test_the_cycle_finder_finds_cycles(graph, cycle):
    assert (_cycle(graph) is not None) == cycle


def test_help_imports_no_command_and_nothing_heavy():
    """`--help` must answer at once: no command module, numpy or torch behind it."""
    import subprocess
    import sys

    code = ("import sys; from engine.cli import build_parser\n"
            "try:\n    build_parser(['--help']).parse_args(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(('engine.commands.', 'numpy', 'torch')))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ENGINE.parent, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[-2] == "", out.stdout
