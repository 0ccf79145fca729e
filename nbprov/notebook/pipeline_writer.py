"""``%pipeline`` in the notebook: this trial's targets as a package, or its stage DAG drawn
inline."""

from __future__ import annotations

import argparse
import sys
import time

from IPython.core.error import UsageError
from IPython.display import display

from nbprov.core.pipeline.builder import PipelineError, plan_pipeline
from nbprov.core.pipeline.deliver import deliver
from nbprov.core.pipeline.graph import dag_mime_bundle
from nbprov.kernel.recorder import Recorder
from nbprov.render.terminal import neutralise
from nbprov.usage import os_error_text


def write_pipeline(recorder: Recorder, args: argparse.Namespace) -> None:
    """Plan the package of ``args.targets`` and deliver it as the options ask."""
    recorder.flush()
    trial = args.trial if args.trial is not None else recorder.trial_id
    started = time.perf_counter()
    try:
        plan = plan_pipeline(trial, args.targets, store=recorder.store, package=args.name)
    except Exception as exc:  # store errors, unknown targets: one line
        raise UsageError(f"%pipeline: {neutralise(str(exc))}") from exc
    if args.graph == "-":
        display(dag_mime_bundle(plan), raw=True)
        args.graph = None
        if args.output is None:
            return
    try:
        code = deliver(plan, args.output, args.verify, args.graph, "text", started)
    except PipelineError as exc:
        raise UsageError(f"%pipeline: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"%pipeline: {os_error_text(exc)}") from exc
    if code != 0:
        print("%pipeline: the package did not rebuild every target", file=sys.stderr)
