"""Start-up costs a user notices: ``%load_ext nbprov`` and the ``nbprov`` command.

- ``%load_ext nbprov``: in a fresh interpreter that has already imported IPython and made
  its shell (as a kernel has by the time it runs a cell), the wall time of the magic.
- ``nbprov --version`` and ``nbprov trials --limit 50`` (a screenful, the most recent) on a
  store of 10,000 trials (built as ``bench_compare.py`` builds it): the wall time of a
  fresh process, start-up included.

- kernel shutdown: a real kernel runs a few cells (with ``%load_ext nbprov`` first, or
  plain), then the wall time of a graceful ``shutdown_kernel()``; nbprov ends its trial
  and writes what is queued at exit, and may add at most 0.5 s.

Each is run ``--repeat`` times; the median and the range are printed with the target.

Usage::

    python benchmarks/bench_startup.py [--repeat 7] [--trials 10000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_compare import build, command  # noqa: E402

TARGETS = {"%load_ext nbprov": 0.150, "nbprov --version": 0.25, "nbprov trials": 0.25}
TRIALS_ARGS = ["trials", "--limit", "50"]

LOAD = """
import os, sys, time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
started = time.perf_counter()
shell.run_line_magic("load_ext", "nbprov")
print(time.perf_counter() - started)
"""


def load_ext_seconds(db: str) -> float:
    env = dict(os.environ, NBPROV_DB=db)
    out = subprocess.run(
        [sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def shutdown_seconds(with_nbprov: bool, db: str) -> float:
    import time

    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(env={**os.environ, "NBPROV_DB": db})
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    cells = ["%load_ext nbprov"] if with_nbprov else ["pass"]
    cells += ["%tag_var a hyperparam" if with_nbprov else "pass", "a = 1", "b = [a] * 10"]
    for code in cells:
        client.execute_interactive(code, timeout=60)
    client.stop_channels()
    started = time.perf_counter()
    km.shutdown_kernel()
    return time.perf_counter() - started


def command_seconds(args: list[str]) -> float:
    import time

    started = time.perf_counter()
    subprocess.run([*command(), *args], capture_output=True, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--trials", type=int, default=10_000)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'big.db'}"
        build(url, options.trials, 20)
        cases = {
            "%load_ext nbprov": lambda: load_ext_seconds(str(Path(scratch) / "load.db")),
            "nbprov --version": lambda: command_seconds(["--version"]),
            "nbprov trials": lambda: command_seconds([*TRIALS_ARGS, "--db", url]),
        }
        shutdown: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(3):  # interleaved, so that drift in the machine's speed cancels
            for flag in (False, True):
                shutdown[flag].append(shutdown_seconds(flag, str(Path(scratch) / "k.db")))
        print(f"load average {os.getloadavg()[0]:.1f}; {options.repeat} runs each")
        print(f"{'what':<20} {'median':>8} {'min':>8} {'max':>8} {'target':>8}  met")
        failed = 0
        for label, run in cases.items():
            run()  # warm the file cache
            times = [run() for _ in range(options.repeat)]
            median = statistics.median(times)
            met = median <= TARGETS[label]
            failed += not met
            print(
                f"{label:<20} {median:8.3f} {min(times):8.3f} {max(times):8.3f} "
                f"{TARGETS[label]:8.3f}  {'yes' if met else 'NO'}"
            )
    plain, recorded = (statistics.median(shutdown[f]) for f in (False, True))
    added = recorded - plain
    print(
        f"kernel shutdown: plain {plain:.3f} s, with nbprov {recorded:.3f} s "
        f"(+{added:.3f} s; target +0.5 s): {'yes' if added <= 0.5 else 'NO'}"
    )
    failed += added > 0.5
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
