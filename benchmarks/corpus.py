"""The corpus oracle: what nbprov does to real notebooks, checked without labels.

Every notebook in the given folders runs twice in real kernels (nbclient + ipykernel,
``MPLBACKEND=Agg``), one after the other: plain, and with ``%load_ext nbprov`` injected as
its first cell and ``NBPROV_DB`` pointing at a fresh store of its own (the plain run gets
a ``pass`` cell there, so execution counts agree). Per notebook:

- **changed**: code cells whose visible outputs (streams, results, displays, errors)
  differ between the two runs; must be 0. A cell that differs is run plain again (up
  to three more times): if the plain runs differ among themselves, or one of them gives
  the recorded output, the cell is counted as nondeterministic, not changed. Beyond
  that, only what is nondeterministic by nature is normalised (see :func:`normalise`):
  memory addresses (``0x`` and 4+ hex digits, or ``...x`` and hex digits where a repr
  was cut short) and durations (a number followed by a time unit: ``0.12s``, ``3 ms``,
  ``1.5 seconds``).
- **cells / activations**: code cells executed in the recorded run (the injected one
  excluded) and activations the store holds for them; must match. The trial's status too.
- **ratio**: in-kernel time with nbprov over without (nbclient's timing metadata, the
  injected cell excluded). One run each, so this is indicative; ``bench_overhead.py``
  measures overhead properly.
- **store KB**: the store file (and its WAL) after the kernel exits.
- for every top-level variable at the end of the run (names with a recorded value that
  were not deleted afterwards; modules, functions and classes left out), the script
  ``nbprov scriptify`` writes for it, run fresh (``corpus_checker.py``):
  **sound** when it recomputes the recorded value (equal when recorded exactly, same
  fingerprint otherwise, as ``--verify`` compares; a value is *not comparable*, and left
  out, when the store has no fingerprint of it or two fresh runs of its script disagree
  with each other); and for sound ones **minimal** when
  removing any one cell of the script breaks it or changes the value. ``added`` counts
  the cells scriptify had to add to the recorded slice for names kept statements needed.

Usage::

    python benchmarks/corpus.py ../shared/corpus/sklearn-gallery \
        benchmarks/corpus/sklearn-gallery-extra
    python benchmarks/corpus.py DIR --max-vars 5 --check-budget 60 --json out.json --markdown out.md
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import nbformat  # noqa: E402
from corpus_checker import Checker  # noqa: E402
from nbformat.v4 import new_code_cell  # noqa: E402

from nbprov.runs.execute import cell_kernel_seconds, kernel_env  # noqa: E402

# A memory address; also its tail when a repr was cut short ("<obj...x7f70a2b5c310>").
ADDRESS = re.compile(r"(?:0x|(?<=\.\.\.)x)[0-9a-fA-F]{4,}")
DURATION = re.compile(
    r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*(?:seconds|second|secs|sec|s|ms|µs|us|ns|min)\b"
)
# IPython's own names, and summary types that are code rather than values.
SKIPPED_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})
CODE_TYPES = ("module", "function", "type", "builtin_function_or_method", "method", "ABCMeta")
PART = re.compile(r"^# --- (?:In \[\d+\]|cell \d+)", re.MULTILINE)


def normalise(text: str) -> str:
    """Text output with memory addresses and durations masked (see the module doc)."""
    return DURATION.sub("<duration>", ADDRESS.sub("0x?", text))


def visible(cell: Any) -> list[Any]:
    """A code cell's outputs as a user sees them, normalised."""
    out: list[Any] = []
    for o in cell.get("outputs", []):
        kind = o.get("output_type")
        if kind == "stream":
            out.append(("stream", o.get("name"), normalise(str(o.get("text", "")))))
        elif kind in ("execute_result", "display_data"):
            data = {
                k: normalise(v if isinstance(v, str) else "".join(v)) if "text" in k else v
                for k, v in sorted(o.get("data", {}).items())
            }
            out.append((kind, json.dumps(data, sort_keys=True)))
        elif kind == "error":
            tb = normalise("\n".join(o.get("traceback", [])))
            out.append(("error", o.get("ename"), normalise(str(o.get("evalue"))), tb))
    # Consecutive stream chunks are split at arbitrary points: join them by stream.
    merged: list[Any] = []
    for item in out:
        if item[0] == "stream" and merged and merged[-1][:2] == item[:2]:
            merged[-1] = ("stream", item[1], merged[-1][2] + item[2])
        else:
            merged.append(item)
    return merged


@dataclass
class VariableCheck:
    name: str
    cells: int = 0  # cells in the script
    added: int = 0  # cells scriptify added to the recorded slice
    sound: bool = False
    unstable: bool = False  # two fresh runs of the script disagree: not reproducible at all
    uncheckable: bool = False  # the store has no fingerprint of the value to compare with
    minimal: bool | None = None  # None: not measured (unsound, or out of time)
    redundant: list[int | None] = field(default_factory=list)  # cells removable unchanged
    error: str | None = None


@dataclass
class NotebookReport:
    notebook: str
    code_cells: int = 0
    executed: int = 0
    activations: int = 0
    trial_status: str | None = None
    changed: list[int] = field(default_factory=list)  # indices of changed code cells
    differences: list[dict[str, Any]] = field(default_factory=list)  # the first of each
    nondeterministic: list[int] = field(default_factory=list)  # differ between plain runs
    errors_plain: int = 0
    errors_nbprov: int = 0
    seconds_plain: float = 0.0
    seconds_nbprov: float = 0.0
    store_kb: float = 0.0
    variables: list[VariableCheck] = field(default_factory=list)
    variables_total: int = 0
    wall_seconds: float = 0.0
    failure: str | None = None

    @property
    def ratio(self) -> float | None:
        return self.seconds_nbprov / self.seconds_plain if self.seconds_plain > 0 else None

    @property
    def sound(self) -> int:
        return sum(v.sound for v in self.variables)

    @property
    def comparable(self) -> int:
        return sum(not (v.unstable or v.uncheckable) for v in self.variables)

    @property
    def minimal(self) -> int:
        return sum(v.minimal is True for v in self.variables)

    @property
    def measured_minimal(self) -> int:
        return sum(v.minimal is not None for v in self.variables)


def execute(nb: Any, folder: Path, env: dict[str, str], cell_timeout: int) -> Any:
    """Run ``nb`` in a fresh kernel, working in ``folder``; errors do not stop the run."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        startup_timeout=60,
        allow_errors=True,
        record_timing=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute(env=env)
    return nb


def _store_facts(db: Path) -> tuple[int, str | None, list[dict[str, Any]]]:
    """(activations, trial status, last values of the names alive at the end)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        trial = conn.execute("SELECT id, status FROM trial ORDER BY id DESC LIMIT 1").fetchone()
        if trial is None:
            return 0, None, []
        trial_id, status = trial
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM activation WHERE trial_id = ?", (trial_id,)
        ).fetchone()
        last: dict[str, dict[str, Any]] = {}
        rows = conn.execute(
            "SELECT name, seq, value, exact, fingerprint FROM value WHERE trial_id = ?"
            " ORDER BY seq, id",
            (trial_id,),
        )
        for name, seq, value, exact, fingerprint in rows:
            last[name] = {"name": name, "seq": seq, "value": value, "exact": bool(exact)}
            last[name]["fingerprint"] = fingerprint
        deleted = dict(
            conn.execute(
                "SELECT a.name, MAX(v.seq) FROM access a JOIN activation v"
                " ON v.id = a.activation_id WHERE v.trial_id = ? AND a.kind = 'delete'"
                " GROUP BY a.name",
                (trial_id,),
            ).fetchall()
        )
    finally:
        conn.close()
    alive = []
    for name, entry in last.items():
        if name.startswith("_") or name in SKIPPED_NAMES or ":" in name:
            continue
        if name in deleted and deleted[name] >= entry["seq"]:
            continue
        try:
            value = json.loads(entry["value"]) if entry["value"] is not None else None
        except (TypeError, ValueError):
            value = None
        if not entry["exact"] and isinstance(value, dict):
            kind = str(value.get("type", "")).rsplit(".", 1)[-1]
            if kind in CODE_TYPES:
                continue
        alive.append(entry)
    alive.sort(key=lambda e: -e["seq"])  # the most derived values first
    return int(count), status, alive


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=repr))


def _matches(result: dict[str, Any], recorded: Any) -> bool:
    """As ``verify_script`` compares: equal when recorded exactly, else same fingerprint."""
    if not result.get("ok") or recorded is None:
        return False
    if recorded.exact:
        return bool(result.get("exact")) and _normal(result["value"]) == _normal(recorded.value)
    return recorded.fingerprint is not None and result.get("fingerprint") == recorded.fingerprint


def check_variable(
    name: str,
    db: Path,
    folder: Path,
    work: Path,
    checker: Checker,
    script_timeout: float,
    deadline: float,
) -> VariableCheck:
    from nbprov.core.scriptify import ScriptifyError, scriptify

    check = VariableCheck(name)
    try:
        script = scriptify("latest", name, db=str(db))
    except ScriptifyError as exc:
        check.error = f"scriptify: {exc}"
        return check
    except Exception as exc:  # a defect of scriptify is a finding, not the end of the run
        check.error = f"scriptify raised {type(exc).__name__}: {exc}"
        return check
    check.cells = len(script.cells)
    check.added = len(script.added)
    recorded = script.recorded
    if recorded is None or (not recorded.exact and recorded.fingerprint is None):
        check.uncheckable = True
        check.error = "no recorded value or fingerprint to compare with"
        return check
    path = work / f"{name}.py"
    path.write_text(script.text)
    result = checker.run(path, name, folder, script_timeout)
    check.sound = _matches(result, script.recorded)
    if not check.sound:
        check.error = result.get("error") or "different value"
        if result.get("ok"):
            # Unseeded randomness, or a summary that differs from process to process: no
            # script could match, so the value says nothing about the slice.
            again = checker.run(path, name, folder, script_timeout)
            keys = ("value", "exact", "fingerprint")
            check.unstable = [again.get(k) for k in keys] != [result.get(k) for k in keys]
        return check
    starts = [m.start() for m in PART.finditer(script.text)]
    tail = script.text.rindex(f"print(repr({name}))")
    bounds = list(zip(starts, [*starts[1:], tail], strict=True))
    redundant: list[int | None] = []
    for index, (start, end) in enumerate(bounds):
        if time.monotonic() > deadline:
            return check  # minimality not measured
        variant = work / f"{name}__without_{index}.py"
        variant.write_text(script.text[:start] + script.text[end:])
        if _matches(checker.run(variant, name, folder, script_timeout), script.recorded):
            redundant.append(script.cells[index])
    check.redundant = redundant
    check.minimal = not redundant
    return check


PLAIN_RERUNS = 3  # at most, and only while a differing cell is still unexplained


def nondeterministic_cells(
    plain: Any,
    plain_cells: list[Any],
    rec_cells: list[Any],
    differing: list[int],
    folder: Path,
    env: dict[str, str],
    args: argparse.Namespace,
) -> list[int]:
    """Of the cells whose recorded output differs from the plain run's, those that say
    nothing about nbprov: the plain notebook, run again, gives another output too (unseeded
    sampling, a choice made on timings), or the very output the recorded run gave."""
    seen: dict[int, list[Any]] = {i: [visible(plain_cells[i])] for i in differing}
    explained: set[int] = set()
    for _ in range(PLAIN_RERUNS):
        again = nbformat.from_dict(plain)  # type: ignore[no-untyped-call]
        try:
            execute(again, folder, env, args.cell_timeout)
        except Exception:
            break
        again_cells = [c for c in again.cells if c.cell_type == "code"][1:]
        for i in differing:
            seen[i].append(visible(again_cells[i]))
            if visible(rec_cells[i]) in seen[i] or seen[i][-1] != seen[i][0]:
                explained.add(i)
        if explained == set(differing):
            break
    return sorted(explained)


def run_notebook(path: Path, args: argparse.Namespace, checker: Checker) -> NotebookReport:
    report = NotebookReport(notebook=f"{path.parent.name}/{path.name}")
    start = time.monotonic()
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    report.code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    with tempfile.TemporaryDirectory(prefix="nbprov-corpus-") as tmp:
        work = Path(tmp)
        db = work / "store" / "nbprov.db"
        base = dict(os.environ, MPLBACKEND="Agg")
        base.pop("NBPROV_DB", None)
        plain = nbformat.from_dict(nb)  # type: ignore[no-untyped-call]
        recorded = nbformat.from_dict(nb)  # type: ignore[no-untyped-call]
        # Both runs get a first cell, so execution counts (shown in tracebacks) agree.
        plain.cells.insert(0, new_code_cell("pass"))  # type: ignore[no-untyped-call]
        recorded.cells.insert(0, new_code_cell("%load_ext nbprov"))  # type: ignore[no-untyped-call]
        try:
            plain_env = kernel_env(path, db=None, trial_name=None, base=base)
            execute(plain, path.parent, plain_env, args.cell_timeout)
            env = kernel_env(path, db=str(db), trial_name=None, base=base)
            execute(recorded, path.parent, env, args.cell_timeout)
        except Exception as exc:  # a cell over its timeout, a kernel that died
            report.failure = f"{type(exc).__name__}: {str(exc)[:200]}"
            report.wall_seconds = time.monotonic() - start
            return report
        # The added first cells are not compared: %load_ext nbprov prints where it records.
        plain_cells = [c for c in plain.cells if c.cell_type == "code"][1:]
        rec_cells = [c for c in recorded.cells if c.cell_type == "code"][1:]
        differing = [
            i
            for i, (a, b) in enumerate(zip(plain_cells, rec_cells, strict=True))
            if visible(a) != visible(b)
        ]
        if differing:
            report.nondeterministic = nondeterministic_cells(
                plain, plain_cells, rec_cells, differing, path.parent, plain_env, args
            )
        for i in differing:
            if i in report.nondeterministic:
                continue
            seen, got = visible(plain_cells[i]), visible(rec_cells[i])
            report.changed.append(i)
            k = next((j for j, (x, y) in enumerate(zip(seen, got, strict=False)) if x != y), None)
            k = min(len(seen), len(got)) if k is None else k
            report.differences.append(
                {
                    "cell": i,
                    "plain": repr(seen[k] if k < len(seen) else None)[:600],
                    "nbprov": repr(got[k] if k < len(got) else None)[:600],
                }
            )
        report.errors_plain = sum(
            any(o.output_type == "error" for o in c.outputs) for c in plain_cells
        )
        report.errors_nbprov = sum(
            any(o.output_type == "error" for o in c.outputs) for c in rec_cells
        )
        report.executed = sum(1 for c in rec_cells if c.get("execution_count") is not None)
        report.seconds_plain = sum(cell_kernel_seconds(plain)[1:])
        report.seconds_nbprov = sum(cell_kernel_seconds(recorded)[1:])
        report.store_kb = (
            sum(p.stat().st_size for p in db.parent.glob("nbprov.db*") if p.is_file()) / 1024
        )
        if not db.exists():
            report.failure = "no store was written"
            report.wall_seconds = time.monotonic() - start
            return report
        activations, report.trial_status, alive = _store_facts(db)
        # The %load_ext cell itself is not one of the notebook's cells.
        load_cells = _load_activations(db)
        report.activations = activations - load_cells
        report.variables_total = len(alive)
        chosen = alive[: args.max_vars] if args.max_vars else alive
        deadline = time.monotonic() + args.check_budget
        for entry in chosen:
            if time.monotonic() > deadline:
                break
            report.variables.append(
                check_variable(
                    entry["name"], db, path.parent, work, checker, args.script_timeout, deadline
                )
            )
    report.wall_seconds = time.monotonic() - start
    return report


def _load_activations(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (n,) = conn.execute(
            "SELECT COUNT(*) FROM activation a JOIN code c ON c.hash = a.cell_hash"
            " WHERE c.source LIKE '%load_ext nbprov%'"
        ).fetchone()
    finally:
        conn.close()
    return int(n)


# -- reporting ---------------------------------------------------------------------------


def totals(reports: list[NotebookReport]) -> dict[str, Any]:
    ratios = [r.ratio for r in reports if r.ratio is not None]
    variables = [v for r in reports for v in r.variables]
    return {
        "notebooks": len(reports),
        "failed_runs": sum(r.failure is not None for r in reports),
        "code_cells": sum(r.code_cells for r in reports),
        "changed_outputs": sum(len(r.changed) for r in reports),
        "notebooks_with_changes": sum(bool(r.changed) for r in reports),
        "nondeterministic_cells": sum(len(r.nondeterministic) for r in reports),
        "executed": sum(r.executed for r in reports),
        "activations": sum(r.activations for r in reports),
        "lost_activations": sum(max(r.executed - r.activations, 0) for r in reports),
        "notebooks_losing_activations": sum(r.activations < r.executed for r in reports),
        "trials_not_ok": sum(r.trial_status != "ok" for r in reports if r.failure is None),
        "ratio_median": statistics.median(ratios) if ratios else None,
        "ratio_max": max(ratios) if ratios else None,
        "store_kb_median": statistics.median([r.store_kb for r in reports]) if reports else None,
        "variables_alive": sum(r.variables_total for r in reports),
        "variables_checked": len(variables),
        "unstable": sum(v.unstable for v in variables),
        "uncheckable": sum(v.uncheckable for v in variables),
        "comparable": sum(not (v.unstable or v.uncheckable) for v in variables),
        "sound": sum(v.sound for v in variables),
        "minimal": sum(v.minimal is True for v in variables),
        "minimality_measured": sum(v.minimal is not None for v in variables),
        "scripts_with_added_cells": sum(v.added > 0 for v in variables),
    }


def markdown(reports: list[NotebookReport], summary: dict[str, Any]) -> str:
    lines = [
        "| notebook | cells | changed | executed / activations | trial | ratio | store KB"
        " | vars checked / alive | not comparable | sound / comparable | minimal / measured |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in reports:
        if r.failure:
            lines.append(f"| {r.notebook} | {r.code_cells} | run failed: {r.failure} |" + " |" * 8)
            continue
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        nondet = f" (+{len(r.nondeterministic)} nondet.)" if r.nondeterministic else ""
        lines.append(
            f"| {r.notebook} | {r.code_cells} | {len(r.changed)}{nondet} | {r.executed} / "
            f"{r.activations} | {r.trial_status} | {ratio} | {r.store_kb:.0f} | "
            f"{len(r.variables)} / {r.variables_total} | {len(r.variables) - r.comparable} | "
            f"{r.sound} / {r.comparable} | "
            f"{r.minimal} / {r.measured_minimal} |"
        )
    s = summary
    ratio = f"{s['ratio_median']:.2f}" if s["ratio_median"] is not None else "-"
    lines += [
        "",
        f"- notebooks: {s['notebooks']} ({s['failed_runs']} failed to run), "
        f"code cells: {s['code_cells']}",
        f"- cells with changed outputs: {s['changed_outputs']} "
        f"(in {s['notebooks_with_changes']} notebooks); cells that differ between plain "
        f"runs too, or whose recorded output a plain run gave: {s['nondeterministic_cells']}",
        f"- cells executed: {s['executed']}, activations recorded: {s['activations']}, "
        f"lost: {s['lost_activations']} (in {s['notebooks_losing_activations']} notebooks); "
        f"trials not `ok`: {s['trials_not_ok']}",
        f"- in-kernel time ratio: median {ratio}, max "
        + (f"{s['ratio_max']:.2f}" if s["ratio_max"] is not None else "-"),
        f"- variables alive at the end: {s['variables_alive']}, checked: {s['variables_checked']}",
        f"- not comparable, left out of soundness: {s['unstable']} unstable (two fresh runs "
        f"of the script disagree), {s['uncheckable']} without a recorded fingerprint",
        f"- sound: {s['sound']} / {s['comparable']}; "
        f"minimal: {s['minimal']} / "
        f"{s['minimality_measured']} measured; scripts that needed cells added to the "
        f"slice: {s['scripts_with_added_cells']}",
    ]
    return "\n".join(lines) + "\n"


def _write(reports: list[NotebookReport], args: argparse.Namespace, *, final: bool) -> None:
    summary = totals(reports)
    table = markdown(reports, summary)
    if final:
        print(table)
    if args.markdown:
        Path(args.markdown).write_text(table)
    if args.json:
        data = {"totals": summary, "notebooks": [dict(asdict(r), ratio=r.ratio) for r in reports]}
        text = json.dumps(data, indent=1, default=repr)
        if args.json == "-":
            if final:
                print(text)
        else:
            Path(args.json).write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="folders of .ipynb notebooks")
    parser.add_argument(
        "--max-vars",
        type=int,
        default=0,
        help="variables checked per notebook, most derived first (0: all)",
    )
    parser.add_argument(
        "--check-budget",
        type=float,
        default=90,
        help="seconds per notebook for the variable checks (default 90)",
    )
    parser.add_argument(
        "--script-timeout", type=float, default=60, help="seconds per script run (default 60)"
    )
    parser.add_argument(
        "--cell-timeout", type=int, default=120, help="seconds per notebook cell (default 120)"
    )
    parser.add_argument("--limit", type=int, default=0, help="first N notebooks only")
    parser.add_argument("--json", metavar="FILE", help="write every detail as JSON ('-': stdout)")
    parser.add_argument("--markdown", metavar="FILE", help="write the table and totals")
    args = parser.parse_args(argv)

    paths = sorted(p for d in args.dirs for p in d.glob("*.ipynb"))
    if args.limit:
        paths = paths[: args.limit]
    if not paths:
        parser.error("no notebooks found")
    checker = Checker()
    reports: list[NotebookReport] = []
    try:
        for path in paths:
            report = run_notebook(path, args, checker)
            reports.append(report)
            ratio = f"{report.ratio:.2f}" if report.ratio is not None else "-"
            print(
                f"{report.notebook}: changed {len(report.changed)}, executed "
                f"{report.executed} / activations {report.activations} "
                f"({report.trial_status}), ratio {ratio}, {report.store_kb:.0f} KB, sound "
                f"{report.sound}/{report.comparable}, minimal {report.minimal}/"
                f"{report.measured_minimal}, {report.wall_seconds:.0f} s"
                + (f" FAILED {report.failure}" if report.failure else ""),
                file=sys.stderr,
                flush=True,
            )
            _write(reports, args, final=False)  # a long run leaves its results so far
    finally:
        checker.close()
    _write(reports, args, final=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
