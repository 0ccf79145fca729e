"""The search space of a sweep, from ``--param NAME=SPACE`` arguments.

SPACE is one of::

    float:LOW:HIGH     a real number, uniform between LOW and HIGH
    log:LOW:HIGH       a positive real number, uniform in log scale
    int:LOW:HIGH       an integer from LOW to HIGH, both included
    choice:A,B,C       one of the listed values
    A,B,C              a list of values: the grid of a grid search (a choice otherwise)

Values in lists are typed as ``nbprov run -p`` types them (int, float, bool, None, str).
A grid search needs every parameter to be a list, a choice or an int range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nbprov.runs.params import GridError, ParamValue, guess_value

__all__ = ["Dimension", "SpaceError", "grid_size", "grid_space", "parse_param", "parse_space"]

KINDS = ("float", "log", "int", "choice", "list")


class SpaceError(GridError):
    """A malformed ``--param`` argument."""


@dataclass(frozen=True)
class Dimension:
    """One searched parameter: its name, kind and range or values."""

    name: str
    kind: str  # one of KINDS
    low: float | int | None = None
    high: float | int | None = None
    values: tuple[ParamValue, ...] = ()

    def describe(self) -> str:
        if self.kind in ("choice", "list"):
            return f"{self.kind}:{','.join(str(v) for v in self.values)}"
        return f"{self.kind}:{self.low}:{self.high}"

    def grid_values(self) -> list[ParamValue]:
        """The values a grid search visits (every value of a list, choice or int range)."""
        if self.kind in ("choice", "list"):
            return list(self.values)
        if self.kind == "int":
            assert isinstance(self.low, int) and isinstance(self.high, int)
            return list(range(self.low, self.high + 1))
        raise SpaceError(
            f"--param {self.name}={self.describe()}: a grid search needs a list of values, "
            "a choice or an int range"
        )

    def suggest(self, trial: Any) -> ParamValue:
        """Ask an Optuna trial for this parameter's value."""
        if self.kind == "float":
            return float(trial.suggest_float(self.name, self.low, self.high))
        if self.kind == "log":
            return float(trial.suggest_float(self.name, self.low, self.high, log=True))
        if self.kind == "int":
            return int(trial.suggest_int(self.name, self.low, self.high))
        value: ParamValue = trial.suggest_categorical(self.name, list(self.values))
        return value


def _number(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SpaceError(f"{text!r} is not a number in --param {spec!r}") from None
    if not math.isfinite(value):
        raise SpaceError(f"{text!r} is not a finite number in --param {spec!r}")
    return value


def _integer(text: str, spec: str) -> int:
    value = guess_value(text)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SpaceError(f"{text!r} is not an integer in --param {spec!r}")
    return value


def _values(text: str, spec: str) -> tuple[ParamValue, ...]:
    items = text.split(",")
    if not text.strip() or any(not item.strip() for item in items):
        raise SpaceError(f"empty value in --param {spec!r}")
    values = tuple(guess_value(item) for item in items)
    seen: list[ParamValue] = []
    for value in values:
        if any(type(value) is type(other) and value == other for other in seen):
            raise SpaceError(f"value {value!r} listed twice in --param {spec!r}")
        seen.append(value)
    return values


def parse_param(spec: str) -> Dimension:
    """``"alpha=log:1e-3:100"`` into a :class:`Dimension`."""
    name, sep, space = spec.partition("=")
    name = name.strip()
    if not sep or not space.strip():
        raise SpaceError(f"a parameter is given as NAME=SPACE (got {spec!r})")
    if not name.isidentifier():
        raise SpaceError(f"parameter name {name!r} is not a Python identifier")
    kind, colon, rest = space.partition(":")
    kind = kind.strip().lower()
    if colon and kind in ("float", "log", "int"):
        bounds = rest.split(":")
        if len(bounds) != 2:
            raise SpaceError(f"{kind} space is {kind}:LOW:HIGH (got {spec!r})")
        if kind == "int":
            low_i, high_i = (_integer(b, spec) for b in bounds)
            if low_i > high_i:
                raise SpaceError(f"LOW is above HIGH in --param {spec!r}")
            return Dimension(name, kind, low_i, high_i)
        low, high = (_number(b, spec) for b in bounds)
        if low > high:
            raise SpaceError(f"LOW is above HIGH in --param {spec!r}")
        if kind == "log" and low <= 0:
            raise SpaceError(f"a log space needs LOW above 0 (got {spec!r})")
        return Dimension(name, kind, low, high)
    if colon and kind == "choice":
        return Dimension(name, "choice", values=_values(rest, spec))
    # "path:x" stays a value, but "flaot:1:2" is a typo worth naming.
    bounds = rest.split(":")
    if colon and kind.isidentifier() and len(bounds) == 2 and all(map(_is_number, bounds)):
        raise SpaceError(
            f"unknown space {kind!r} in --param {spec!r} (float, log, int, choice, "
            "or a list of values)"
        )
    return Dimension(name, "list", values=_values(space, spec))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_space(specs: Iterable[str]) -> list[Dimension]:
    """Every ``--param``; a name given twice is an error."""
    dims = [parse_param(spec) for spec in specs]
    names = [d.name for d in dims]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SpaceError(f"--param given twice for {', '.join(twice)}")
    if not dims:
        raise SpaceError("give at least one --param NAME=SPACE")
    return dims


def grid_space(dims: Sequence[Dimension]) -> dict[str, list[ParamValue]]:
    """The search space of Optuna's grid sampler."""
    return {d.name: d.grid_values() for d in dims}


def grid_size(dims: Sequence[Dimension]) -> int:
    return math.prod(len(v) for v in grid_space(dims).values())
