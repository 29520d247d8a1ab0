"""The privacy toolkit sits on the core and nothing above it (DESIGN.md section 2), and only the
vault needs an AES-GCM library (`cryptography`, or tlslite-ng in the browser edition), which
only its cipher module, aes_gcm, imports."""

import ast
import subprocess
import sys
from pathlib import Path

import minichain.privacy

PACKAGE = Path(minichain.privacy.__file__).parent
CORE = {"minichain", "minichain.crypto", "minichain.merkle", "minichain.chain",
        "minichain.wallet", "minichain.clock", "minichain.encoding", "minichain.errors",
        "minichain.sqlite_file", "minichain.language"}  # the SQLite checks the vault shares with chain files
AES_GCM_LIBRARIES = {"cryptography", "tlslite"}
THIRD_PARTY = {"networkx"} | AES_GCM_LIBRARIES


def imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_privacy_uses_only_the_core_the_standard_library_networkx_and_an_aes_gcm_library():
    for path in PACKAGE.glob("*.py"):
        for module in imports(path):
            top = module.split(".")[0]
            if module.startswith("minichain.privacy"):
                continue
            if top == "minichain":
                assert module in CORE, f"{path.name} imports {module}, which is not the core"
            else:
                assert top in sys.stdlib_module_names | THIRD_PARTY, \
                    f"{path.name} imports {module}"
            if top in AES_GCM_LIBRARIES:
                assert path.name == "aes_gcm.py", f"{path.name} imports {top}"


def test_the_toolkit_without_the_vault_loads_no_aes_gcm_library():
    code = ("import sys, minichain.privacy; "
            "print(any(m.startswith(('cryptography', 'tlslite')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
