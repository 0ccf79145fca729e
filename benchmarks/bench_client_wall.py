"""What a front end waits for: tiny cells' wall time seen from the client, with and without nbprov.

``bench_overhead.py`` times cells inside the kernel (from the kernel taking a request to
its reply). nbprov finishes a cell's record after the reply, on the kernel's event loop,
so that time leaves out work the kernel still does before it takes the next request. This
measures from the client instead, in two ways a notebook is run:

- one by one: send a cell, wait for its reply and for the kernel to say it is idle, then
  send the next (Shift-Enter, cell after cell; nbclient; ``nbprov run``);
- queued: send every cell at once and wait for the last reply (JupyterLab's Run All), so
  the kernel goes from one cell to the next with no pause for the record to hide in.

Both kernels (one with ``--ext=nbprov``, one plain) are started first; each repetition runs
the notebook in one and then the other, alternating which goes first. Medians of the
repetitions' ratios (with / without), with their range.

Usage::

    python benchmarks/bench_client_wall.py --reps 10
    python benchmarks/user_env.py --keep /tmp/nbprov-user-env bench_client_wall.py --reps 10
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
if os.environ.get("NBPROV_BENCH_INSTALLED") != "1":  # else: the installed nbprov (user_env.py)
    sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from notebooks import tiny_cells  # noqa: E402

from nbprov.runs.execute import EXTENSION_ARGUMENTS, kernel_env  # noqa: E402

TIMEOUT = 120


def _start(work: Path, with_nbprov: bool) -> tuple[Any, Any]:
    from jupyter_client.manager import KernelManager

    base = {k: v for k, v in os.environ.items() if not k.startswith("NBPROV_")}
    db = str(work / "store.db") if with_nbprov else None
    env = kernel_env(work / "notebook.ipynb", db=db, trial_name=None, base=base)
    km = KernelManager(kernel_name="python3")
    km.start_kernel(
        extra_arguments=list(EXTENSION_ARGUMENTS) if with_nbprov else [],
        env=env,
        cwd=str(work),
    )
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    return km, client


def one_by_one(client: Any, sources: list[str]) -> float:
    started = time.perf_counter()
    for code in sources:
        reply = client.execute_interactive(code, timeout=TIMEOUT, output_hook=lambda _m: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{code!r} failed: {reply['content']}")
    return time.perf_counter() - started


def queued(client: Any, sources: list[str]) -> float:
    started = time.perf_counter()
    sent = {client.execute(code) for code in sources}
    while sent:
        msg = client.get_shell_msg(timeout=TIMEOUT)
        sent.discard(msg["parent_header"].get("msg_id"))
    elapsed = time.perf_counter() - started
    # Leave the iopub channel empty for the next repetition.
    while True:
        try:
            client.get_iopub_msg(timeout=0.2)
        except Exception:
            return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=10, help="repetitions per mode (10)")
    parser.add_argument("--cells", type=int, default=300, help="tiny cells per run (300)")
    args = parser.parse_args()
    sources = [c.source for c in tiny_cells(args.cells).cells]
    modes = {"one by one": one_by_one, "queued": queued}
    with tempfile.TemporaryDirectory(prefix="nbprov-wall-") as folder:
        work = Path(folder)
        kernels = {name: _start(work, name == "with") for name in ("with", "without")}
        try:
            for _km, client in kernels.values():  # warm both: imports, first cells
                one_by_one(client, sources[:30])
            ratios: dict[str, list[float]] = {mode: [] for mode in modes}
            seconds: dict[str, dict[str, list[float]]] = {
                mode: {"with": [], "without": []} for mode in modes
            }
            for rep in range(args.reps):
                for mode, run in modes.items():
                    order = ["with", "without"] if rep % 2 == 0 else ["without", "with"]
                    took = {name: run(kernels[name][1], sources) for name in order}
                    for name in order:
                        seconds[mode][name].append(took[name])
                    ratios[mode].append(took["with"] / took["without"])
        finally:
            for km, client in kernels.values():
                client.stop_channels()
                km.shutdown_kernel(now=True)
    print(f"{args.cells} tiny cells, {args.reps} repetitions; client wall time, with / without")
    print(f"{'mode':<12} {'with (s)':>9} {'without (s)':>12} {'ratio':>7}  range")
    for mode in modes:
        r = ratios[mode]
        print(
            f"{mode:<12} {statistics.median(seconds[mode]['with']):9.3f} "
            f"{statistics.median(seconds[mode]['without']):12.3f} "
            f"{statistics.median(r):6.3f}x  {min(r):.3f}-{max(r):.3f}"
        )


if __name__ == "__main__":
    main()
