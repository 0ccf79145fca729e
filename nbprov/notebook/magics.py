"""Notebook magics: thin parsers that call the Recorder or the core and render the answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import (
    ArgMethodWrapper,
    argument,
    magic_arguments,
    parse_argstring,
)

from nbprov.kernel.recorder import Recorder
from nbprov.render.tables import FORMATS
from nbprov.render.terminal import cut, has_control, neutralise
from nbprov.runs.sweep.options import Option
from nbprov.runs.sweep.options import options as sweep_options
from nbprov.usage import dropped_values

if TYPE_CHECKING:
    from nbprov.notebook.compare_widget import CompareView

# Each magic imports the front module that does its work when it runs: loading the
# extension registers them all, and must not pay for SQLAlchemy, nbformat or Optuna.

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
        args = parse_argstring(magic, line)
    except ValueError as exc:  # shlex: "No closing quotation", "No escaped character"
        raise UsageError(f"{str(exc).lower()} in {neutralise(line)!r}") from exc
    except UsageError as exc:  # argparse's message quotes the line as typed
        raise UsageError(neutralise(str(exc))) from None
    missing = dropped_values(magic.parser, args)
    if missing:
        raise UsageError(f"{missing[0]} is missing in {neutralise(line)!r}")
    return args


class _exclusive(ArgMethodWrapper):
    """``magic_arguments`` has no mutually exclusive group: the arguments declared after
    this one (below it in the source) exclude one another."""

    def add_to_parser(self, parser: Any, group: Any) -> Any:
        return parser.add_mutually_exclusive_group(*self.args, **self.kwds)


def _with_options(options: list[Option]) -> Callable[[Any], Any]:
    """``magic_arguments`` for options declared once for the command and the magic."""

    def decorate(func: Any) -> Any:
        for flags, settings in reversed(options):
            func = argument(*flags, **settings)(func)
        return magic_arguments()(func)

    return decorate


@magics_class
class NbprovMagics(Magics):
    """Every nbprov magic, bound to one Recorder; arguments parsed by ``magic_arguments``."""

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
    @_exclusive()
    @argument(
        "--max",
        dest="direction",
        action="store_const",
        const="max",
        help="a metric: higher is better",
    )
    @argument(
        "--min",
        dest="direction",
        action="store_const",
        const="min",
        help="a metric: lower is better",
    )
    @line_magic
    def tag_var(self, line: str) -> None:
        """Tag a variable so its values are recorded in every trial.

        Usage: ``%tag_var NAME ROLE [--max | --min]``, for example ``%tag_var alpha
        hyperparam`` or ``%tag_var r2 metric --max``. The value is recorded now if NAME
        exists, and again each time a later cell rebinds or changes it. Tagging before
        NAME exists is allowed. ``--max`` / ``--min`` say which way a metric improves
        (``%compare`` and the lab panel mark better and worse by it, ``nbprov trials
        --sort-by`` puts the best first); without them it is guessed from the name
        (loss, error, mse, time... lower is better).
        """
        args = _parse(self.tag_var, line)
        if not _IDENTIFIER.fullmatch(args.name) or not args.name.isidentifier():
            raise UsageError(f"NAME must be a variable name, got {neutralise(args.name)!r}")
        role = _label(args.role, "ROLE")
        if args.direction is not None and role != "metric":
            raise UsageError(f"--{args.direction} is for metrics only, not role {role!r}")
        self.recorder.tag_variable(args.name, role, args.direction)

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

    @magic_arguments()
    @argument("name", help="the variable")
    @argument("--depth", type=int, help="only cells within N steps of NAME")
    @argument("--at", type=int, metavar="N", help="as of execution count N")
    @line_magic
    def deps(self, line: str) -> None:
        """Show where a variable's value came from, as a graph.

        Usage: ``%deps NAME [--depth N] [--at N]``: the cells (in execution order),
        variables and values NAME was built from in this trial. SVG when Graphviz's
        ``dot`` is installed, else a text tree with the DOT source.
        """
        args = _parse(self.deps, line)
        if not args.name.isidentifier():
            raise UsageError(f"NAME must be a variable name, got {neutralise(args.name)!r}")
        if args.depth is not None and args.depth < 1:
            raise UsageError("--depth must be 1 or more")
        from nbprov.notebook.lineage_view import show_lineage

        show_lineage(self.recorder, args.name, depth=args.depth, at=args.at)

    @magic_arguments()
    @argument("refs", nargs="*", metavar="TRIAL", help="ids, names, or -1 / -2 ...")
    @argument("--study", metavar="NAME", help="a search's results and charts instead")
    @line_magic
    def compare(self, line: str) -> CompareView | None:
        """Compare trials in an interactive table.

        Usage: ``%compare [A B ...]``: trial ids, names, or -1/-2 (default: the two latest
        trials of this notebook). Hyperparameters, metrics, code and environment, only
        the rows that differ by default, and a metric-against-hyperparameter plot.
        ``%compare --study NAME``: a search's best trials, best parameters, importance,
        optimisation history and parallel coordinates.
        """
        args = _parse(self.compare, line)
        refs = args.refs
        if args.study is not None:
            if refs:
                raise UsageError("usage: %compare --study NAME (no trials with it)")
            from nbprov.notebook.sweep_view import show_study

            show_study(self.recorder, args.study)
            return None
        if len(refs) == 1:
            raise UsageError("usage: %compare [A B ...] (none: the two latest trials)")
        from nbprov.notebook.compare_widget import view_in_kernel

        return view_in_kernel(self.recorder, refs)

    @magic_arguments()
    @argument("name", nargs="?", help="the variable to rebuild")
    @argument("-o", "--output", help="the script to write (default: print it)")
    @argument("--verify", action="store_true", help="run the script and compare the value")
    @argument("--check", metavar="SCRIPT", help="verify an existing script instead")
    @argument("--requirements", metavar="FILE", help="write pinned requirements")
    @argument("--trial", help="another trial (default: this one)")
    @argument("-h", "--help", action="store_true", help="show this help")
    @line_magic
    def scriptify(self, line: str) -> None:
        """Write a standalone script that recomputes a variable.

        Usage: ``%scriptify NAME [-o FILE.py] [--verify] [--requirements FILE]``: only the
        cells in NAME's backward slice, magics translated, tagged hyperparameters as
        command-line options. Without ``-o`` the script is printed.
        """
        args = _parse(self.scriptify, line)
        if args.help:
            print(self.scriptify.parser.format_help())
            return
        if args.name is None:
            raise UsageError("usage: %scriptify NAME [-o FILE.py] [--verify] [--requirements FILE]")
        from nbprov.notebook.script_writer import write_script

        write_script(self.recorder, args)

    @magic_arguments()
    @argument("targets", nargs="*", metavar="TARGET", help="the values to rebuild")
    @argument("-o", "--output", metavar="DIR", help="the folder to write the package into")
    @argument("--name", metavar="PKG", help="the package name (default: NOTEBOOK_pipeline)")
    @argument("--verify", action="store_true", help="run the generated tests")
    @argument("--graph", metavar="FILE", nargs="?", const="-", help="draw the stage DAG (here: -)")
    @argument("--trial", help="another trial (default: this one)")
    @argument("-h", "--help", action="store_true", help="show this help")
    @line_magic
    def pipeline(self, line: str) -> None:
        """Turn this trial's stages into a tested package and a Luigi DAG.

        Usage: ``%pipeline TARGET ... -o DIR [--verify]``; ``%pipeline TARGET --graph``
        draws the stage DAG (see ``nbprov pipeline``).
        """
        args = _parse(self.pipeline, line)
        if args.help:
            print(self.pipeline.parser.format_help())
            return
        if not args.targets:
            raise UsageError(
                "usage: %pipeline TARGET [TARGET ...] [-o DIR] [--verify] [--graph] [--trial T]"
            )
        from nbprov.notebook.pipeline_writer import write_pipeline

        write_pipeline(self.recorder, args)

    @_with_options(sweep_options())
    @argument("--db", help="store path or URL (default: this kernel's store)")
    @argument("--format", choices=FORMATS, default="table", help="the results' format")
    @line_magic
    def sweep(self, line: str) -> None:
        """Search the hyperparameters of a notebook; every point a recorded trial.

        Usage: ``%sweep NOTEBOOK --param NAME=SPACE ... --metric NAME [--direction max|min]
        [--trials N] [--sampler tpe|random|grid|cmaes] [--jobs N] [--name STUDY]
        [--resume] [--ray [ADDRESS]]``, as ``nbprov sweep``, into this kernel's store.
        """
        from nbprov.notebook.sweep_view import run_sweep

        run_sweep(self.recorder, _parse(self.sweep, line))
