"""Checking a script: run it in a fresh interpreter and compare the value it builds with
the recorded one (equal for exact values, the same fingerprint otherwise)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from nbprov.core.scriptify.script import RecordedValue, Script, Verification

# -- checking a script -----------------------------------------------------------------

_DRIVER = """
import json, runpy, sys
from nbprov.capture.values import summarize
path, name, out = sys.argv[1:4]
sys.argv = [path]
namespace = runpy.run_path(path, run_name="__main__")
if name not in namespace:
    raise SystemExit(f"the script did not define {name!r}")
value, exact, fingerprint = summarize(namespace[name])
with open(out, "w") as handle:
    json.dump({"value": value, "exact": exact, "fingerprint": fingerprint}, handle)
"""


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


def verify_script(
    path: str | Path,
    variable: str,
    recorded: RecordedValue | None,
    *,
    cwd: str | Path | None = None,
    timeout: float | None = 1800,
) -> Verification:
    """Run the script at ``path`` in a fresh interpreter; compare ``variable`` with the
    recorded value (equal when exact, same fingerprint otherwise)."""
    if recorded is None:
        return Verification(False, f"no value of {variable!r} was recorded to compare with")
    with tempfile.TemporaryDirectory(prefix="nbprov-verify-") as tmp:
        out = Path(tmp) / "value.json"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _DRIVER, str(Path(path).resolve()), variable, str(out)],
                capture_output=True,
                text=True,
                cwd=str(cwd) if cwd is not None else None,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Verification(False, f"the script ran longer than {timeout} seconds")
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return Verification(False, f"the script failed: {tail}")
        got = json.loads(out.read_text())
    if recorded.exact:
        if got["exact"] and _normal(got["value"]) == _normal(recorded.value):
            return Verification(True, f"{variable} = {got['value']!r}, as recorded", got["value"])
        shown = got["value"] if got["exact"] else got["value"].get("repr")
        return Verification(
            False,
            f"{variable} = {shown!r}, recorded {recorded.value!r}",
            got["value"],
            got["fingerprint"],
        )
    if recorded.fingerprint is None:
        return Verification(False, f"the recorded {variable!r} has no fingerprint to compare with")
    if got["fingerprint"] == recorded.fingerprint:
        return Verification(
            True,
            f"{variable} has the recorded fingerprint {recorded.fingerprint}",
            got["value"],
            got["fingerprint"],
        )
    return Verification(
        False,
        f"{variable} fingerprint {got['fingerprint']} differs from the recorded "
        f"{recorded.fingerprint}",
        got["value"],
        got["fingerprint"],
    )


def requirements_text(script: Script) -> str:
    """Pinned requirements (``dist==version``) of the packages the slice imports."""
    lines = [f"# packages imported by the slice of {script.variable} (nbprov trial {script.trial})"]
    lines += [f"{dist}=={version}" for dist, version in script.packages.items()]
    return "\n".join(lines) + "\n"
