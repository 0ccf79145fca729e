"""The activation store: one open store (:class:`Store`), and what it is made of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nbprov.store.errors import StoreError

__all__ = ["Store", "StoreError", "insert_ignore", "open_store", "store_session"]

if TYPE_CHECKING:
    from nbprov.store.connection import Store, insert_ignore, open_store, store_session
else:

    def __getattr__(name: str) -> Any:
        # SQLAlchemy loads with the first use of the store, not with the package: the
        # kernel's hooks import pieces of it without needing a database on their thread.
        if name in __all__:
            from nbprov.store import connection

            return getattr(connection, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
