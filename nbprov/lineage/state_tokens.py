"""Tokens that change when an object's content changes, compared within one process.

The tracer takes a token of each object a cell could change, before and after the cell.
Unlike the fingerprints stored with values, these never leave the process, so they can
take the fastest route to the same answer: for pandas objects, the raw bytes of their
numeric columns, and ``pandas.util.hash_pandas_object`` of their other columns alone
(hashing a whole sample that way costs a millisecond or more per frame, each time a cell
passes one to a function).
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from nbprov.capture.values import SAMPLE_ROWS, fingerprint

# NumPy dtype kinds whose raw bytes are the values themselves (no Python objects).
_RAW_KINDS = frozenset("biufcmM")
# Attribute levels read for an object's token: pipeline -> steps -> (name, step) -> step
# -> its fitted arrays.
OBJECT_DEPTH = 6


def state_token(obj: object) -> str | None:
    """A token of ``obj``'s content (None when it cannot be read cheaply and safely)."""
    if type(obj).__module__.split(".", 1)[0] == "pandas" and "pandas" in sys.modules:
        try:
            token = _pandas_token(obj)
        except Exception:
            token = None
        if token is not None:
            return token
    try:
        record = not isinstance(obj, (list, tuple, dict, set, frozenset)) and isinstance(
            getattr(obj, "__dict__", None), dict
        )
    except Exception:
        record = False
    # Composite models keep their state a few levels down (a pipeline's steps hold fitted
    # estimators whose arrays changed): look deeper than a stored summary does.
    return fingerprint(obj, depth=OBJECT_DEPTH) if record else fingerprint(obj)


def _raw(dtype: Any) -> bool:
    import numpy as np

    return isinstance(dtype, np.dtype) and dtype.kind in _RAW_KINDS


def _pandas_token(obj: Any) -> str | None:
    import pandas as pd

    if not isinstance(obj, (pd.DataFrame, pd.Series)):
        return None
    h = hashlib.sha256()
    h.update(f"{type(obj).__name__}{obj.shape}".encode())
    sample = obj if len(obj) <= SAMPLE_ROWS else obj.iloc[:: max(1, len(obj) // SAMPLE_ROWS)]
    index = sample.index
    if isinstance(index, pd.RangeIndex):
        h.update(repr((index.start, index.stop, index.step)).encode())
    elif _raw(index.dtype):
        h.update(index.to_numpy().tobytes())
    else:
        h.update(pd.util.hash_pandas_object(index, index=False).to_numpy().tobytes())
    if isinstance(sample, pd.Series):
        _feed_column(h, sample)
        return h.hexdigest()
    h.update(repr(list(sample.columns)).encode())
    if all(_raw(dtype) for dtype in sample.dtypes):
        values = sample.to_numpy()  # one array of a common dtype (no copy when uniform)
        h.update(values.dtype.str.encode())
        h.update(values.tobytes())
        return h.hexdigest()
    # Mixed: column by column, so that one text column does not turn the whole sample
    # into Python objects (and the token into the stored fingerprint's slower hash).
    for _, column in sample.items():
        _feed_column(h, column)
    return h.hexdigest()


def _feed_column(h: Any, column: Any) -> None:
    import pandas as pd

    h.update(str(column.dtype).encode())
    if _raw(column.dtype):
        h.update(column.to_numpy().tobytes())
    else:
        h.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
