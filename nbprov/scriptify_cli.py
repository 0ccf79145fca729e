"""``nbprov scriptify`` and ``%scriptify``: write (and check) the script that rebuilds a value.

``nbprov scriptify TRIAL NAME -o FILE.py [--verify] [--requirements FILE]`` works from the
store alone. With ``--verify`` the exit status says whether the script rebuilt the
recorded value (0 yes, 1 no). ``--check FILE.py`` verifies an existing script instead of
writing one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .scriptify import (
    Script,
    ScriptifyError,
    Verification,
    requirements_text,
    scriptify,
    verify_script,
)
from .usage import BadUsage, os_error_text

__all__ = ["cmd_scriptify", "register", "scriptify_magic"]


def _run_dir(script: Script) -> Path | None:
    """Where the recorded run ran: the notebook's folder, when it still exists."""
    if script.notebook:
        folder = Path(script.notebook).parent
        if folder.is_dir():
            return folder
    return None


def _write(path: str, text: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def _verify(script: Script, path: Path) -> Verification:
    return verify_script(path, script.variable, script.recorded, cwd=_run_dir(script))


def _arguments(prog: str, parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog=prog)
    p.add_argument("-o", "--output", help="the script to write (default: standard output)")
    p.add_argument(
        "--verify",
        action="store_true",
        help="run the script in a fresh interpreter and compare with the recorded value",
    )
    p.add_argument(
        "--check",
        metavar="SCRIPT",
        help="verify an existing script against the recorded value (nothing is written)",
    )
    p.add_argument(
        "--requirements", metavar="FILE", help="write pinned requirements of the imports"
    )
    return p


def cmd_scriptify(args: argparse.Namespace) -> int:
    from .cli import CommandError

    try:
        script = scriptify(args.trial, args.name, db=args.db)
    except ScriptifyError as exc:
        raise CommandError(str(exc)) from exc
    return _finish(script, args.output, args.verify, args.check, args.requirements)


def _finish(
    script: Script,
    output: str | None,
    verify: bool,
    check: str | None,
    requirements: str | None,
) -> int:
    if requirements:
        _write(requirements, requirements_text(script))
        print(f"wrote {requirements}", file=sys.stderr)
    if check:
        path = Path(check)
        if not path.is_file():  # runpy would run a folder's __main__.py
            reason = "is a directory" if path.is_dir() else "no such file"
            raise BadUsage(f"--check {check}: {reason}")
        return _report(script, _verify(script, path))
    if output in (None, "-"):
        if verify:
            raise BadUsage("--verify needs -o FILE.py")
        sys.stdout.write(script.text)
        return 0
    assert output is not None
    path = _write(output, script.text)
    print(
        f"wrote {path}: {len(script.cells)} cells, "
        f"{len(script.options)} options, prints repr({script.variable})",
        file=sys.stderr,
    )
    if verify:
        return _report(script, _verify(script, path))
    return 0


def _report(script: Script, result: Verification) -> int:
    status = "verified" if result.ok else "MISMATCH"
    print(f"{status}: {result.message}")
    return 0 if result.ok else 1


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov scriptify`` to the ``nbprov`` command."""
    p = subparsers.add_parser(
        "scriptify",
        help="write a standalone script that rebuilds a recorded value",
        description=(
            "Write the cells in NAME's backward slice as a plain Python script: magics "
            "translated, display-only lines dropped, hyperparameters and input files as "
            "options. The script prints repr(NAME) last."
        ),
    )
    p.add_argument("trial", help="id, name, 'latest', or -1 / -2 ... counting back")
    p.add_argument("name", help="the variable to rebuild")
    p.add_argument(
        "--db", help="store path or SQLAlchemy URL (default: $NBPROV_DB, else .nbprov/nbprov.db)"
    )
    _arguments("nbprov scriptify", p)
    p.set_defaults(handler=cmd_scriptify)


def scriptify_magic(shell: Any, recorder: Any, line: str) -> Any:
    """``%scriptify NAME [-o FILE.py] [--verify] [--requirements FILE]`` for the current
    trial; without ``-o`` the script is printed."""
    from IPython.core.error import UsageError

    from .render.terminal import neutralise
    from .usage import HelpShown, RaisingParser, split_line

    parser = _arguments("%scriptify", RaisingParser(prog="%scriptify"))
    parser.add_argument("name", help="the variable to rebuild")
    parser.add_argument("--trial", default=None, help="another trial (default: this one)")
    try:
        args = parser.parse_args(split_line(line))
    except HelpShown:
        return None
    except BadUsage as exc:
        raise UsageError(
            f"{exc}. usage: %scriptify NAME [-o FILE.py] [--verify] [--requirements FILE]"
        ) from exc
    recorder.writer.flush()
    trial = args.trial if args.trial is not None else recorder.trial_id
    try:
        script = scriptify(trial, args.name, store=recorder.store)
    except Exception as exc:  # store errors and unknown variables: one line
        raise UsageError(f"%scriptify: {neutralise(str(exc))}") from exc
    try:
        code = _finish(script, args.output, args.verify, args.check, args.requirements)
    except BadUsage as exc:
        raise UsageError(f"%scriptify: {exc}") from exc
    except OSError as exc:  # -o names a directory, a missing folder, a read-only file
        raise UsageError(f"%scriptify: {os_error_text(exc)}") from exc
    if code != 0:
        print(f"%scriptify: the script did not rebuild {args.name!r}", file=sys.stderr)
    return None
