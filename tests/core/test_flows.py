"""What each cell of a trial read from which other cell."""

from __future__ import annotations

from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell
from support import run

from nbprov.core.flows import flows


def test_flows_link_readers_to_their_writers(shell: InteractiveShell, store_path: Path) -> None:
    run(shell, "data = [1, 2, 3]")  # 2
    run(shell, "scale = 2")  # 3
    run(shell, "scaled = [x * scale for x in data]")  # 4
    run(shell, "scale = 3")  # 5
    run(shell, "total = sum(scaled) + scale")  # 6
    run(shell, "%trial")  # flushes the store
    found = flows("latest", db=str(store_path))["flows"]
    edges = {(f["name"], f["writer_count"], f["reader_count"]) for f in found}
    assert ("data", 2, 4) in edges and ("scale", 3, 4) in edges
    # The latest writer counts: total reads scale from cell 5, not 3.
    assert ("scale", 5, 6) in edges and ("scale", 3, 6) not in edges
    assert ("scaled", 4, 6) in edges
