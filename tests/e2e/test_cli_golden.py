"""Golden outputs: every CLI command's JSON (and the text of ``scriptify`` and ``export``)
on the demo store, compared with files committed in tests/golden/cli/.

The outputs are the API scripts read, so a change to them must be deliberate: regenerate
with ``NBPROV_GOLDEN_UPDATE=1 pytest tests/e2e/test_cli_golden.py`` and review the diff.
What depends on the machine or the moment (times, uuids, paths, the environment, package
versions) is replaced by placeholders, and floats are compared to 9 significant digits.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "cli"

# name of the golden file -> the command's arguments (after ``nbprov``)
COMMANDS: dict[str, list[str]] = {
    "trials": ["trials", "--format", "json"],
    "show_1": ["show", "1", "--format", "json"],
    "show_latest": ["show", "latest", "--format", "json"],
    "deps_latest_r2": ["deps", "latest", "r2", "--format", "json"],
    "deps_1_accuracy": ["deps", "1", "accuracy", "--format", "json"],
    "compare_last_two_why_r2": ["compare", "-2", "-1", "--why", "r2", "--format", "json"],
    "compare_all": ["compare", "1", "2", "3", "4", "--format", "json"],
    "scriptify_latest_r2": ["scriptify", "latest", "r2"],
    "export_latest": ["export", "latest", "--format", "prov-json"],
}

# "dirty" and git_dirty: whether the checkout had uncommitted changes when the demo ran.
_VOLATILE_KEYS = {"started_at", "ended_at", "duration_s", "uuid", "environment", "dirty"}
_TEXT_PATTERNS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?"), "<time>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{40}\b"), "<git>"),
    (re.compile(r" at 0x[0-9a-f]+"), " at <address>"),
    # A module's repr names the environment it was imported from.
    (re.compile(r"from '[^']*?/site-packages/"), "from '<site-packages>/"),
    (re.compile(r"<git> \(uncommitted changes\)"), "<git>"),
    (re.compile(r'("nbprov:git_dirty": )(true|false)'), r"\1<dirty>"),
    # The parameters cell a headless run injects gets a random id each run.
    (re.compile(r'("(?:nbprov:)?cell_id": )"[0-9a-f]{8}"'), r'\1"<injected>"'),
    (re.compile(r"(Python:\s+|Python |python==)\d+\.\d+\.\d+"), r"\1<version>"),
    (re.compile(r"\b([A-Za-z][\w.-]*)==[\w.+-]+"), r"\1==<version>"),
]


def _text(value: str, root: Path) -> str:
    value = value.replace(str(root), "<store>").replace(str(REPO), "<repo>")
    for pattern, replacement in _TEXT_PATTERNS:
        value = pattern.sub(replacement, value)
    return value


def _field(key: str, value: Any, root: Path) -> Any:
    if key in _VOLATILE_KEYS and value is not None:
        return "<volatile>"
    if key == "cell_id" and isinstance(value, str) and re.fullmatch("[0-9a-f]{8}", value):
        return "<injected>"
    return normalise(value, root)


def normalise(value: Any, root: Path) -> Any:
    """``value`` with the machine- and moment-dependent parts replaced."""
    if isinstance(value, dict):
        return {k: _field(k, v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, root) for v in value]
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, str):
        return _text(value, root)
    return value


def _environment_text(text: str) -> str:
    # PROV documents carry the machine's facts: host, user, platform, a run's temp folder.
    for fact in (socket.gethostname(), getpass.getuser()):
        text = text.replace(f'"prov:label": "{fact}"', '"prov:label": "<machine>"')
    text = re.sub(r'("nbprov:platform": )"[^"]*"', r'\1"<machine>"', text)
    text = re.sub(r"file%3A%2Ftmp%2F[\w]+", "file%3A<run folder>", text)
    return re.sub(r'"file:/[^"]*"', '"file:<run folder>"', text)


def library_versions() -> str:
    """The libraries whose versions show in the outputs (type names, fingerprints)."""
    from importlib.metadata import version

    libraries = ("numpy", "pandas", "scikit-learn")
    return "".join(f"{name}=={'.'.join(version(name).split('.')[:2])}\n" for name in libraries)


UPDATE = os.environ.get("NBPROV_GOLDEN_UPDATE") == "1"
RECORDED_WITH = GOLDEN / "versions.txt"
# Type names and fingerprints in the outputs change with these libraries' versions.
pytestmark = pytest.mark.skipif(
    not UPDATE and RECORDED_WITH.exists() and RECORDED_WITH.read_text() != library_versions(),
    reason="the golden files were recorded with other numpy/pandas/scikit-learn versions",
)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden")
    subprocess.run(
        [sys.executable, "-m", "nbprov", "demo", "--db", str(root / "demo.db")],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return root


def run_cli(root: Path, args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "nbprov", *args, "--db", str(root / "demo.db")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def golden_form(name: str, output: str, root: Path) -> str:
    if name.startswith("export"):
        return _environment_text(_text(output, root))
    if "--format" in COMMANDS[name] and "json" in COMMANDS[name]:
        return json.dumps(normalise(json.loads(output), root), indent=2, sort_keys=True) + "\n"
    return _text(output, root)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_output_matches_its_golden_file(demo_store: Path, name: str) -> None:
    got = golden_form(name, run_cli(demo_store, COMMANDS[name]), demo_store)
    path = GOLDEN / (name + (".json" if "json" in " ".join(COMMANDS[name]) else ".txt"))
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
        RECORDED_WITH.write_text(library_versions())
    assert path.exists(), f"no golden file {path}; regenerate with NBPROV_GOLDEN_UPDATE=1"
    assert got == path.read_text()
