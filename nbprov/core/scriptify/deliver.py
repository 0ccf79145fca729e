"""Delivering a script: writing it and its requirements, and verifying it or an existing
script against the recorded value, with a one-line report."""

from __future__ import annotations

import sys
from pathlib import Path

from nbprov.core.scriptify.script import Script, ScriptifyError, Verification
from nbprov.core.scriptify.verify import requirements_text, verify_script


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


def deliver(
    script: Script,
    output: str | None,
    verify: bool,
    check: str | None,
    requirements: str | None,
) -> int:
    """Write ``script`` (to ``output``, else standard output), its pinned requirements,
    and verify it (or the existing script ``check``); the exit status: 1 on a mismatch.
    Raises :class:`ScriptifyError` for options that do not go together."""
    if requirements:
        _write(requirements, requirements_text(script))
        print(f"wrote {requirements}", file=sys.stderr)
    if check:
        path = Path(check)
        if not path.is_file():  # runpy would run a folder's __main__.py
            reason = "is a directory" if path.is_dir() else "no such file"
            raise ScriptifyError(f"--check {check}: {reason}")
        return _report(script, _verify(script, path))
    if output in (None, "-"):
        if verify:
            raise ScriptifyError("--verify needs -o FILE.py")
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
