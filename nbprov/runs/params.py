"""Notebook parameters from the command line: type guessing and grids.

Values typed on the command line are text. As in papermill's ``-p NAME VALUE``, a value
that reads as an integer becomes an ``int``, then ``float``, then ``True``/``False`` and
``None``; anything else stays a string. A grid (``--grid alpha=0.1,1,10``) lists the
values of one parameter; several grids run their cross product.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

__all__ = [
    "GridError",
    "grid_label",
    "grid_points",
    "guess_value",
    "parse_grid",
    "parse_parameters",
]

ParamValue = int | float | bool | str | None

_INT = re.compile(r"^[+-]?\d+$")
_BOOLS = {"true": True, "false": False}
_NONES = {"none", "null"}


class GridError(ValueError):
    """A malformed ``-p`` or ``--grid`` argument."""


def guess_value(text: str) -> ParamValue:
    """The typed value of a command-line parameter (int, float, bool, None, else str)."""
    stripped = text.strip()
    if _INT.match(stripped):
        return int(stripped)
    try:
        number = float(stripped)
    except ValueError:
        pass
    else:
        # "nan"/"inf" spelled out are more likely meant as words than as floats.
        if any(ch.isdigit() for ch in stripped):
            return number
    lowered = stripped.lower()
    if lowered in _BOOLS:
        return _BOOLS[lowered]
    if lowered in _NONES:
        return None
    return text


def _check_name(name: str) -> str:
    if not name.isidentifier():
        raise GridError(f"parameter name {name!r} is not a Python identifier")
    return name


def parse_parameters(pairs: Iterable[Sequence[str]]) -> dict[str, ParamValue]:
    """``[(NAME, VALUE), ...]`` from ``-p NAME VALUE`` into typed parameters.

    A later value for the same name replaces an earlier one.
    """
    params: dict[str, ParamValue] = {}
    for pair in pairs:
        if len(pair) != 2:
            raise GridError("a parameter is given as -p NAME VALUE")
        name, value = pair
        params[_check_name(name)] = guess_value(value)
    return params


def parse_grid(spec: str) -> tuple[str, list[ParamValue]]:
    """``"alpha=0.1,1,10"`` into ``("alpha", [0.1, 1, 10])``."""
    name, sep, values = spec.partition("=")
    if not sep or not values.strip():
        raise GridError(f"a grid is given as NAME=V1,V2,... (got {spec!r})")
    items = values.split(",")
    if any(not v.strip() for v in items):
        raise GridError(f"empty value in grid {spec!r}")
    return _check_name(name.strip()), [guess_value(v) for v in items]


def grid_points(
    grids: Sequence[tuple[str, Sequence[ParamValue]]],
    base: dict[str, ParamValue] | None = None,
) -> list[dict[str, ParamValue]]:
    """The cross product of the grids, first grid varying slowest, each point on top of
    ``base`` (the fixed ``-p`` parameters). A name given twice is an error."""
    names = [name for name, _ in grids]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GridError(f"grid given twice for {', '.join(duplicates)}")
    points = []
    for combo in itertools.product(*(values for _, values in grids)):
        point = dict(base or {})
        point.update(zip(names, combo, strict=True))
        points.append(point)
    return points


def grid_label(point: dict[str, ParamValue], names: Sequence[str]) -> str:
    """``alpha=0.1,seed=1``: the grid coordinates of one point, for names and files."""
    return ",".join(f"{name}={point[name]}" for name in names)
