"""``%sweep`` and ``%compare --study``: searches from a notebook, in the kernel's store.

``%sweep`` takes the options of ``nbprov sweep``; without ``--db`` the search records
into the store this kernel records into, and ends with the study's charts (optimisation
history, parallel coordinates; see :mod:`.charts`). Bad input is a one-line usage error.
Interrupting the kernel stops the search as Ctrl-C stops the command: finished points
stay recorded and the study can be resumed. ``%compare --study NAME`` shows a study's
results and charts again.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["display_charts", "study_magic", "sweep_magic"]


def sweep_magic(shell: Any, recorder: Any, line: str) -> int | None:
    """Run a search from the line; returns the command's exit status."""
    from IPython.core.error import UsageError

    from ..cli import CommandError
    from ..render.tables import FORMATS
    from ..usage import BadUsage, HelpShown, RaisingParser, split_line
    from .command import add_sweep_arguments, sweep_from_args

    parser = RaisingParser(prog="%sweep", description="nbprov sweep, from the notebook")
    add_sweep_arguments(parser)
    parser.add_argument("--db", help="store path or URL (default: this kernel's store)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    try:
        args = parser.parse_args(split_line(line))
    except HelpShown:
        return None
    except BadUsage as exc:
        raise UsageError(f"%sweep: {exc}") from None
    if args.db is None:
        args.db = recorder.url
    recorder.writer.flush()
    try:
        status, summary = sweep_from_args(args)
    except CommandError as exc:
        raise UsageError(f"%sweep: {exc}") from None
    display_charts(summary)
    return status


def display_charts(summary: dict[str, Any]) -> None:
    """The study's charts as Vega-Lite outputs (JupyterLab draws them)."""
    from IPython.display import display

    from .charts import MIME, history_chart, parallel_chart

    for chart in (history_chart(summary), parallel_chart(summary)):
        display({MIME: chart, "text/plain": f"<{chart['title']}>"}, raw=True)  # type: ignore[no-untyped-call]


def study_magic(shell: Any, recorder: Any, line: str) -> None:
    """``%compare --study NAME``: a study's results and charts."""
    from IPython.core.error import UsageError

    from ..usage import BadUsage, split_line
    from .results import print_summary, study_summary
    from .study import StudyError, load_study

    try:
        words = split_line(line)
    except BadUsage as exc:
        raise UsageError(f"%compare: {exc}") from None
    if len(words) != 2 or words[0] != "--study":
        raise UsageError("usage: %compare --study NAME")
    recorder.writer.flush()
    try:
        study, spec = load_study(recorder.url, words[1])
    except StudyError as exc:
        raise UsageError(f"%compare: {exc}") from None
    summary = study_summary(study, spec, recorder.url)
    print_summary(summary, recorder.url, "table", sys.stdout)
    display_charts(summary)
