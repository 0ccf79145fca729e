"""``%sweep`` and ``%compare --study``: searches from a notebook, in the kernel's store.

Without ``--db`` a search records into the store this kernel records into, and ends with
the study's charts (optimisation history, parallel coordinates; see
:mod:`nbprov.runs.sweep.charts`). Interrupting the kernel stops the search as Ctrl-C stops
the command: finished points stay recorded and the study can be resumed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display

from nbprov.kernel.recorder import Recorder
from nbprov.runs.sweep.charts import MIME, history_chart, parallel_chart
from nbprov.runs.sweep.results import print_summary, study_summary
from nbprov.runs.sweep.search import SweepError, run_search
from nbprov.runs.sweep.study import StudyError, load_study


def run_sweep(recorder: Recorder, args: argparse.Namespace) -> int:
    """Run the search ``args`` describe; the command's exit status."""
    if args.db is None:
        args.db = recorder.url
    recorder.flush()
    try:
        status, summary = run_search(args)
    except SweepError as exc:
        raise UsageError(f"%sweep: {exc}") from None
    display_charts(summary)
    return status


def display_charts(summary: dict[str, Any]) -> None:
    """The study's charts as Vega-Lite outputs (JupyterLab draws them)."""
    for chart in (history_chart(summary), parallel_chart(summary)):
        display({MIME: chart, "text/plain": f"<{chart['title']}>"}, raw=True)


def show_study(recorder: Recorder, name: str) -> None:
    """``%compare --study NAME``: a study's results and charts."""
    recorder.flush()
    try:
        study, spec = load_study(recorder.url, name)
    except StudyError as exc:
        raise UsageError(f"%compare: {exc}") from None
    summary = study_summary(study, spec, recorder.url)
    print_summary(summary, recorder.url, "table", sys.stdout)
    display_charts(summary)
