"""What small operations cost at the start of a cell in a real kernel, against a warm loop.

Between two cells a kernel runs its messaging (sockets, JSON, message signatures), which
evicts recently used code and data from the CPU's caches; the hooks then run cold, and
an operation that takes well under a microsecond in a loop can take several. This runs
one-line cells in a kernel (no nbprov hooks) with a ``pre_run_cell`` callback that times
one operation per cell, in turn, and then times each operation again in a tight loop in
the same kernel. Medians per operation, in microseconds.

Usage::

    python benchmarks/cold_calls.py
    python benchmarks/cold_calls.py --cells 1200
"""

from __future__ import annotations

import argparse
import json
from typing import Any

# Runs in the kernel: the operations, the callback that times one per cell, the report.
SETUP = r"""
import json as _json, os as _os, statistics as _stats, time as _time
from nbprov.capture.privacy import secret_test as _secret_test
from nbprov.capture.values import summarize as _summarize

_environ_key = _os.environ.encodekey("NBPROV_BENCH_UNSET")
def _plain_function():
    return None
_OPERATIONS = {
    "os.environ.get (unset variable)": lambda: _os.environ.get("NBPROV_BENCH_UNSET"),
    "dict lookup": lambda: _os.environ._data.get(_environ_key),
    "a Python function call": lambda: _plain_function(),
    "dict literal of 5 items": lambda: {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5},
    "sorted() of a one-name set": lambda: sorted({"x"}),
    "nbprov summarize(int)": lambda: _summarize(12345, fingerprint_exact=False, private=True),
    "nbprov secret_test()": lambda: _secret_test(),
}
_NAMES = list(_OPERATIONS)
_cold = {name: [] for name in _NAMES}
_turn = [0]

def _time_one(info):
    name = _NAMES[_turn[0] % len(_NAMES)]
    _turn[0] += 1
    operation = _OPERATIONS[name]
    begin = _time.perf_counter()
    operation()
    _cold[name].append(_time.perf_counter() - begin)

get_ipython().events.register("pre_run_cell", _time_one)

def _report():
    get_ipython().events.unregister("pre_run_cell", _time_one)
    warm = {}
    for name, operation in _OPERATIONS.items():
        times = []
        for _ in range(2000):
            begin = _time.perf_counter()
            operation()
            times.append(_time.perf_counter() - begin)
        warm[name] = _stats.median(times)
    # Each operation's first three cells are left out: they warm its imports up.
    print(_json.dumps({n: [_stats.median(_cold[n][3:]), warm[n]] for n in _NAMES}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=700, help="one-line cells to run (700)")
    args = parser.parse_args(argv)
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:

        def execute(code: str) -> str:
            msg_id: str = client.execute(code)
            while True:
                reply: dict[str, Any] = client.get_shell_msg(timeout=60)
                if reply["parent_header"].get("msg_id") == msg_id:
                    if reply["content"]["status"] != "ok":
                        raise RuntimeError(reply["content"].get("evalue"))
                    return msg_id

        execute(SETUP)
        for i in range(args.cells):
            kind = i % 3
            execute(f"a{i} = {i}" if kind == 0 else (f"x = a{i - 1} * 2 + 1" if kind == 1 else "x"))
        msg_id = execute("_report()")
        while True:
            message: dict[str, Any] = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                results = json.loads(message["content"]["text"])
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    print(f"medians over {args.cells} cells (one operation per cell, in turn), µs:")
    print(f"{'operation':<34} {'start of a cell':>16} {'warm loop':>10} {'ratio':>6}")
    for name, (cold, warm) in results.items():
        print(f"{name:<34} {cold * 1e6:16.2f} {warm * 1e6:10.2f} {cold / warm:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
