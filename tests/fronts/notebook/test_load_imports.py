"""Loading nbprov registers every magic without importing what only a magic needs.

Start-up is measured in benchmarks/bench_startup.py; this guards its cause: a magic's
module imported at load time once pulled in nbformat, jsonschema and Optuna (seconds).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("nbformat", "jsonschema", "optuna", "ipywidgets", "luigi", "ray", "pandas")

PROBE = """
import sys
from IPython.core.interactiveshell import InteractiveShell
before = set(sys.modules)
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "nbprov")
assert "sweep" in shell.magics_manager.magics["line"], "the magics were not registered"
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_loading_imports_no_module_only_a_magic_needs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"NBPROV_DB": str(tmp_path / "store.db"), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    loaded = {name.split(".")[0] for name in done.stdout.split()}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
