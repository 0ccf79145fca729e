"""What scriptify produces: a script with its options and the value it should rebuild,
and the result of checking it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ARGS = "_args"  # the parsed options in the script's namespace
# Names the script's own preamble binds, and module globals every script has.
SCRIPT_NAMES = frozenset(
    {ARGS, "argparse", "os", "subprocess", "pathlib", "_options", "_flag", "_literal"}
    | {"__name__", "__file__", "__doc__", "__builtins__", "__spec__", "__loader__"}
    | {"__package__", "__cached__"}
)
PSEUDO_PREFIXES = ("file:", "random:")
MAX_PULLS = 8  # rounds of adding the slices of names a script still misses


class ScriptifyError(Exception):
    """The value cannot be rebuilt (unknown trial or variable, nothing recorded)."""


@dataclass(frozen=True)
class Option:
    """A command-line option of the script."""

    name: str  # the option without dashes, a Python identifier
    default: Any
    kind: str  # "hyperparam" | "path"
    help: str


@dataclass(frozen=True)
class RecordedValue:
    """The value the trial recorded for the variable (see nbprov.capture.values)."""

    value: Any
    exact: bool
    fingerprint: str | None


@dataclass
class Script:
    """A generated script and what is needed to check and describe it."""

    text: str
    trial: int
    variable: str
    recorded: RecordedValue | None
    options: list[Option] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # top-level modules imported
    packages: dict[str, str] = field(default_factory=dict)  # distribution -> version
    notebook: str | None = None
    cells: list[int | None] = field(default_factory=list)  # execution counts
    # cells not in the recorded slice, added because kept statements needed their names
    added: list[int | None] = field(default_factory=list)
    # each cell's translated statements: (seq, execution count, stage, body)
    sections: list[tuple[int, int | None, str | None, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify_script`."""

    ok: bool
    message: str
    value: Any = None
    fingerprint: str | None = None
