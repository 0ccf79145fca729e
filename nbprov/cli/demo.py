"""``nbprov demo``: run the demo notebooks headless as recorded trials, then show them.

Each notebook in ``demo_notebooks/`` runs in its own kernel with nbprov loaded (see
:mod:`nbprov.runs.execute`), as a trial named after the notebook, into the default store (or
``--db``); the diabetes notebook runs a second time with another ``alpha``, so that there
are two runs to compare. Then each trial is shown with its hyperparameters and metrics,
and the commands to try next (``--format json|csv|md`` prints ``nbprov trials`` instead).

Run it as ``nbprov demo``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nbprov.render.tables import format_value
from nbprov.render.terminal import cut_left
from nbprov.runs.batch import default_store
from nbprov.runs.execute import run_notebook
from nbprov.store.engine import DEFAULT_RELATIVE_PATH
from nbprov.usage import CommandParser

__all__ = ["default_notebook_dir", "demo_notebooks", "main"]

WIDTH = 80
# The notebook run twice, and the parameter of its second run: two trials to compare.
RERUN = ("diabetes_ridge", {"alpha": 10.0})
# What to try once the demo has run; every line works on the store the demo leaves.
NEXT_STEPS = (
    ("nbprov trials", "every trial, a row each"),
    ("nbprov show latest", "the latest trial's cells and values"),
    ("nbprov deps latest r2", "which cells and values r2 came from"),
    ("nbprov compare -2 -1 --why r2", "the two diabetes runs: what changed, and why"),
)


def default_notebook_dir() -> Path:
    """The demo notebooks: ``nbprov/demo_notebooks/`` when packaged into a wheel, else the
    source tree's ``demo_notebooks/`` next to the package."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "demo_notebooks"
    return packaged if packaged.is_dir() else package.parent / "demo_notebooks"


def demo_notebooks(directory: Path | None = None) -> list[Path]:
    """The demo notebooks in *directory* (default: :func:`default_notebook_dir`), sorted,
    the one run twice last (so that ``latest`` and ``-2 -1`` name its runs)."""
    folder = directory if directory is not None else default_notebook_dir()
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    return sorted(found, key=lambda p: p.stem == RERUN[0])


def demo_runs(notebooks: list[Path]) -> list[tuple[Path, str, dict[str, Any]]]:
    """(notebook, trial name, parameters) of each run of the demo."""
    runs: list[tuple[Path, str, dict[str, Any]]] = [(p, p.stem, {}) for p in notebooks]
    for path in notebooks:
        if path.stem == RERUN[0]:
            name = path.stem + "".join(f"-{k}{v:g}" for k, v in RERUN[1].items())
            runs.append((path, name, dict(RERUN[1])))
    return runs


def _store(db: str | None) -> str:
    """The store to record into: as ``nbprov run`` chooses it."""
    return default_store(db)


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="nbprov demo",
        description=(
            "Run the demo notebooks headless as recorded trials, then show each trial's "
            "hyperparameters and metrics."
        ),
    )
    parser.add_argument(
        "--db",
        help="store to record into (file path or SQLAlchemy URL; default: $NBPROV_DB, "
        f"else {DEFAULT_RELATIVE_PATH} in the current directory)",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="directory of notebooks to run (default: the bundled demo_notebooks/)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="also write each executed notebook, with its outputs, into this directory",
    )
    parser.add_argument(
        "--timeout", type=int, default=600, help="per-cell timeout in seconds (default: 600)"
    )
    parser.add_argument(
        "--format",
        default="table",
        choices=["table", "json", "csv", "md"],
        help="format of the trials listing (default: table)",
    )
    return parser


def _list_trials(store: str, fmt: str) -> int:
    from nbprov.core.trials import list_trials
    from nbprov.render.listings import print_listing

    print_listing(list_trials(db=store), fmt)
    return 0


def _assignments(label: str, values: dict[str, Any]) -> list[str]:
    """``label  a=1  b=2`` wrapped to the width, continuation lines indented."""
    indent = " " * 5
    lines, line = [], f"{indent}{label:<13}"
    for name, value in sorted(values.items()):
        item = f"{name}={format_value(value)}"
        if len(line) + 2 + len(item) > WIDTH and line.strip() != label:
            lines.append(line)
            line = indent + " " * 13
        line += ("  " if not line.endswith(" ") else "") + item
    lines.append(line)
    return [cut_left(text, WIDTH) if len(text) > WIDTH else text for text in lines]


def summary(records: list[dict[str, Any]]) -> list[str]:
    """Each recorded trial with its hyperparameters and metrics, in 80 columns."""
    lines: list[str] = []
    for record in records:
        head = f"  #{record['id']} {record.get('name') or ''}  {record['status']}"
        lines.append(head[:WIDTH])
        lines += _assignments("hyperparams", record.get("hyperparams") or {})
        lines += _assignments("metrics", record.get("metrics") or {})
    return lines


def _show_summary(store: str, ids: int) -> int:
    from nbprov.core.trials import list_trials

    records = list_trials(db=store)[-ids:]
    print("\n".join(summary(records)))
    print("\nTry next:")
    for command, what in NEXT_STEPS:
        print(f"  {command:<32} {what}"[:WIDTH])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; return the exit status (0 when every notebook ran and listed)."""
    args = _parser().parse_args(list(argv) if argv is not None else None)
    notebooks = demo_notebooks(args.notebooks)
    if not notebooks:
        where = args.notebooks or default_notebook_dir()
        print(f"nbprov demo: no notebooks found in {where}", file=sys.stderr)
        return 2
    store = _store(args.db)
    log = sys.stderr if args.format != "table" else sys.stdout
    runs = demo_runs(notebooks)
    heading = f"Recording {len(runs)} runs of {len(notebooks)} demo notebooks into "
    print(heading + cut_left(store, max(80 - len(heading), 20)), file=log)

    failed = 0
    for path, name, parameters in runs:
        output = args.output_dir / f"{name}.ipynb" if args.output_dir is not None else None
        shown = name + "".join(f" ({k}={v:g})" for k, v in parameters.items())
        print(f"  {shown} ...", end=" ", flush=True, file=log)
        result = run_notebook(
            path,
            db=store,
            trial_name=name,
            output=output,
            timeout=args.timeout,
            parameters=parameters or None,
        )
        problems = [p for p in (result.describe_failure(), result.recording_problem) if p]
        if not problems:
            print(f"ok ({result.wall_seconds:.1f} s)", file=log)
        else:
            failed += 1
            print("FAILED" if not result.ok else "NOT ALL RECORDED", file=log)
            print("\n".join(problems), file=sys.stderr)
    print(file=log)
    if args.format == "table":
        status = _show_summary(store, len(runs))
    else:
        status = _list_trials(store, args.format)
    if failed:
        print(f"nbprov demo: {failed} of {len(notebooks)} notebooks failed", file=sys.stderr)
        return 1
    return status


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov demo``; its own parser takes every option (``nbprov demo --help``)."""
    p = subparsers.add_parser(
        "demo", help="run the demo notebooks as trials, then show them", add_help=False
    )
    p.set_defaults(handler=lambda args: main(args.forwarded), forwards_arguments=True)


if __name__ == "__main__":
    sys.exit(main())
