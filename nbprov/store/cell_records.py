"""The rows of executed cells as records: tuples in each table's columns' order.

The recorder builds them (``activations``), and the writes take them as they are: the
SQLite driver positionally (``driver_writes``), SQLAlchemy Core keyed by column name.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# Each table's columns in the order its records (tuples) give them: the order SQLAlchemy
# compiles them in, which the SQLite writes check (see ``driver_writes``).
CODE_COLUMNS = ("hash", "source")
ACTIVATION_COLUMNS = (
    "trial_id",
    "execution_count",
    "seq",
    "cell_id",
    "cell_hash",
    "stage",
    "started_at",
    "duration",
    "status",
    "error_type",
    "error_message",
)
ACCESS_COLUMNS = ("activation_id", "name", "kind")
VALUE_COLUMNS = (
    "trial_id",
    "activation_id",
    "execution_count",
    "seq",
    "name",
    "value",
    "exact",
    "fingerprint",
)
Record = tuple[Any, ...]


class Ending(NamedTuple):
    """The activation columns known when a cell ends. An ending sets every one of them,
    so the updates of a burst of cells written while running share one statement."""

    duration: float
    status: str
    execution_count: int | None
    stage: str | None = None
    error_type: str | None = None
    error_message: str | None = None
