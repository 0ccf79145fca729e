"""``--verify``: run a generated package's tests in a fresh interpreter.

pytest runs ``tests/test_pipeline.py`` in the package folder and writes a JUnit report;
each failing ``test_target[NAME]`` names a target that differs from the record, and a
failing ``test_luigi_run`` says the Luigi run did not rebuild them. Without pytest the
package's own ``python -m PKG --check`` does the comparison of the plain runner.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PipelineVerification", "verify_package"]

TARGET_TEST = re.compile(r"^test_target\[(?P<name>.+)\]$")


@dataclass
class PipelineVerification:
    """The outcome of :func:`verify_package`."""

    ok: bool
    passed: list[str] = field(default_factory=list)  # targets that match
    differing: dict[str, str] = field(default_factory=dict)  # target -> why
    other: dict[str, str] = field(default_factory=dict)  # other failed tests -> why
    output: str = ""

    @property
    def message(self) -> str:
        if self.ok:
            return f"{len(self.passed)} targets as recorded: {', '.join(self.passed)}"
        lines = [f"{name}: {why}" for name, why in self.differing.items()]
        lines += [f"{name}: {why}" for name, why in self.other.items()]
        return "\n".join(lines) or "the tests failed: " + (self.output.strip()[-500:] or "?")


def _first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip().startswith("E "):
            return line.strip()[2:].strip()
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "failed"


def _junit(path: Path, result: PipelineVerification) -> None:
    root = ElementTree.parse(path).getroot()
    for case in root.iter("testcase"):
        name = case.get("name", "")
        found = TARGET_TEST.match(name)
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            if found and case.find("skipped") is None:
                result.passed.append(found.group("name"))
            continue
        why = problem.get("message") or _first_line(problem.text)
        if found:
            result.differing[found.group("name")] = why.replace("AssertionError: ", "")
        else:
            result.other[name] = why


def verify_package(
    folder: str | Path, package: str, *, timeout: float | None = 3600
) -> PipelineVerification:
    """Run the package's tests with this Python in a new process."""
    root = Path(folder).resolve()
    if importlib.util.find_spec("pytest") is None:
        proc = subprocess.run(
            [sys.executable, "-m", package, "--check"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = PipelineVerification(proc.returncode == 0, output=proc.stdout + proc.stderr)
        for line in proc.stderr.splitlines():
            status, _, message = line.partition(": ")
            name = message.split(" ", 1)[0]
            if status == "ok":
                result.passed.append(name)
            elif status == "differs":
                result.differing[name] = message
        return result
    with tempfile.TemporaryDirectory(prefix="nbprov-pipeline-") as tmp:
        report = Path(tmp) / "junit.xml"
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    f"--junitxml={report}",
                    "--rootdir",
                    str(root),
                    "tests/test_pipeline.py",
                ],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return PipelineVerification(False, other={"tests": f"ran over {timeout} seconds"})
        result = PipelineVerification(proc.returncode == 0, output=proc.stdout + proc.stderr)
        if report.is_file():
            _junit(report, result)
    result.ok = proc.returncode == 0 and not result.differing and not result.other
    return result
