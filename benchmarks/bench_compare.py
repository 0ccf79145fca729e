"""How long listing and comparing trials takes in a big store, process start-up included.

Builds a store of 10,000 trials x 50 tagged values (10 hyperparameters, 40 metrics; each
trial also has 12 executed cells) by bulk insert, on SQLite and on a throwaway PostgreSQL
server, then times the ``nbprov`` command as a user runs it (a fresh process each time):

- ``nbprov trials --limit 50``                 target < 1 s
- ``nbprov compare -2 -1`` (2-way)             target < 1 s
- ``nbprov compare`` of the 20 latest trials   target < 2 s

plus, for reference, ``nbprov --version`` (interpreter and import start-up alone) and a
filtered, sorted listing. Usage::

    python benchmarks/bench_compare.py [--trials 10000] [--values 50] [--repeat 5]
                                       [--no-postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from nbprov.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pgserver import throwaway_postgres

from nbprov.store.models import Activation, Code, Trial, Value, VariableTag

CELLS = [
    "# Parameters\nalpha = {alpha}\nseed = 42",
    "%tag read\nimport numpy as np\ndata = np.arange(1000)",
    "%tag features\nX = data.reshape(-1, 10)",
    "%tag score\nmodel = fit(X, alpha)",
    "%tag evaluate\nr2 = score(model)",
] + [f"print('report {i}')" for i in range(7)]
PACKAGES = {f"package{i}": f"1.{i}.0" for i in range(25)}
CHUNK = 20_000
TARGETS = {"trials --limit 50": 1.0, "compare 2 trials": 1.0, "compare 20 trials": 2.0}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build(url: str, trials: int, values: int) -> float:
    """Fill an empty store; return the seconds it took."""
    started = time.perf_counter()
    store = Store.open(url, writer=True)
    rng = random.Random(7)
    hyper = max(1, values // 5)
    names = [(f"hp{i}", "hyperparam") for i in range(hyper)]
    names += [(f"m{i}", "metric") for i in range(values - hyper)]
    alphas = [0.01, 0.1, 1.0, 10.0]
    sources = {digest(s.format(alpha=a)): s.format(alpha=a) for s in CELLS for a in alphas}
    base = datetime(2026, 1, 1)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(Code), [{"hash": h, "source": s} for h, s in sources.items()])
        trial_rows, act_rows, tag_rows, value_rows = [], [], [], []

        def flush(force: bool = False) -> None:
            tables = (
                (Trial, trial_rows),
                (Activation, act_rows),
                (VariableTag, tag_rows),
                (Value, value_rows),
            )
            if not force and all(len(rows) < CHUNK for _, rows in tables):
                return
            with store.engine.begin() as conn:  # parents before children
                for model, rows in tables:
                    if rows:
                        conn.execute(insert(model), rows)
                        rows.clear()

        act_id = 0
        for t in range(1, trials + 1):
            alpha = alphas[t % len(alphas)]
            start = base + timedelta(minutes=t)
            trial_rows.append(
                {
                    "id": t,
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "name": f"run{t}",
                    "notebook": f"/work/nb{t % 3}.ipynb",
                    "started_at": start,
                    "ended_at": start + timedelta(seconds=30),
                    "status": "ok",
                    "environment": {
                        "python": "3.11.7",
                        "hostname": f"host{t % 2}",
                        "packages": PACKAGES,
                        "git": {"commit": digest(str(t // 100))[:40], "dirty": False},
                    },
                    "host": "bench",
                    "pid": None,
                }
            )
            first_act = act_id + 1
            for seq, cell in enumerate(CELLS, start=1):
                act_id += 1
                act_rows.append(
                    {
                        "id": act_id,
                        "trial_id": t,
                        "execution_count": seq,
                        "seq": seq,
                        "cell_id": f"c{seq}",
                        "cell_hash": digest(cell.format(alpha=alpha)),
                        "stage": None,
                        "started_at": start,
                        "duration": 0.01,
                        "status": "ok",
                    }
                )
            for n, (name, role) in enumerate(names):
                tag_rows.append({"trial_id": t, "name": name, "role": role})
                if role == "hyperparam":
                    value: Any = alpha if n == 0 else rng.choice([1, 2, 4, 8, "adam", "sgd"])
                else:
                    value = round(rng.random(), 6)
                value_rows.append(
                    {
                        "trial_id": t,
                        "activation_id": first_act,
                        "execution_count": 1,
                        "seq": 1 if role == "hyperparam" else 5,
                        "name": name,
                        "value": value,
                        "exact": True,
                        "fingerprint": None,
                    }
                )
            flush()
        flush(force=True)
    finally:
        store.close()
    return time.perf_counter() - started


def command() -> list[str]:
    """The installed console script next to this interpreter (not a version-manager shim)."""
    script = Path(sys.executable).parent / "nbprov"
    return [str(script)] if script.exists() else [sys.executable, "-m", "nbprov"]


def timed(args: list[str], repeat: int) -> tuple[float, float]:
    """Median and best wall time of a fresh ``nbprov`` process, start-up included."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run([*command(), *args], capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise SystemExit(f"nbprov {' '.join(args)} failed: {proc.stderr.strip()}")
    return statistics.median(times), min(times)


def measure(url: str, trials: int, repeat: int) -> list[tuple[str, float, float]]:
    last20 = [str(i) for i in range(trials - 19, trials + 1)]
    cases = [
        ("nbprov --version (start-up)", ["--version"]),
        ("trials --limit 50", ["trials", "--limit", "50", "--db", url]),
        ("compare 2 trials", ["compare", "-2", "-1", "--db", url]),
        ("compare 20 trials", ["compare", *last20, "--db", url]),
        (
            "trials --filter --sort-by",
            [
                "trials",
                "--filter",
                "metric.m0 > 0.5 and hyperparam.hp0 < 1",
                "--sort-by=-metric.m1",
                "--limit",
                "50",
                "--db",
                url,
            ],
        ),
    ]
    out = []
    for label, args in cases:
        for fmt in (["--format", "json"],) if label != "nbprov --version (start-up)" else ([],):
            timed([*args, *fmt], 1)  # warm the file cache
        median, best = timed(args if "--version" in args else [*args, "--format", "json"], repeat)
        out.append((label, median, best))
    return out


def analyze(url: str) -> None:
    """Fresh planner statistics, as autovacuum would have them on a long-lived server."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--values", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, list[tuple[str, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="nbprov-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        seconds = build(url, args.trials, args.values)
        print(f"sqlite: built {args.trials} trials x {args.values} values in {seconds:.1f}s")
        results["SQLite"] = measure(url, args.trials, args.repeat)
        report({"SQLite": results["SQLite"]}, args)
    if not args.no_postgres:
        with throwaway_postgres() as server:
            pg = f"{server}/postgres" if server else None
            if pg is None:
                print("postgresql: server binaries not found, skipped")
            else:
                seconds = build(pg, args.trials, args.values)
                analyze(pg)
                print(f"postgresql: built the same store in {seconds:.1f}s")
                results["PostgreSQL"] = measure(pg, args.trials, args.repeat)
    return report(results, args)


def report(results: dict[str, list[tuple[str, float, float]]], args: argparse.Namespace) -> int:
    """Print the figures table; 1 when a target is missed."""
    print()
    print(f"{args.trials} trials x {args.values} tagged values; wall time of a fresh `nbprov`")
    print(f"process, start-up included (median of {args.repeat}, best in brackets)")
    print()
    header = f"{'command':<28}" + "".join(f"{db:>20}" for db in results) + f"{'target':>9}"
    print(header)
    print("-" * len(header))
    labels = [label for label, _, _ in next(iter(results.values()))]
    failed = False
    for i, label in enumerate(labels):
        cells = ""
        for figures in results.values():
            _, median, best = figures[i]
            cells += f"{f'{median:.3f}s ({best:.3f}s)':>20}"
            target = TARGETS.get(label)
            failed |= target is not None and median >= target
        target_text = f"< {TARGETS[label]:.0f} s" if label in TARGETS else ""
        print(f"{label:<28}{cells}{target_text:>9}")
    print()
    print("all targets met" if not failed else "SOME TARGETS MISSED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
