"""The extension's TypeScript checks, run from pytest so CI runs them with the rest:
the strict type check of src/ and test/, the vitest unit tests, eslint and prettier."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support import strip_ansi

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


def _npx(*args: str) -> subprocess.CompletedProcess[str]:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx (Node.js) is not installed")
    if not (LABEXTENSION / "node_modules" / ".bin" / args[0]).exists():
        pytest.skip("labextension/node_modules is not installed (pip install -e . or npm ci)")
    return subprocess.run(
        [npx, "--no-install", *args],
        cwd=LABEXTENSION,
        env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_typescript_is_strictly_typed() -> None:
    result = _npx("tsc", "-p", "tsconfig.test.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_vitest_unit_tests_pass() -> None:
    result = _npx("vitest", "run", "--reporter=dot")
    # Reporters colour their output under CI=true whatever they are told: strip it.
    output = strip_ansi(result.stdout + result.stderr)
    assert result.returncode == 0, output
    assert re.search(r"Tests\s+\d+ passed", output), output


def test_eslint_reports_no_problems() -> None:
    result = _npx("eslint", ".")
    assert result.returncode == 0, strip_ansi(result.stdout + result.stderr)


def test_sources_are_prettier_formatted() -> None:
    result = _npx("prettier", "--check", ".")
    output = strip_ansi(result.stdout + result.stderr)
    assert result.returncode == 0, output
    assert "All matched files use Prettier code style" in output, output
