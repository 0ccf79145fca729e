"""Save and load a stage's values between Luigi tasks.

This module is copied as is into every generated package (it imports nothing from
nbprov). A stage's outputs go into one folder, a file per value, and ``manifest.json``
last, so a folder with a manifest is complete:

- pandas DataFrame → ``NAME.parquet``; a Series is saved as a one-column frame;
- numpy array (not of objects) → ``NAME.npy`` (no pickles);
- JSON scalars, and lists and dicts of them → ``NAME.json``;
- anything else (models, estimators...) → ``NAME.joblib`` (joblib, else pickle).

A value a format cannot hold (a frame with non-string column names, say) falls back to
the next format. Loading a joblib or pickle file runs code: load only folders you wrote.
"""

from __future__ import annotations

import json
import math
import os
import pickle
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SERIES_COLUMN = "__series__"


def _json_exact(value: Any) -> bool:
    """True when JSON gives back a value equal to ``value``, of the same types."""
    if value is None or type(value) in (bool, int, str):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(_json_exact(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _json_exact(v) for k, v in value.items())
    return False


def _kind(value: Any) -> str:
    module = type(value).__module__.split(".")[0]
    name = type(value).__name__
    if module == "pandas" and name in ("DataFrame", "Series"):
        return name.lower()
    if module == "numpy" and name == "ndarray" and value.dtype.kind != "O":
        return "array"
    if _json_exact(value):
        return "json"
    return "object"


def _save_object(value: Any, path: Path) -> dict[str, Any]:
    try:
        import joblib
    except ImportError:
        target = path.with_suffix(".pickle")
        with target.open("wb") as handle:
            pickle.dump(value, handle)
        return {"format": "pickle", "file": target.name}
    target = path.with_suffix(".joblib")
    joblib.dump(value, target)
    return {"format": "joblib", "file": target.name}


def save_value(value: Any, folder: Path, name: str) -> dict[str, Any]:
    """Write ``value`` into ``folder``; the manifest entry that loads it back."""
    kind = _kind(value)
    base = folder / name
    try:
        if kind == "dataframe":
            target = base.with_suffix(".parquet")
            value.to_parquet(target)
            return {"format": "parquet", "file": target.name}
        if kind == "series":
            target = base.with_suffix(".parquet")
            value.to_frame(name=SERIES_COLUMN).to_parquet(target)
            entry: dict[str, Any] = {"format": "parquet", "file": target.name, "series": True}
            if _json_exact(value.name):
                entry["name"] = value.name
                return entry
            target.unlink()
        if kind == "array":
            import numpy

            target = base.with_suffix(".npy")
            numpy.save(target, value, allow_pickle=False)
            return {"format": "npy", "file": target.name}
        if kind == "json":
            target = base.with_suffix(".json")
            target.write_text(json.dumps(value))
            return {"format": "json", "file": target.name}
    except (ValueError, TypeError, ImportError, OSError, ArithmeticError):
        pass  # the next format holds it
    except Exception as exc:  # pyarrow's own errors, when a frame is not Arrow-typed
        if type(exc).__module__.split(".")[0] != "pyarrow":
            raise
    return _save_object(value, base)


def load_value(folder: Path, entry: dict[str, Any]) -> Any:
    """The value a manifest entry describes."""
    path = folder / entry["file"]
    fmt = entry["format"]
    if fmt == "parquet":
        import pandas

        frame = pandas.read_parquet(path)
        if entry.get("series"):
            series = frame[SERIES_COLUMN]
            series.name = entry.get("name")
            return series
        return frame
    if fmt == "npy":
        import numpy

        return numpy.load(path, allow_pickle=False)
    if fmt == "json":
        return json.loads(path.read_text())
    if fmt == "joblib":
        import joblib

        return joblib.load(path)
    if fmt == "pickle":
        with path.open("rb") as handle:
            return pickle.load(handle)
    raise ValueError(f"unknown format {fmt!r} in {folder / MANIFEST}")


def save_all(values: dict[str, Any], folder: str | os.PathLike[str]) -> None:
    """Write every value, then the manifest (a folder with a manifest is complete)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {name: save_value(value, out, name) for name, value in values.items()}
    partial = out / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    partial.replace(out / MANIFEST)


def load_all(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Every value a folder written by :func:`save_all` holds."""
    out = Path(folder)
    manifest = json.loads((out / MANIFEST).read_text())
    return {name: load_value(out, entry) for name, entry in manifest.items()}
