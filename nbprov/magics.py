"""Notebook magics: thin parsers that call the Recorder or the core and render the answer."""

from __future__ import annotations

import re
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .recorder import Recorder
from .render.terminal import cut, has_control, neutralise

STANDARD_STAGES = ("read", "features", "score", "evaluate")
STANDARD_ROLES = ("hyperparam", "metric")
_LABEL = re.compile(r"[A-Za-z_][\w.-]{0,63}")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
TRIAL_NAME_LIMIT = 200  # the trial.name column's width


def _label(text: str, what: str) -> str:
    if not _LABEL.fullmatch(text):
        raise UsageError(
            f"{what} must be a word (letters, digits, _ . -), got {neutralise(text)!r}"
        )
    return text


def _trial_name(text: str | None) -> str | None:
    if text is not None and (
        has_control(text) or len(text) > TRIAL_NAME_LIMIT or not _is_utf8(text)
    ):
        raise UsageError(
            f"a trial name is printable text of at most {TRIAL_NAME_LIMIT} characters, "
            f"got {cut(neutralise(text), 40)!r}"
        )
    return text


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, as a JSON message may carry
        return False
    return True


def _parse(magic: Any, line: str) -> Any:
    """The magic's arguments; an unclosed quote is a usage error like any other."""
    try:
        return parse_argstring(magic, line)
    except ValueError as exc:  # shlex: "No closing quotation", "No escaped character"
        raise UsageError(f"{str(exc).lower()} in {neutralise(line)!r}") from exc
    except UsageError as exc:  # argparse's message quotes the line as typed
        raise UsageError(neutralise(str(exc))) from None


@magics_class
class NbprovMagics(Magics):
    """The ``%tag``, ``%tag_var`` and ``%trial`` magics, bound to one Recorder."""

    def __init__(self, shell: Any, recorder: Recorder) -> None:
        super().__init__(shell)
        self.recorder = recorder

    @magic_arguments()
    @argument("stage", help="read, features, score, evaluate, or any other word")
    @line_magic
    def tag(self, line: str) -> None:
        """Label the current cell as a stage of the experiment.

        Usage: ``%tag STAGE`` on a line of the cell, for example ``%tag features``.
        The standard stages are read, features, score and evaluate; other words are
        accepted too.
        """
        args = _parse(self.tag, line)
        self.recorder.tag_stage(_label(args.stage, "STAGE"))

    @magic_arguments()
    @argument("name", help="the variable's name")
    @argument("role", help="hyperparam, metric, or any other word")
    @line_magic
    def tag_var(self, line: str) -> None:
        """Tag a variable so its values are recorded in every trial.

        Usage: ``%tag_var NAME ROLE``, for example ``%tag_var alpha hyperparam`` or
        ``%tag_var r2 metric``. The value is recorded now if NAME exists, and again each
        time a later cell rebinds or changes it. Tagging before NAME exists is allowed.
        """
        args = _parse(self.tag_var, line)
        if not _IDENTIFIER.fullmatch(args.name) or not args.name.isidentifier():
            raise UsageError(f"NAME must be a variable name, got {neutralise(args.name)!r}")
        self.recorder.tag_variable(args.name, _label(args.role, "ROLE"))

    @magic_arguments()
    @argument("action", nargs="?", choices=["new", "name"], help="new or name")
    @argument("name", nargs="?", help="the trial's name")
    @line_magic
    def trial(self, line: str) -> None:
        """Show or change the current trial.

        Usage:
          ``%trial``            show the current trial
          ``%trial new [NAME]`` end this trial and start another in the same kernel
          ``%trial name NAME``  rename the current trial
        """
        args = _parse(self.trial, line)
        recorder = self.recorder
        name = _trial_name(args.name)
        if args.action == "new":
            recorder.new_trial(name)
        elif args.action == "name":
            if not name:
                raise UsageError("usage: %trial name NAME")
            recorder.rename_trial(name)
        elif name:
            raise UsageError("usage: %trial [new [NAME] | name NAME]")
        state = recorder.trial
        label = f" {neutralise(state.name)!r}" if state.name else ""
        notebook = f" of {neutralise(state.notebook)}" if state.notebook else ""
        print(
            f"nbprov trial {recorder.trial_id}{label}{notebook}: "
            f"{state.seq} cells recorded into {neutralise(recorder.store.description)}"
        )

    # The magics below are thin: each hands its line to the front module that owns it.

    @line_magic
    def deps(self, line: str) -> Any:
        """Show where a variable's value came from, as a graph.

        Usage: ``%deps NAME [--depth N]``: the cells (in execution order), variables and
        values NAME was built from in this trial. SVG when Graphviz's ``dot`` is
        installed, else a text tree with the DOT source.
        """
        from .lineage.commands import deps_magic

        return deps_magic(self.shell, self.recorder, line)

    @line_magic
    def compare(self, line: str) -> Any:
        """Compare trials in an interactive table.

        Usage: ``%compare [A B ...]``: trial ids, names, or -1/-2 (default: the two latest
        trials of this notebook). Hyperparameters, metrics, code and environment, only
        the rows that differ by default, and a metric-against-hyperparameter plot.
        ``%compare --study NAME``: a search's best trials, best parameters, importance,
        optimisation history and parallel coordinates.
        """
        if line.lstrip().startswith("--study"):
            from .sweep.magic import study_magic

            return study_magic(self.shell, self.recorder, line)
        from .compare_widget import compare_magic

        return compare_magic(self.shell, self.recorder, line)

    @line_magic
    def scriptify(self, line: str) -> Any:
        """Write a standalone script that recomputes a variable.

        Usage: ``%scriptify NAME [-o FILE.py]``: only the cells in NAME's backward slice,
        magics translated, tagged hyperparameters as command-line options.
        """
        from .scriptify_cli import scriptify_magic

        return scriptify_magic(self.shell, self.recorder, line)

    @line_magic
    def sweep(self, line: str) -> Any:
        """Search the hyperparameters of a notebook; every point a recorded trial.

        Usage: ``%sweep NOTEBOOK --param NAME=SPACE ... --metric NAME [--direction max|min]
        [--trials N] [--sampler tpe|random|grid|cmaes] [--jobs N] [--name STUDY]
        [--resume] [--ray [ADDRESS]]``, as ``nbprov sweep``, into this kernel's store.
        """
        from .sweep.magic import sweep_magic

        sweep_magic(self.shell, self.recorder, line)
        return None
