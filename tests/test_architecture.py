"""The layers point one way (DESIGN.md section 2): core ← contracts/network/privacy/store ←
widgets/grading/cli ← notebooks, with no import loop anywhere.

Read from the sources, as an engineer new to the code would: every `import` counts, at the top
of a module or inside a function (only imports for type checkers, under `TYPE_CHECKING`, do
not), so a loop cannot hide in a function body.
"""

import ast
from pathlib import Path

import networkx as nx

import minichain

PACKAGE = Path(minichain.__file__).parent
CORE = {"crypto", "merkle", "encoding", "transaction", "block", "state", "execution", "mempool",
        "chain", "consensus", "errors", "params", "clock", "receipt", "wallet", "names"}
ABOVE_THE_CORE = {"store", "contracts", "network", "privacy", "widgets", "grading", "cli",
                  "classroom",
                  "monitoring", "pilot", "throughput", "need_a_blockchain"}


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """The minichain modules `name` imports (a package's submodule, not the package, when a
    `from package import submodule` names one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for_type_checkers = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                         and "TYPE_CHECKING" in ast.unparse(block.test)
                         for node in ast.walk(block)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in for_type_checkers:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith("minichain") and target != name:
                found.add(target)
    return found


GRAPH = nx.DiGraph([(name, target) for name, path in MODULES.items()
                    for target in _imports(name, path)])


def _area(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_no_module_of_minichain_imports_itself_through_others():
    loops = sorted(nx.simple_cycles(GRAPH), key=len)
    assert loops == [], "import loops: " + "; ".join(" → ".join(loop) for loop in loops[:5])


def test_the_core_imports_nothing_above_it():
    upward = sorted((a, b) for a, b in GRAPH.edges
                    if _area(a) in CORE and _area(b) in ABOVE_THE_CORE)
    assert upward == []


def test_the_checker_sees_imports_inside_functions():
    """The two rules above would pass vacuously if the reader missed imports in functions."""
    assert "minichain.store" in _imports("minichain", MODULES["minichain"])  # in __getattr__
    assert len(GRAPH.edges) > 200 and {"minichain.chain", "minichain.state"} <= set(GRAPH)
