"""Where nbprov's per-cell time goes, measured inside a real kernel.

Runs a benchmark notebook with nbprov loaded at kernel start-up, after a set-up cell that
wraps every IPython event callback (``pre_run_cell``, ``post_run_cell``, ``pre_execute``,
``post_execute``) in a timer and a cProfile profiler. Only the callbacks are profiled, so
the user's code runs at full speed and is not distorted. A last cell prints the time per
callback and the hottest functions inside them.

Usage::

    python benchmarks/profile_hooks.py loops
    python benchmarks/profile_hooks.py tiny_300 --top 30
    python benchmarks/profile_hooks.py demo_diabetes --no-profile   # plain timings
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from notebooks import NOTEBOOKS  # noqa: E402

from nbprov.runs.execute import run_notebook  # noqa: E402

SETUP = """\
import cProfile as _bench_cprofile
import time as _bench_time

_BENCH_PROFILE = {profile}
_bench_profile = _bench_cprofile.Profile()
_bench_times = {}


def _bench_wrap(event, callback):
    label = f"{event}: {getattr(callback, '__qualname__', repr(callback))}"

    def timed(*args, **kwargs):
        start = _bench_time.perf_counter()
        try:
            if _BENCH_PROFILE:
                return _bench_profile.runcall(callback, *args, **kwargs)
            return callback(*args, **kwargs)
        finally:
            _bench_times.setdefault(label, []).append(_bench_time.perf_counter() - start)

    return timed


for _bench_event in ("pre_execute", "pre_run_cell", "post_run_cell", "post_execute"):
    get_ipython().events.callbacks[_bench_event] = [
        _bench_wrap(_bench_event, cb) for cb in get_ipython().events.callbacks[_bench_event]
    ]


def _bench_thread_cpu():
    # CPU seconds of each of nbprov's threads (the background store writer), from /proc.
    import os
    import threading

    found = {}
    for thread in threading.enumerate():
        if thread.name.startswith("nbprov") and thread.native_id:
            try:
                with open(f"/proc/self/task/{thread.native_id}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tick = os.sysconf("SC_CLK_TCK")
            found[thread.name] = (int(fields[11]) / tick, int(fields[12]) / tick)
    return found


import nbprov as _bench_nbprov

_bench_writer = _bench_nbprov.get_recorder().writer
_bench_writer.flush()
_bench_cpu_start = _bench_thread_cpu()
# Profile the background writer's transactions too (on its own thread, own profiler).
_bench_wprofile = _bench_cprofile.Profile()
_bench_write = _bench_writer._write
if _BENCH_PROFILE:
    _bench_writer._write = lambda ops, **kw: _bench_wprofile.runcall(_bench_write, ops, **kw)
"""

REPORT = """\
import pstats as _bench_pstats

for _bench_event in ("pre_execute", "pre_run_cell", "post_run_cell", "post_execute"):
    get_ipython().events.callbacks[_bench_event] = []
_bench_total = 0.0
import statistics as _bench_statistics

print("callback time over the measured cells (ms): total / per cell / median / max")
for _bench_label, _bench_list in sorted(_bench_times.items()):
    _bench_sum = sum(_bench_list)
    _bench_total += _bench_sum
    print(f"  {_bench_label:<56} {_bench_sum * 1e3:9.1f} {_bench_sum * 1e3 / len(_bench_list):8.3f}"
          f" {_bench_statistics.median(_bench_list) * 1e3:8.3f}"
          f" {max(_bench_list) * 1e3:8.1f}  (n={len(_bench_list)})")
print(f"  {'all callbacks':<56} {_bench_total * 1e3:9.1f}")
for _bench_label, _bench_list in sorted(_bench_times.items()):
    if len(_bench_list) <= 40 and sum(_bench_list) > 0.01:
        print(f"  per cell, {_bench_label} (ms):", " ".join(f"{t * 1e3:.1f}" for t in _bench_list))
for _bench_label, _bench_list in sorted(_bench_times.items()):
    if len(_bench_list) > 40 and sum(_bench_list) > 0.01:
        _bench_slow = sorted(range(len(_bench_list)), key=_bench_list.__getitem__)[-5:][::-1]
        print(f"  slowest, {_bench_label} (cell: ms):",
              " ".join(f"{i + 1}: {_bench_list[i] * 1e3:.2f}" for i in _bench_slow))
_bench_writer.flush()
for _bench_name, (_bench_user, _bench_sys) in _bench_thread_cpu().items():
    _bench_user -= _bench_cpu_start.get(_bench_name, (0.0, 0.0))[0]
    _bench_sys -= _bench_cpu_start.get(_bench_name, (0.0, 0.0))[1]
    print(f"  thread {_bench_name}: CPU during the measured cells: user"
          f" {_bench_user * 1e3:.0f} ms, system {_bench_sys * 1e3:.0f} ms")
if _BENCH_PROFILE:
    _bench_pstats.Stats(_bench_profile).sort_stats("cumulative").print_stats({top})
    _bench_pstats.Stats(_bench_profile).sort_stats("tottime").print_stats({top})
    print("background writer (its own thread):")
    if _bench_wprofile.getstats():
        _bench_pstats.Stats(_bench_wprofile).sort_stats("cumulative").print_stats({top})
        _bench_pstats.Stats(_bench_wprofile).sort_stats("tottime").print_stats({top})
    else:  # nothing reached the writer's _write while profiled
        print("  (no transaction profiled)")
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", choices=list(NOTEBOOKS))
    parser.add_argument("--top", type=int, default=25, help="functions to list (25)")
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="only time the callbacks (no cProfile, so no profiler overhead in the times)",
    )
    args = parser.parse_args(argv)

    nb: Any = NOTEBOOKS[args.notebook][0]()
    setup = SETUP.replace("{profile}", str(not args.no_profile))
    nb.cells.insert(0, new_code_cell(setup))  # type: ignore[no-untyped-call]
    report = REPORT.replace("{top}", str(args.top))
    nb.cells.append(new_code_cell(report))  # type: ignore[no-untyped-call]
    with tempfile.TemporaryDirectory(prefix="nbprov-profile-") as tmp:
        path = Path(tmp) / f"{args.notebook}.ipynb"
        nbformat.write(nb, path)  # type: ignore[no-untyped-call]
        result = run_notebook(path, db=Path(tmp) / "nbprov.db", timeout=900)
        if not result.ok:
            print(result.describe_failure(), file=sys.stderr)
            return 1
        seconds = result.cell_seconds
        print(f"in-kernel time of the notebook's own cells: {sum(seconds[1:-1]):.3f} s")
        for output in result.notebook.cells[-1].outputs:
            print(output.get("text", ""), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
