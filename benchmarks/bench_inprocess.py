"""Per-cell cost of nbprov's hooks in an in-process IPython shell, without a kernel.

A kernel adds about 2 ms of messaging to every cell, and the machine's noise with it; in
one process, the same one-line cells as ``tiny_300`` take about 0.17 ms each, so a change
of a few microseconds in the hooks shows. Each variant runs in its own fresh process:
plain IPython, and nbprov from one or more checkouts (``--nbprov PATH``, default this
one), alternating, ``--reps`` times. Reported per cell: the median time and the number of
garbage-collector passes (nbprov's objects waiting for the writer make them more
frequent), and the CPU the store's writer thread spent writing the cells (off the timing:
the writes wait for the end of each batch). The kernel benchmark (``bench_overhead.py``)
remains the figure users get.

Usage::

    python benchmarks/bench_inprocess.py
    python benchmarks/bench_inprocess.py --nbprov /tmp/old-checkout --nbprov . --reps 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Run in a child process: one shell, ``cells`` one-line cells, timed per batch of 300.
CHILD = """
import contextlib, gc, io, json, os, statistics, sys, tempfile, time
os.environ["NBPROV_DB"] = os.path.join(tempfile.mkdtemp(), "store.db")
from IPython.testing.globalipapp import start_ipython
shell = start_ipython()
recorded = sys.argv[1] == "1"
flush = lambda: None
writer_cpu = lambda: 0.0
if recorded:
    import threading
    shell.run_line_magic("load_ext", "nbprov")
    import nbprov
    flush = nbprov.get_recorder(shell).writer.flush
    flush()
    # The writer thread's own CPU clock: what writing the cells costs, off the timing.
    writer = next(t for t in threading.enumerate() if t.name == "nbprov-writer")
    clock = time.pthread_getcpuclockid(writer.ident)
    writer_cpu = lambda: time.clock_gettime(clock)
written_from = writer_cpu()
passes = [0]
gc.callbacks.append(lambda phase, info: passes.__setitem__(0, passes[0] + (phase == "start")))
batch, times = 300, []
for start in range(0, int(sys.argv[2]), batch):
    begin = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        for i in range(start, start + batch):
            kind = i % 3
            source = f"a{i} = {i}" if kind == 0 else (f"x = a{i - 1} * 2 + 1" if kind == 1 else "x")
            shell.run_cell(source, store_history=True)
    times.append((time.perf_counter() - begin) / batch)
    flush()  # outside the timing: the writer's share is the kernel benchmark's to measure
cells = int(sys.argv[2])
print(json.dumps({
    "per_cell": statistics.median(times[1:] or times),
    "gc": passes[0],
    "writer_per_cell": (writer_cpu() - written_from) / cells,
}))
"""


def run_variant(path: Path | None, cells: int) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("NBPROV_DB", None)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), *filter(None, [env.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, "0" if path is None else "1", str(cells)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nbprov",
        action="append",
        type=Path,
        help="a checkout whose nbprov to measure (repeatable; default: this one)",
    )
    parser.add_argument("--reps", type=int, default=3, help="processes per variant (3)")
    parser.add_argument("--cells", type=int, default=1500, help="cells per process (1500)")
    args = parser.parse_args(argv)
    checkouts: list[Path | None] = [None, *[p.resolve() for p in args.nbprov or [HERE.parent]]]
    results: dict[Path | None, list[dict[str, float]]] = {c: [] for c in checkouts}
    for rep in range(args.reps):
        for checkout in checkouts:
            result = run_variant(checkout, args.cells)
            results[checkout].append(result)
            label = "plain IPython" if checkout is None else str(checkout)
            per_cell = result["per_cell"] * 1e6
            print(f"  rep {rep + 1}/{args.reps}  {label:<40} {per_cell:7.1f} us/cell")
    plain = statistics.median(r["per_cell"] for r in results[None])
    print(f"\nmedian per cell over {args.reps} processes of {args.cells} cells:")
    print(
        f"{'variant':<40} {'us/cell':>8} {'added':>8} {'ratio':>7} {'gc passes':>10}"
        f" {'writer CPU us/cell':>19}"
    )
    for checkout, runs in results.items():
        per_cell = statistics.median(r["per_cell"] for r in runs)
        passes = statistics.median(r["gc"] for r in runs)
        writer = statistics.median(r["writer_per_cell"] for r in runs)
        label = "plain IPython" if checkout is None else str(checkout)
        print(
            f"{label:<40} {per_cell * 1e6:8.1f} {(per_cell - plain) * 1e6:8.1f}"
            f" {per_cell / plain:6.3f}x {passes:10.0f} {writer * 1e6:19.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
