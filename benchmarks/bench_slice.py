"""How long a backward slice takes over a 1,000-activation trial (target: < 100 ms).

Builds a SQLite store shaped like a long notebook session: each cell reads a few
earlier variables, some cells write two variables, some only print, a few mutate in
place, and every written value has a recorded summary. Then times ``slice_json`` (loading
the rows, slicing, fetching values) for the last variable, whose slice spans most cells.

    python benchmarks/bench_slice.py [--activations 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nbprov.lineage.slicing import slice_json
from nbprov.store import Store
from nbprov.store.models import Access, Activation, Code, Trial, Value


def build(store: Store, n: int, seed: int = 0) -> tuple[int, str]:
    """Insert one trial of ``n`` activations; return (trial id, target variable)."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    codes: dict[str, str] = {}
    activations: list[dict[str, Any]] = []
    accesses: list[tuple[int, str, str]] = []
    values: list[dict[str, Any]] = []
    names: list[str] = []
    for seq in range(1, n + 1):
        kind = rng.random()
        # A notebook mostly reads what the last few cells made, sometimes older results.
        reads = [rng.choice(names[-3:])] if names else []
        if len(names) > 3:
            reads += rng.sample(names, k=rng.randint(0, 2))
        if kind < 0.15 and names:  # only prints
            source = f"print({', '.join(reads)})"
            writes: list[tuple[str, str]] = []
        elif kind < 0.25 and names:  # in-place change
            target = rng.choice(names)
            source = f"{target}.append({reads[0]})"
            writes = [(target, "mutate")]
            reads = [*reads, target]
        elif kind < 0.45:  # two variables at once
            a, b = f"v{seq}a", f"v{seq}b"
            source = f"{a} = {' + '.join(reads) or '1'}\n{b} = {reads[-1] if reads else 2} * 2"
            writes = [(a, "bind"), (b, "bind")]
        else:
            a = f"v{seq}"
            source = f"{a} = f({', '.join(reads)})"
            writes = [(a, "bind")]
        digest = hashlib.sha256(source.encode()).hexdigest()
        codes[digest] = source
        activations.append(
            {
                "id": seq,
                "trial_id": 1,
                "execution_count": seq,
                "seq": seq,
                "cell_hash": digest,
                "stage": None,
                "started_at": now,
                "status": "ok",
            }
        )
        accesses += [(seq, r, "read") for r in set(reads)]
        for name, how in writes:
            accesses.append((seq, name, how))
            values.append(
                {
                    "trial_id": 1,
                    "activation_id": seq,
                    "execution_count": seq,
                    "seq": seq,
                    "name": name,
                    "value": {"type": "list", "repr": f"[{seq}]", "len": 1},
                    "exact": False,
                    "fingerprint": None,
                }
            )
            if how == "bind":
                names.append(name)
    target = names[-1]
    with store.engine.begin() as conn:
        conn.execute(
            Trial.__table__.insert().values(
                id=1, uuid=str(uuid.uuid4()), started_at=now, status="ok", environment={}
            )
        )
        conn.execute(Code.__table__.insert(), [{"hash": h, "source": s} for h, s in codes.items()])
        conn.execute(Activation.__table__.insert(), activations)
        conn.execute(
            Access.__table__.insert(),
            [{"activation_id": a, "name": nm, "kind": k} for a, nm, k in accesses],
        )
        conn.execute(Value.__table__.insert(), values)
    return 1, target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db", writer=True)
        try:
            trial, target = build(store, args.activations)
            times: list[float] = []
            answer: dict[str, Any] = {}
            for _ in range(args.repeat):
                started = time.perf_counter()
                with store.engine.connect() as conn:
                    answer = slice_json(conn, trial, target)
                times.append(time.perf_counter() - started)
        finally:
            store.close()
    print(
        f"slice of {target!r} over {args.activations} activations: "
        f"{len(answer['activations'])} activations, {len(answer['variables'])} variable "
        f"versions, {len(answer['edges'])} edges"
    )
    print(
        f"time per slice: median {statistics.median(times) * 1000:.1f} ms, "
        f"first (cold parse cache) {times[0] * 1000:.1f} ms, best {min(times) * 1000:.1f} ms "
        f"(target < 100 ms)"
    )


if __name__ == "__main__":
    main()
