"""Per-cell cost against the size of the namespace: it must not grow with it.

nbprov's hooks do work proportional to what a cell touched, never to what the namespace
holds. This runs the same small cells (which touch none of the big namespace's objects)
in an in-process IPython shell, in four set-ups, interleaved round by round:

- plain IPython, empty namespace;      - nbprov loaded, empty namespace;
- plain IPython, big namespace;        - nbprov loaded, big namespace;

where the big namespace holds 10,000 names, 1,000 containers and a 2 GB memory-mapped
array (a sparse file: no disk is used). nbprov's cost per cell is the difference between
its shell and the plain one with the same namespace; the two costs must agree within
0.05 ms. Printed: medians over rounds, with their range.

Usage::

    python benchmarks/bench_namespace.py [--rounds 7] [--cells 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if os.environ.get("NBPROV_BENCH_INSTALLED") != "1":
    sys.path.insert(0, str(HERE.parent))

TOLERANCE_MS = 0.05
# ``z.append(4)`` changes an existing object in place: the tracer looks for other names
# sharing it (aliases, containers holding it, array views), the step most at risk of
# growing with the namespace.
CELLS = [
    "x = 1",
    "y = x + 1",
    "print(y, file=_sink)",
    "z = [y, y]\nz.append(3)",
    "z.append(4)",
    "w = len(z)",
]


def make_big_namespace(ns: dict[str, Any], folder: Path) -> None:
    import numpy as np

    for i in range(10_000):
        ns[f"v{i}"] = i
    for i in range(1_000):
        ns[f"c{i}"] = [i, {"k": [i]}] if i % 2 else {"k": list(range(20))}
    path = folder / "big.bin"
    with open(path, "wb") as handle:
        handle.truncate(2 << 30)
    ns["mm"] = np.memmap(path, dtype="uint8", mode="r")


def new_shell(with_nbprov: bool, big: bool, folder: Path) -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    shell.user_ns["_sink"] = open(os.devnull, "w")  # noqa: SIM115
    if with_nbprov:
        shell.run_cell("%load_ext nbprov", store_history=True)
    if big:
        make_big_namespace(shell.user_ns, folder)
        shell.run_cell("pass", store_history=True)  # let the hooks see it once
    return shell


def per_cell_ms(shell: Any, cells: int) -> float:
    started = time.perf_counter()
    for i in range(cells):
        shell.run_cell(CELLS[i % len(CELLS)], store_history=True)
    return (time.perf_counter() - started) / cells * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cells", type=int, default=200)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        os.environ["NBPROV_DB"] = str(folder / "store.db")
        setups = [(n, b) for b in (False, True) for n in (False, True)]
        shells = {setup: new_shell(*setup, folder) for setup in setups}
        times: dict[tuple[bool, bool], list[float]] = {s: [] for s in setups}
        for round_ in range(options.rounds):
            order = setups if round_ % 2 == 0 else list(reversed(setups))
            for setup in order:
                times[setup].append(per_cell_ms(shells[setup], options.cells))
        cost = {
            big: [w - p for w, p in zip(times[(True, big)], times[(False, big)], strict=True)]
            for big in (False, True)
        }
    load = os.getloadavg()[0]
    print(f"load average {load:.1f}; {options.rounds} rounds of {options.cells} cells")
    for big in (False, True):
        label = "big namespace  " if big else "empty namespace"
        plain = statistics.median(times[(False, big)])
        added = statistics.median(cost[big])
        print(
            f"{label}: plain {plain:.3f} ms/cell, nbprov adds {added:.3f} ms/cell "
            f"(range {min(cost[big]):.3f}..{max(cost[big]):.3f})"
        )
    difference = statistics.median(cost[True]) - statistics.median(cost[False])
    met = abs(difference) <= TOLERANCE_MS
    print(
        f"growth with the namespace: {difference:+.3f} ms/cell "
        f"(target within ±{TOLERANCE_MS} ms): {'yes' if met else 'NO'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
