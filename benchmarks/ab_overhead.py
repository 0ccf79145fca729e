"""Per-cell overhead of two revisions of nbprov, A and B, measured in the same run.

Each revision is exported from git (``git archive``) into a scratch folder, its wheel is
built there and installed into a fresh virtual environment as ``user_env.py`` builds one
(the wheel with its demo extra, JupyterLab, matplotlib and scipy). The second environment
is installed under the constraints of the first one's ``pip freeze``, so the two differ
only by nbprov; the script checks that and says so.

Then the *current* ``bench_overhead.py`` is the driver for both: it runs, with each
environment's python and kernels, A, B, A, B, ... ``--reps`` times each, one repetition of
each workload per run. Every run measures its own ratio against plain IPython (two kernels
side by side, cell by cell: ``lockstep.py``), so the drift of a shared machine's speed
cancels out of each ratio, and the runs of A and B interleave so that a slower or busier
stretch of time falls on both. The kernels load nbprov by ``--ext=nbprov``, as every
revision supports, and ``lockstep.py`` takes its helpers from either package layout.

The table gives, per workload, each revision's median ratio over its runs with their
range, the difference of the medians with a permutation test's p-value (how often a random
relabelling of the runs as A or B gives a difference at least as large), the in-kernel
milliseconds nbprov adds per cell (median over runs of (with - without) / cells), and the
same comparison for the kernels' CPU time. Each run's full output goes to a log in the
work folder; ``--from-log`` makes the table of one or more such logs again.

Usage::

    python benchmarks/ab_overhead.py                         # cf0f429^ against HEAD, 5 runs
    python benchmarks/ab_overhead.py cf0f429 HEAD --reps 7 --only tiny_300 loops
    python benchmarks/ab_overhead.py --keep /tmp/ab-envs     # keep (and reuse) the venvs
    python benchmarks/ab_overhead.py --from-log /tmp/ab-envs/runs-*.log   # pooled again

The JupyterLab extension is not built (it plays no part in a kernel) unless ``--lab``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from user_env import ROOT, benchmark_env, build_environment  # noqa: E402

DEFAULT_WORKLOADS = ["tiny_300", "loops", "pandas_1m"]
# bench_overhead.py's line for each repetition of each workload.
REP_LINE = re.compile(
    r"rep \d+/\d+\s+(?P<name>\S+)\s+with\s+(?P<with>[\d.]+) s\s+without\s+(?P<without>[\d.]+) s"
)


@dataclass
class Figures:
    """One workload in one run: in-kernel seconds with and without nbprov, the kernels' CPU
    seconds' ratio (nan where they could not be read)."""

    with_s: float
    without_s: float
    cells: int
    cpu_ratio: float


@dataclass
class Side:
    """One revision: its label in the table, the commit, and its environment's python."""

    label: str
    revision: str
    commit: str
    python: Path | None = None
    ratios: dict[str, list[float]] = field(default_factory=dict)
    added_ms: dict[str, list[float]] = field(default_factory=dict)  # per cell
    cpu_ratios: dict[str, list[float]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)  # wall time of each run

    def record(self, name: str, f: Figures) -> None:
        self.ratios.setdefault(name, []).append(f.with_s / f.without_s)
        self.added_ms.setdefault(name, []).append((f.with_s - f.without_s) / f.cells * 1000)
        self.cpu_ratios.setdefault(name, []).append(f.cpu_ratio)


LEGEND = (
    "ratio: in-kernel time with nbprov / without, median of the runs (range); p: two-sided "
    "permutation test of the difference of medians; ms/cell: in-kernel time nbprov adds per "
    "cell; CPU ratio: the kernels' CPU seconds, with / without."
)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def export(commit: str, where: Path) -> Path:
    """The tree of ``commit`` written out at ``where`` (no .git, nothing untracked)."""
    if where.exists():
        return where
    where.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", commit], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(where)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {commit} failed")
    return where


def freeze(python: Path) -> list[str]:
    """``pip freeze`` of an environment, without nbprov itself."""
    out = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--exclude", "nbprov"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(line for line in out.splitlines() if line.strip())


def prepare(sides: list[Side], work: Path, *, lab: bool) -> None:
    """Both environments: the first freely resolved, the second pinned to the first."""
    constraints: Path | None = None
    for side in sides:
        source = export(side.commit, work / f"src-{side.label}-{side.commit}")
        started = time.monotonic()
        print(f"environment {side.label} ({side.revision} = {side.commit}) ...", flush=True)
        side.python = build_environment(
            work / f"venv-{side.label}-{side.commit}", source, constraints=constraints, lab=lab
        )
        print(f"  ready in {time.monotonic() - started:.0f} s: {side.python}", flush=True)
        if constraints is None:
            constraints = work / "constraints.txt"
            constraints.write_text("\n".join(freeze(side.python)) + "\n")
    first, second = (freeze(s.python) for s in sides if s.python is not None)
    if first == second:
        print(f"both environments hold the same {len(first)} packages besides nbprov\n")
    else:
        only = sorted(set(first) ^ set(second))
        print("WARNING: the environments differ besides nbprov: " + ", ".join(only) + "\n")


def run_once(
    side: Side, workloads: list[str], work: Path, timeout: int, log: Path
) -> dict[str, Figures]:
    """One run of bench_overhead.py in ``side``'s environment, its figures per workload."""
    assert side.python is not None
    scratch = work / "runs"
    scratch.mkdir(exist_ok=True)
    env = benchmark_env(side.python)
    env["TMPDIR"] = str(scratch)
    env["JUPYTER_RUNTIME_DIR"] = str(scratch / "runtime")
    command = [str(side.python), str(HERE / "bench_overhead.py"), "--reps", "1"]
    command += ["--timeout", str(timeout), "--only", *workloads]
    started = time.monotonic()
    proc = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True)
    side.seconds.append(time.monotonic() - started)
    with log.open("a") as out:
        out.write(f"===== {side.label} {side.commit}\n{proc.stdout}{proc.stderr}\n")
    if proc.returncode != 0:
        raise SystemExit(f"bench_overhead.py failed in {side.label}'s environment; see {log}")
    figures = parse_run(proc.stdout, workloads)
    if figures is None:
        raise SystemExit(f"no figures for {', '.join(workloads)} in {side.label}'s run; see {log}")
    return figures


def parse_run(output: str, workloads: list[str]) -> dict[str, Figures] | None:
    """The figures of one run of bench_overhead.py from its output; None if some are missing."""
    times = {m["name"]: (float(m["with"]), float(m["without"])) for m in REP_LINE.finditer(output)}
    # The summary table: name, cells, without, with, ratio, range, CPU without, CPU with,
    # CPU ratio ("0.990x"), ...
    table_rows = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) > 8 and parts[0] in times and parts[1].isdigit():
            table_rows[parts[0]] = parts
    if any(w not in times or w not in table_rows for w in workloads):
        return None
    figures = {}
    for w in workloads:
        row = table_rows[w]
        has_cpu = row[8].endswith("x")  # else the kernels' CPU time could not be read
        figures[w] = Figures(
            with_s=times[w][0],
            without_s=times[w][1],
            cells=int(row[1]),
            cpu_ratio=float(row[8].rstrip("x")) if has_cpu else float("nan"),
        )
    return figures


def from_logs(logs: list[Path], workloads: list[str]) -> list[Side]:
    """The two sides' figures read back from ``runs.log`` files of earlier runs."""
    sides: dict[str, Side] = {}
    for log in logs:
        for chunk in log.read_text().split("===== ")[1:]:
            label, commit = chunk.split(maxsplit=2)[:2]
            figures = parse_run(chunk, workloads)
            if figures is None:
                raise SystemExit(f"a run of {label} in {log} lacks some of {workloads}")
            side = sides.setdefault(label, Side(label, commit, commit))
            for w, f in figures.items():
                side.record(w, f)
    if len(sides) != 2:
        raise SystemExit(f"expected runs of two revisions, found {sorted(sides)}")
    return list(sides.values())


def permutation_p(a: list[float], b: list[float], rounds: int = 20_000) -> float:
    """Two-sided p-value of the difference of medians under random relabelling of the runs
    (seeded, so the same figures give the same p)."""
    observed = abs(statistics.median(b) - statistics.median(a))
    pool, rng, hits = [*a, *b], random.Random(0), 0
    for _ in range(rounds):
        rng.shuffle(pool)
        diff = statistics.median(pool[len(a) :]) - statistics.median(pool[: len(a)])
        hits += abs(diff) >= observed - 1e-12
    return hits / rounds


def fmt_p(p: float) -> str:
    return "<0.01" if p < 0.01 else f"{p:.2f}"


def spread(values: list[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}} to {max(values):{fmt}})"


def table(a: Side, b: Side, workloads: list[str]) -> list[list[str]]:
    grid = [
        [
            "workload",
            f"{a.label} ratio (range)",
            f"{b.label} ratio (range)",
            "difference",
            "p",
            f"{a.label} ms/cell (range)",
            f"{b.label} ms/cell (range)",
            f"{a.label} CPU ratio (range)",
            f"{b.label} CPU ratio (range)",
            "CPU difference",
            "CPU p",
        ]
    ]
    for w in workloads:
        ra, rb = a.ratios[w], b.ratios[w]
        ca, cb = a.cpu_ratios[w], b.cpu_ratios[w]
        grid.append(
            [
                w,
                spread(ra, ".3f"),
                spread(rb, ".3f"),
                f"{statistics.median(rb) - statistics.median(ra):+.3f}",
                fmt_p(permutation_p(ra, rb)),
                spread(a.added_ms[w], ".2f"),
                spread(b.added_ms[w], ".2f"),
                spread(ca, ".3f"),
                spread(cb, ".3f"),
                f"{statistics.median(cb) - statistics.median(ca):+.3f}",
                fmt_p(permutation_p(ca, cb)),
            ]
        )
    return grid


def render_text(grid: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in grid]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def render_md(grid: list[list[str]]) -> str:
    lines = ["| " + " | ".join(grid[0]) + " |", "|" + " --- |" * len(grid[0])]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in grid[1:]])


def load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", nargs="?", default="cf0f429^", help="revision A (cf0f429^)")
    parser.add_argument("b", nargs="?", default="HEAD", help="revision B (HEAD)")
    parser.add_argument("--labels", nargs=2, default=["BEFORE", "AFTER"], metavar=("A", "B"))
    parser.add_argument("--reps", type=int, default=5, help="runs of each revision (5)")
    parser.add_argument("--only", nargs="+", default=DEFAULT_WORKLOADS, help="workloads")
    parser.add_argument("--timeout", type=int, default=900, help="per-cell timeout (s)")
    parser.add_argument("--lab", action="store_true", help="build the JupyterLab extension too")
    parser.add_argument("--keep", type=Path, help="work here and keep the environments")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument(
        "--from-log", nargs="+", type=Path, help="no runs: the table of earlier runs' logs"
    )
    args = parser.parse_args(argv)
    if args.from_log:
        first, second = from_logs(args.from_log, args.only)
        grid = table(first, second, args.only)
        print(render_text(grid) + "\n\n" + LEGEND)
        if args.markdown:
            args.markdown.write_text(render_md(grid) + "\n")
        return 0

    sides = [
        Side(label, rev, git("rev-parse", "--short", f"{rev}^{{commit}}"))
        for label, rev in zip(args.labels, (args.a, args.b), strict=True)
    ]
    work = args.keep or Path(tempfile.mkdtemp(prefix="nbprov-ab-"))
    work.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    log = work / f"runs-{sides[0].commit}-{sides[1].commit}-{stamp}.log"
    started = time.monotonic()
    prepare(sides, work, lab=args.lab)
    setup_s = time.monotonic() - started

    print(f"{args.reps} runs each, alternating; bench_overhead.py output in {log}", flush=True)
    load_start = load()
    for rep in range(args.reps):
        for side in sides:
            result = run_once(side, args.only, work, args.timeout, log)
            figures = "  ".join(f"{w} {f.with_s / f.without_s:.3f}" for w, f in result.items())
            print(f"  run {rep + 1}/{args.reps} {side.label:<8} {figures}", flush=True)
            for w, f in result.items():
                side.record(w, f)

    a, b = sides
    grid = table(a, b, args.only)
    total_s = time.monotonic() - started
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    about = (
        f"{a.label} = {a.revision} ({a.commit}), {b.label} = {b.revision} ({b.commit}); "
        f"{args.reps} runs each, alternating. {LEGEND} "
        f"{stamp}; load average {load_start} at the first run, {load()} at the last; "
        f"environments {setup_s / 60:.1f} min, runs "
        f"{statistics.median(a.seconds + b.seconds):.0f} s each, "
        f"{total_s / 60:.1f} min in all."
    )
    print("\n" + render_text(grid) + "\n\n" + about)
    if args.markdown:
        args.markdown.write_text(render_md(grid) + "\n\n" + about + "\n")
        print(f"wrote {args.markdown}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
