"""Which way a search optimises when ``--direction`` is not given: as the notebook's own
``%tag_var METRIC metric --max|--min`` line says (what its points will record), else as
its recorded trials tag the metric, else maximise."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from nbprov.core.compare.direction import STORED
from nbprov.core.compare.selection import tagged_direction
from nbprov.store import StoreError, store_session

DEFAULT = "max"
_TAG_VAR = re.compile(r"^[ \t]*%tag_var[ \t]+(.*)$", re.MULTILINE)
_FLAGS = {"--max": "max", "--min": "min"}


def declared_direction(notebook: Path, metric: str) -> str | None:
    """The direction of the last ``%tag_var METRIC metric`` line of the notebook's code
    cells (the one a run ends with), or None when it has no such line or no flag."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    found: str | None = None
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for line in _TAG_VAR.findall(str(cell.get("source", ""))):
            try:
                words = shlex.split(line, comments=True)
            except ValueError:  # the magic refuses the line too
                continue
            if [w for w in words if not w.startswith("-")] == [metric, "metric"]:
                flags = {_FLAGS[w] for w in words if w in _FLAGS}
                found = flags.pop() if len(flags) == 1 else None
    return found


def recorded_direction(db: str, notebook: str, metric: str) -> str | None:
    """The direction the notebook's recorded trials last tagged ``metric`` with, or None."""
    try:
        with store_session(db) as session:
            found = tagged_direction(session, notebook, metric)
    except StoreError:  # no store yet: nothing was recorded
        return None
    return found[0] if found is not None and found[1] == STORED else None


def default_direction(db: str, notebook: Path, metric: str) -> str:
    """The direction a new search of ``metric`` takes without ``--direction``."""
    return (
        declared_direction(notebook, metric)
        or recorded_direction(db, str(notebook.resolve()), metric)
        or DEFAULT
    )
