"""What nbprov costs: in-kernel time with and without it, and store bytes per trial.

Each benchmark notebook (see ``notebooks.py``) runs in two live kernels side by side, one
with nbprov loaded at start-up and one plain, cell by cell in lockstep (``lockstep.py``):
each cell runs in one kernel and at once in the other, so both timings of a cell are
taken milliseconds apart and the drift in the machine's speed cancels out of their ratio.
A repetition starts two fresh kernels; which kernel goes first alternates by cell and by
repetition. The time compared is the in-kernel time: nbclient's ``record_timing``
metadata, ``shell.execute_reply`` minus ``iopub.execute_input`` summed over the cells, so
kernel start-up is excluded. The ratio reported is the median over repetitions of each
repetition's ratio. The ``load_ext`` row is the one-off cost of a ``%load_ext nbprov``
cell (starting a trial) against a ``pass`` cell.

The CPU columns give each kernel process's CPU time (all threads) from its first cell
until a moment after its last (``lockstep.DRAIN_SECONDS``), so the store writes nbprov
defers to the kernel's quiet moments are counted too.

Then, for each demo notebook, the store written by one recorded run is measured: its
size after ``VACUUM``, minus the size of the same store emptied of rows (the schema's own
pages), is the number of bytes attributable to that one trial.

Usage::

    python benchmarks/bench_overhead.py                 # 5 repetitions, everything
    python benchmarks/bench_overhead.py --reps 3 --only tiny_300 loops
    python benchmarks/bench_overhead.py --markdown /tmp/overhead.md
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if os.environ.get("NBPROV_BENCH_INSTALLED") != "1":  # else: the installed nbprov (user_env.py)
    sys.path.insert(0, str(HERE.parent))

from lockstep import Variant, run_side_by_side  # noqa: E402
from nbformat.v4 import new_code_cell  # noqa: E402
from notebooks import NOTEBOOKS, load_only, strip_nbprov  # noqa: E402

TARGETS = {"tiny": 1.05, "heavy": 1.03}
STORE_TARGET_BYTES = 100_000
SCHEMA_TABLES = {"nbprov_meta", "alembic_version"}


@dataclass
class Row:
    name: str
    kind: str
    cells: int
    times: dict[str, list[float]] = field(default_factory=lambda: {"with": [], "without": []})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {"with": [], "without": []})

    def median(self, variant: str) -> float:
        return statistics.median(self.times[variant])

    @property
    def ratios(self) -> list[float]:
        """Each repetition's ratio: its two kernels ran side by side."""
        pairs = zip(self.times["with"], self.times["without"], strict=True)
        return [w / wo for w, wo in pairs if wo > 0]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else float("nan")

    def cpu_median(self, variant: str) -> float | None:
        values = self.cpu[variant]
        return statistics.median(values) if values else None

    @property
    def cpu_ratio(self) -> float | None:
        """Median over repetitions of the kernels' CPU-time ratio."""
        if not self.cpu["with"] or len(self.cpu["with"]) != len(self.cpu["without"]):
            return None
        pairs = zip(self.cpu["with"], self.cpu["without"], strict=True)
        return statistics.median(w / wo for w, wo in pairs if wo > 0)

    @property
    def target(self) -> float | None:
        return TARGETS.get(self.kind)

    @property
    def meets(self) -> bool | None:
        return None if self.target is None else self.ratio <= self.target


@dataclass
class StoreSize:
    notebook: str
    file_bytes: int
    schema_bytes: int
    used: dict[str, int]
    used_empty: dict[str, int]
    page_size: int = 4096

    @property
    def page_bytes(self) -> int:
        """File bytes beyond the emptied store's (page-granular: whole pages)."""
        return self.file_bytes - self.schema_bytes

    @property
    def used_bytes(self) -> int:
        """Bytes the trial's rows and index entries occupy in their pages (b-tree cell
        headers included, free space in pages excluded)."""
        return sum(self.used.values()) - sum(self.used_empty.values())

    @property
    def trial_bytes(self) -> int:
        """The larger, more conservative of the two measures."""
        return max(self.page_bytes, self.used_bytes)

    def by_object(self) -> list[tuple[str, int]]:
        """Used bytes per table or index attributable to the trial, largest first."""
        rows = [(n, b - self.used_empty.get(n, 0)) for n, b in self.used.items()]
        return sorted((r for r in rows if r[1] > 0), key=lambda r: -r[1])


def code_cell_count(nb: Any) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())


# --hooks-off: nbprov's kernel removes its per-cell hooks in a first cell, which the plain
# kernel matches with an empty one.
HOOKS_OFF = "import nbprov as _n; _n.get_recorder(get_ipython()).unregister(); del _n"


def variants(name: str, work: Path, rep: int, hooks_off: bool = False) -> list[Variant]:
    """The two sides of one repetition: nbprov's kernel (with its own store) and plain."""
    with_nb = load_only() if name == "load_ext" else NOTEBOOKS[name][0]()
    without_nb = strip_nbprov(with_nb)
    if hooks_off and name != "load_ext":
        with_nb.cells.insert(0, new_code_cell(HOOKS_OFF))
        without_nb.cells.insert(0, new_code_cell("pass"))
    db = work / name / f"store-{rep}" / "nbprov.db"
    # load_ext measures the %load_ext cell itself, so nbprov must not be preloaded there.
    return [
        Variant("with", with_nb, nbprov=name != "load_ext", db=db),
        Variant("without", without_nb, nbprov=False),
    ]


def measure_store(name: str, db: Path, scratch: Path) -> StoreSize:
    """Bytes of a one-trial store after VACUUM, and of the same store emptied of rows."""
    copy = scratch / "measure.db"
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{db}{suffix}")
        dst = Path(f"{copy}{suffix}")
        if src.exists():
            shutil.copyfile(src, dst)
        elif dst.exists():
            dst.unlink()
    con = sqlite3.connect(copy)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("VACUUM")
        file_bytes = copy.stat().st_size
        used = _used_bytes(con)
        page_size = int(con.execute("PRAGMA page_size").fetchone()[0])
        tables = [
            str(r[0])
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        con.execute("PRAGMA foreign_keys=OFF")
        for table in tables:
            if table not in SCHEMA_TABLES:
                con.execute(f'DELETE FROM "{table}"')
        con.commit()
        con.execute("VACUUM")
        schema_bytes = copy.stat().st_size
        used_empty = _used_bytes(con)
    finally:
        con.close()
    return StoreSize(name, file_bytes, schema_bytes, used, used_empty, page_size)


def _used_bytes(con: sqlite3.Connection) -> dict[str, int]:
    """Used bytes (page size minus free space) per table and index; {} without dbstat."""
    try:
        rows = con.execute("SELECT name, SUM(pgsize - unused) FROM dbstat GROUP BY name")
        return {str(n): int(b or 0) for n, b in rows}
    except sqlite3.OperationalError:  # SQLite built without the dbstat table
        return {}


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds >= 0.01 else f"{seconds * 1000:.2f}ms"


def table(rows: list[Row]) -> list[list[str]]:
    out = [
        [
            "notebook",
            "cells",
            "without (s)",
            "with (s)",
            "ratio",
            "range",
            "CPU without",
            "CPU with",
            "CPU ratio",
            "target",
            "met",
        ]
    ]
    for r in rows:
        target = "" if r.target is None else f"<= {r.target:.2f}x"
        met = "" if r.meets is None else ("yes" if r.meets else "NO")
        ratio = f"{r.ratio:.3f}x"
        spread = f"{min(r.ratios):.2f}-{max(r.ratios):.2f}" if r.ratios else ""
        cpu_without, cpu_with = r.cpu_median("without"), r.cpu_median("with")
        cpu_ratio = "" if r.cpu_ratio is None else f"{r.cpu_ratio:.3f}x"
        if r.name == "load_ext":
            ratio = f"+{(r.median('with') - r.median('without')) * 1000:.0f} ms"
            spread = ""
            if cpu_with is not None and cpu_without is not None:
                cpu_ratio = f"+{(cpu_with - cpu_without) * 1000:.0f} ms"
        out.append(
            [
                r.name,
                str(r.cells),
                fmt_s(r.median("without")),
                fmt_s(r.median("with")),
                ratio,
                spread,
                "" if cpu_without is None else f"{cpu_without:.2f}",
                "" if cpu_with is None else f"{cpu_with:.2f}",
                cpu_ratio,
                target,
                met,
            ]
        )
    return out


def render_text(grid: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = []
    for n, row in enumerate(grid):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def render_md(grid: list[list[str]]) -> str:
    lines = ["| " + " | ".join(grid[0]) + " |", "|" + "---|" * len(grid[0])]
    lines += ["| " + " | ".join(row) + " |" for row in grid[1:]]
    return "\n".join(lines)


def machine() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""

    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    try:
        load = f", load average {os.getloadavg()[0]:.1f}"
    except OSError:
        load = ""
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"IPython {version('ipython')}, ipykernel {version('ipykernel')}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
        + (f", nbprov at {commit}" if commit else "")
        + load
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    choices = [*NOTEBOOKS, "load_ext"]
    parser.add_argument("--reps", type=int, default=5, help="repetitions per variant (5)")
    parser.add_argument("--only", nargs="+", choices=choices, help="run only these")
    parser.add_argument("--timeout", type=int, default=900, help="per-cell timeout (s)")
    parser.add_argument("--markdown", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument(
        "--hooks-off",
        action="store_true",
        help="load nbprov but remove its per-cell hooks: what being loaded costs by itself",
    )
    args = parser.parse_args(argv)

    names = list(args.only or choices)
    work = args.keep or Path(tempfile.mkdtemp(prefix="nbprov-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: dict[str, Row] = {}
    for n in names:
        nb = load_only() if n == "load_ext" else NOTEBOOKS[n][0]()
        kind = "once" if n == "load_ext" else NOTEBOOKS[n][1]
        rows[n] = Row(n, kind, code_cell_count(nb))
    started = machine()
    print(f"nbprov overhead benchmark: {started}")
    print(f"{args.reps} repetitions, kernels side by side; work dir {work}\n", flush=True)

    first_store: dict[str, Path] = {}
    for rep in range(args.reps):
        for index, name in enumerate(names):
            sides = variants(name, work, rep, args.hooks_off)
            try:
                result = run_side_by_side(
                    sides, work / name, timeout=args.timeout, flip=(rep + index) % 2 == 1
                )
            except Exception as exc:  # a failing cell names itself in the message
                raise SystemExit(f"{name} failed: {type(exc).__name__}: {exc}") from exc
            for variant in ("with", "without"):
                rows[name].times[variant].append(result.seconds[variant])
                cpu = result.cpu[variant]
                if cpu is not None:
                    rows[name].cpu[variant].append(cpu)
            if sides[0].db is not None:
                first_store.setdefault(name, sides[0].db)
            w, wo = result.seconds["with"], result.seconds["without"]
            print(
                f"  rep {rep + 1}/{args.reps}  {name:<20} with {w:8.3f} s  without {wo:8.3f} s"
                f"  ratio {w / wo:6.3f}",
                flush=True,
            )

    grid = table([rows[n] for n in names])
    print(
        f"\nIn-kernel time, median of {args.reps} repetitions; ratio: median of the "
        "repetitions' ratios, with their range (kernel start-up excluded):\n"
    )
    print(render_text(grid))
    per_cell_lines = []
    if "tiny_300" in rows:
        r = rows["tiny_300"]
        pairs = zip(r.times["with"], r.times["without"], strict=True)
        per_cell = statistics.median(w - wo for w, wo in pairs) / r.cells * 1000
        line = f"tiny_300: nbprov adds {per_cell:.2f} ms of in-kernel time per cell"
        cpu_with, cpu_without = r.cpu_median("with"), r.cpu_median("without")
        if cpu_with is not None and cpu_without is not None:
            line += f" and {(cpu_with - cpu_without) / r.cells * 1000:.2f} ms of kernel CPU"
        per_cell_lines.append(line + " (median over repetitions, / cells)")
        print("\n" + per_cell_lines[-1])

    sizes: list[StoreSize] = []
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    for name in names:
        if name.startswith("demo_") and name in first_store:
            sizes.append(measure_store(name, first_store[name], scratch))
    size_lines = []
    for s in sizes:
        top = ", ".join(f"{t} {b}" for t, b in s.by_object()[:6])
        met = "yes" if s.trial_bytes < STORE_TARGET_BYTES else "NO"
        size_lines.append(
            f"{s.notebook}: {s.trial_bytes / 1024:.1f} KB per trial (< 100 KB: {met}); "
            f"rows and indexes use {s.used_bytes / 1024:.1f} KB, "
            f"{s.page_bytes // s.page_size} more {s.page_size // 1024} KB pages than the empty "
            "store "
            f"(one-trial store {s.file_bytes / 1024:.0f} KB after VACUUM, empty "
            f"{s.schema_bytes / 1024:.0f} KB). Largest, in bytes: {top}"
        )
    if size_lines:
        print("\nStore size per demo trial (SQLite):\n")
        print("\n".join("  " + line for line in size_lines))

    if args.markdown:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        text = [
            "# nbprov overhead",
            "",
            f"Measured {stamp} by `benchmarks/bench_overhead.py --reps {args.reps}` on "
            f"{started} (at the start; {machine().rsplit(', ', 1)[-1]} at the end). "
            "A load average above the CPU count means other work shared the machine: "
            "trust the CPU columns over the wall-time ones then.",
            "",
            "In-kernel time (nbclient `record_timing`: `shell.execute_reply` - "
            "`iopub.execute_input`, summed over cells; kernel start-up excluded). Each "
            "repetition runs the notebook in two fresh kernels side by side, cell by cell "
            "(`benchmarks/lockstep.py`), so each cell's two timings are milliseconds apart; "
            f"times are medians of {args.reps} repetitions, the ratio is the median of the "
            "repetitions' own ratios, with their range. *with*: nbprov loaded at kernel "
            "start-up (`--ext=nbprov`, as `nbprov run` does); *without*: plain IPython, "
            "nbprov's magic lines removed. `load_ext` is the one-off `%load_ext nbprov` "
            "cell against a `pass` cell. CPU: each kernel process's CPU seconds (all "
            "threads) from its first cell to a moment after its last, so the store writes "
            "nbprov leaves for quiet moments are included; ratio: median of the "
            "repetitions' ratios.",
            "",
            render_md(grid),
            "",
            *per_cell_lines,
            "",
        ]
        if size_lines:
            text += [
                "Store size per demo trial (SQLite, after VACUUM, minus the empty schema's pages):",
                "",
            ]
            text += [f"- {line}" for line in size_lines] + [""]
        args.markdown.write_text("\n".join(text))
        print(f"\nwrote {args.markdown}")

    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    missed = [r.name for r in rows.values() if r.meets is False]
    if missed:
        print(f"\ntargets missed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
