"""``nbprov demo``: run the demo notebooks headless as recorded trials, then list the trials.

Each notebook in ``demo_notebooks/`` runs in its own kernel with nbprov loaded (see
:mod:`nbprov.execute`), as a trial named after the notebook, into the default store (or
``--db``). The trials listing follows, exactly as ``nbprov trials`` prints it.

Run it as ``nbprov demo`` or ``python -m nbprov.demo``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from nbprov.execute import ENV_DB, normalize_db, run_notebook
from nbprov.render.terminal import cut_left
from nbprov.usage import CommandParser

__all__ = ["default_notebook_dir", "demo_notebooks", "main"]

DEFAULT_STORE = Path(".nbprov") / "nbprov.db"


def default_notebook_dir() -> Path:
    """The demo notebooks: ``nbprov/demo_notebooks/`` when packaged into a wheel, else the
    source tree's ``demo_notebooks/`` next to the package."""
    here = Path(__file__).resolve().parent
    packaged = here / "demo_notebooks"
    return packaged if packaged.is_dir() else here.parent / "demo_notebooks"


def demo_notebooks(directory: Path | None = None) -> list[Path]:
    """The demo notebooks in *directory* (default: :func:`default_notebook_dir`), sorted."""
    folder = directory if directory is not None else default_notebook_dir()
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def _store(db: str | None) -> str:
    """The store to record into: ``--db``, else ``$NBPROV_DB``, else the default file in
    the current directory (where a following ``nbprov trials`` will look)."""
    chosen = db or os.environ.get(ENV_DB) or str(DEFAULT_STORE)
    store = normalize_db(chosen)
    assert store is not None
    return store


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="nbprov demo",
        description=("Run the demo notebooks headless as recorded trials, then list the trials."),
    )
    parser.add_argument(
        "--db",
        help="store to record into (file path or SQLAlchemy URL; default: $NBPROV_DB, "
        f"else {DEFAULT_STORE} in the current directory)",
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
    try:
        from nbprov import cli
    except ImportError:
        print(f"(the nbprov command is not available; the trials are in {store})")
        return 0
    return int(cli.main(["trials", "--db", store, "--format", fmt]) or 0)


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
    heading = f"Recording {len(notebooks)} demo notebooks into "
    print(heading + cut_left(store, max(80 - len(heading), 20)), file=log)

    failed = 0
    for path in notebooks:
        output = args.output_dir / path.name if args.output_dir is not None else None
        print(f"  {path.name} ...", end=" ", flush=True, file=log)
        result = run_notebook(
            path, db=store, trial_name=path.stem, output=output, timeout=args.timeout
        )
        if result.ok:
            print(f"ok ({result.wall_seconds:.1f} s)", file=log)
        else:
            failed += 1
            print("FAILED", file=log)
            print(result.describe_failure(), file=sys.stderr)
    print(file=log)
    status = _list_trials(store, args.format)
    if failed:
        print(f"nbprov demo: {failed} of {len(notebooks)} notebooks failed", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
