"""The activation store: one open store (:class:`Store`), and what it is made of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import StoreError

__all__ = ["Store", "StoreError", "insert_ignore"]

if TYPE_CHECKING:
    from .connection import Store, insert_ignore
else:

    def __getattr__(name: str) -> Any:
        # SQLAlchemy loads with the first use of the store, not with the package: the
        # kernel's hooks import pieces of it without needing a database on their thread.
        if name in ("Store", "insert_ignore"):
            from . import connection

            return getattr(connection, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
