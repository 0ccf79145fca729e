"""The one error type of the store, importable without loading SQLAlchemy."""

from __future__ import annotations


class StoreError(Exception):
    """A store problem worth a one-line message to the user (missing, newer schema, ...)."""
