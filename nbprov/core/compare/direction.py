"""Which way a metric improves: as tagged (``%tag_var NAME metric --max|--min``), else
guessed from its name. The one place this rule lives on the Python side; the lab panel
keeps a copy only for servers that send no direction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

Direction = Literal["max", "min"]
DIRECTIONS: tuple[Direction, ...] = ("max", "min")
# Where a resolved direction came from: the tag, or the metric's name.
STORED, GUESSED = "stored", "name"

# Names that say lower is better: losses, errors, costs, times.
_LOWER_IS_BETTER = re.compile(
    r"(loss|err(or)?s?\b|error|mse|mae|mape|rmse|cost|time|latency|regret|perplexity)",
    re.IGNORECASE,
)


def guessed_direction(name: str) -> Direction:
    """``min`` for names like ``val_loss`` or ``rmse``, else ``max``."""
    return "min" if _LOWER_IS_BETTER.search(name) else "max"


def resolve_direction(name: str, stored: Iterable[str | None]) -> tuple[Direction, str]:
    """The direction of metric ``name`` and its source (:data:`STORED` or :data:`GUESSED`).

    ``stored`` are the directions tagged in the trials concerned, most recent first: the
    latest tag with a direction wins, since re-tagging changes it for later trials.
    """
    for value in stored:
        direction = _as_direction(value)
        if direction is not None:
            return direction, STORED
    return guessed_direction(name), GUESSED


def verdict(row: dict[str, Any], k: int) -> Literal["better", "worse"] | None:
    """For a metric row of a comparison, whether trial ``k`` did better or worse than the
    baseline; None when it is the baseline, unchanged, not a number or not a metric."""
    if row.get("group") != "metric" or k == 0:
        return None
    deltas = row.get("deltas") or []
    delta = deltas[k] if k < len(deltas) else None
    if not isinstance(delta, (int, float)) or isinstance(delta, bool) or delta == 0:
        return None
    return "better" if (delta > 0) == (row_direction(row) == "max") else "worse"


def row_direction(row: dict[str, Any]) -> Direction:
    """A metric row's direction; a row from before rows carried one goes by its name."""
    direction = _as_direction(row.get("direction"))
    return direction or guessed_direction(str(row.get("name", "")))


def _as_direction(value: object) -> Direction | None:
    # Anything but max or min (a store edited by hand) says nothing.
    if value == "max":
        return "max"
    if value == "min":
        return "min"
    return None
