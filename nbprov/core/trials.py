"""The core's read API, shared by the CLI, the notebook and the Jupyter server.

Each function opens the store named by ``db`` (else ``$NBPROV_DB``, else the default
file), answers with JSON-ready data and closes it again.
"""

from __future__ import annotations

from typing import Any

from nbprov.store import queries, store_session


def list_trials(
    db: str | None = None, notebook: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The documented ``nbprov trials --format json`` list."""
    with store_session(db) as session:
        return queries.list_trials(session, notebook=notebook, limit=limit)


def filter_trials(
    filter: str, db: str | None = None, notebook: str | None = None
) -> list[dict[str, Any]]:
    """``nbprov trials --filter FILTER --format json``: the trials the filter keeps, oldest
    first. A filter that does not parse raises :class:`~nbprov.core.compare.FilterError`
    with a one-line message, before the store is opened."""
    from nbprov.core.compare.filters import parse_filter
    from nbprov.core.compare.selection import select_trials

    parse_filter(filter)
    with store_session(db) as session:
        return select_trials(session, notebook=notebook, filter=filter)


def show_trial(ref: str | int, db: str | None = None) -> dict[str, Any]:
    """The documented ``nbprov show TRIAL --format json`` object."""
    with store_session(db) as session:
        return queries.show_trial(session, queries.resolve_trial(session, ref))


def trials_frame(records: list[dict[str, Any]]) -> Any:
    """Flatten trial records: one row per trial, one column per tagged value."""
    rows = []
    for record in records:
        row = {k: v for k, v in record.items() if k not in ("hyperparams", "metrics")}
        row.update(record["hyperparams"])
        row.update(record["metrics"])
        rows.append(row)
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)
