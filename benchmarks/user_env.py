"""Run a benchmark in the environment a user has, not a developer's.

A developer measures with nbprov installed editable into a lean virtual environment. A
user has it from a wheel, in an environment that also holds JupyterLab and the usual
scientific stack, and that environment's size is part of what nbprov costs (package
metadata to read, more modules to map). This script builds the wheel from the checkout,
installs it with JupyterLab, matplotlib and scipy into a fresh virtual environment, and
runs the given benchmark script there, with that environment's kernels.

Usage::

    python benchmarks/user_env.py bench_overhead.py --reps 5 --only tiny_300
    python benchmarks/user_env.py --keep /tmp/nbprov-user-env bench_startup.py

``--keep DIR`` reuses (or creates) the environment in DIR instead of a temporary one; a
reused one gets a new wheel of the checkout each time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# What a data scientist's environment holds besides nbprov and its demo extras.
USER_PACKAGES = ["jupyterlab>=4,<5", "matplotlib", "scipy"]


def build_wheel(python: Path, source: Path, out: Path, *, lab: bool = True) -> Path:
    """nbprov's wheel, built by ``python`` from the checkout (or export) at ``source``.

    ``lab=False`` leaves out the JupyterLab extension: hatch-jupyter-builder, the build hook
    that runs npm, skips itself when SKIP_JUPYTER_BUILDER is set. The kernel's side of
    nbprov is the same either way.
    """
    env = dict(os.environ)
    if not lab:
        env["SKIP_JUPYTER_BUILDER"] = "1"
    subprocess.run(
        [str(python), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        check=True,
        env=env,
    )
    (wheel,) = out.glob("nbprov-*.whl")
    return wheel


def build_environment(
    where: Path,
    source: Path = ROOT,
    *,
    constraints: Path | None = None,
    lab: bool = True,
    refresh: bool = False,
) -> Path:
    """A fresh venv at ``where`` with nbprov's wheel and a user's packages; its python.

    The wheel is built from ``source``; ``constraints`` (a pip constraints file, such as
    another environment's ``pip freeze``) pins the versions of everything else. An
    environment already at ``where`` is reused as it is, or, with ``refresh``, given a
    wheel of ``source`` as it is now (the rest of it unchanged).
    """
    python = where / "bin" / "python"
    if python.exists():
        if refresh:
            with tempfile.TemporaryDirectory(prefix="nbprov-wheel-") as out:
                wheel = build_wheel(python, source, Path(out), lab=lab)
                subprocess.run(
                    [
                        str(python),
                        "-m",
                        "pip",
                        "install",
                        "-q",
                        "--no-deps",
                        "--force-reinstall",
                        str(wheel),
                    ],
                    check=True,
                )
        return python
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    wheel = build_wheel(python, source, where / "wheels", lab=lab)
    pins = ["-c", str(constraints)] if constraints else []
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{wheel}[demo]", *USER_PACKAGES, *pins],
        check=True,
    )
    return python


def benchmark_env(python: Path) -> dict[str, str]:
    """The environment variables to run a benchmark script with ``python``'s nbprov."""
    env = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)  # the wheel's nbprov, not the checkout's
    env["NBPROV_BENCH_INSTALLED"] = "1"
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="the environment's folder (kept)")
    parser.add_argument("script", help="a benchmark in benchmarks/, e.g. bench_overhead.py")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the benchmark's own options")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nbprov-user-env-") as scratch:
        where = options.keep or Path(scratch) / "venv"
        # A kept environment gets the checkout's nbprov as it is now, never an old one.
        python = build_environment(where, refresh=True)
        env = benchmark_env(python)
        # Run from outside the checkout so that `import nbprov` finds the installed wheel.
        return subprocess.run(
            [str(python), str(HERE / options.script), *options.args],
            cwd=scratch,
            env=env,
            check=False,
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
