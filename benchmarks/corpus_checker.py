"""Run many generated scripts quickly: a process that imports the heavy libraries once and
forks a child per script, so each check pays for the script's own work, not for importing
numpy, pandas, scikit-learn and matplotlib again.

A child starts from the parent's state right after those imports (no user code has run
in the parent), reseeds the global random generators from the OS as a new interpreter
would, sets ``sys.argv`` and the working directory, runs the script with
``runpy`` as ``__main__`` and summarises the variable with nbprov's own
``nbprov.capture.values.summarize``, exactly as ``nbprov scriptify --verify`` does.

Protocol (one JSON object per line): the parent reads ``{"path", "name", "cwd",
"timeout"}`` on stdin and answers ``{"ok": bool, "error": str | null, "value", "exact",
"fingerprint"}`` on stdout.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PRELOAD = ("numpy", "scipy", "pandas", "sklearn", "matplotlib.pyplot")


def _child(request: dict[str, Any], out: str) -> None:
    import runpy

    from nbprov.capture.values import summarize

    os.chdir(request["cwd"])
    sys.argv = [request["path"]]
    # A fresh interpreter seeds the global generators from the OS; a forked child would
    # share its parent's state with every other child, hiding unseeded randomness.
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    # The script's prints are not the check's output.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        namespace = runpy.run_path(request["path"], run_name="__main__")
        name = request["name"]
        if name not in namespace:
            result: dict[str, Any] = {"ok": False, "error": f"{name!r} not defined"}
        else:
            value, exact, fingerprint = summarize(namespace[name])
            result = {"ok": True, "value": value, "exact": exact, "fingerprint": fingerprint}
    except BaseException as exc:  # the script's own failure is the answer
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    with open(out, "w") as handle:
        json.dump(result, handle, default=repr)


def _serve() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    for module in PRELOAD:
        try:
            __import__(module)
        except Exception:
            continue
    import nbprov.capture.values  # noqa: F401

    for line in sys.stdin:
        request = json.loads(line)
        with tempfile.TemporaryDirectory(prefix="nbprov-corpus-check-") as tmp:
            out = str(Path(tmp) / "result.json")
            pid = os.fork()
            if pid == 0:
                try:
                    _child(request, out)
                finally:
                    os._exit(0)
            deadline = time.monotonic() + float(request["timeout"])
            status: dict[str, Any] = {"ok": False, "error": "timeout"}
            while True:
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    if os.path.exists(out):
                        with open(out) as handle:
                            status = json.load(handle)
                    else:
                        status = {"ok": False, "error": "the script's process died"}
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.01)
        sys.stdout.write(json.dumps(status, default=repr) + "\n")
        sys.stdout.flush()


class Checker:
    """A running fork server (see the module docstring)."""

    def __init__(self) -> None:
        env = dict(os.environ, MPLBACKEND="Agg")
        self.proc = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def run(self, path: Path, name: str, cwd: Path, timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"path": str(path), "name": name, "cwd": str(cwd), "timeout": timeout}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the checker process ended")
        result: dict[str, Any] = json.loads(line)
        return result

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    _serve()
