"""``%scriptify`` in the notebook: the script of a value in this kernel's trial."""

from __future__ import annotations

import argparse
import sys

from IPython.core.error import UsageError

from nbprov.core.scriptify import scriptify
from nbprov.core.scriptify.deliver import deliver
from nbprov.core.scriptify.script import ScriptifyError
from nbprov.kernel.recorder import Recorder
from nbprov.render.terminal import neutralise
from nbprov.usage import os_error_text


def write_script(recorder: Recorder, args: argparse.Namespace) -> None:
    """Build the script of ``args.name`` and deliver it as the options ask."""
    recorder.flush()
    trial = args.trial if args.trial is not None else recorder.trial_id
    try:
        script = scriptify(trial, args.name, store=recorder.store)
    except Exception as exc:  # store errors and unknown variables: one line
        raise UsageError(f"%scriptify: {neutralise(str(exc))}") from exc
    try:
        code = deliver(script, args.output, args.verify, args.check, args.requirements)
    except ScriptifyError as exc:
        raise UsageError(f"%scriptify: {exc}") from exc
    except OSError as exc:  # -o names a directory, a missing folder, a read-only file
        raise UsageError(f"%scriptify: {os_error_text(exc)}") from exc
    if code != 0:
        print(f"%scriptify: the script did not rebuild {args.name!r}", file=sys.stderr)
