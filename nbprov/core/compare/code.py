"""One cell whose code differs between two trials: its label, a size-capped unified diff
of the two sources, and, for each metric named, the "why" answer's word on that cell.

The comparison (:mod:`rows`) names a changed cell by the hashes of its two sources; this
answers the detail a front shows when asked about that one cell, so that the comparison
itself stays cheap.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nbprov.capture.source import cell_label
from nbprov.core.compare.facts import CompareError
from nbprov.core.compare.why import why_in_session
from nbprov.store import Store, store_session
from nbprov.store.models import Activation, Code
from nbprov.store.queries import resolve_trial

MAX_DIFF_LINES = 400
MAX_DIFF_CHARS = 20_000
LABEL_WIDTH = 80


def source_diff(
    before: str,
    after: str,
    *,
    fromfile: str,
    tofile: str,
    max_lines: int = MAX_DIFF_LINES,
    max_chars: int = MAX_DIFF_CHARS,
) -> tuple[str, bool]:
    """The unified diff of two sources (one line a line, each ending in a newline), cut
    after ``max_lines`` lines or ``max_chars`` characters; and whether it was cut."""
    text: list[str] = []
    size = 0
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), fromfile=fromfile, tofile=tofile, lineterm=""
    )
    for count, line in enumerate(lines):
        if count >= max_lines or size + len(line) + 1 > max_chars:
            return "".join(text), True
        text.append(line + "\n")
        size += len(line) + 1
    return "".join(text), False


def _sources(session: Session, trial_ids: Sequence[int], hashes: set[str]) -> dict[str, str]:
    """The sources of ``hashes`` that ran in one of ``trial_ids`` (no others are read)."""
    ran = set(
        session.scalars(
            select(Activation.cell_hash)
            .where(Activation.trial_id.in_(list(trial_ids)), Activation.cell_hash.in_(hashes))
            .distinct()
        )
    )
    missing = hashes - ran
    if missing:
        raise CompareError(
            f"no cell with code {sorted(missing)[0][:12]} ran in trial "
            f"{' or '.join(str(i) for i in trial_ids)}"
        )
    return dict(session.execute(select(Code.hash, Code.source).where(Code.hash.in_(ran))).all())


def cell_change_in_session(
    session: Session,
    a: str | int,
    b: str | int,
    before: str | None,
    after: str | None,
    metrics: Sequence[str] = (),
) -> dict[str, Any]:
    """See :func:`cell_change`."""
    if before is None and after is None:
        raise CompareError("name the cell's code in at least one of the two trials")
    trials = [resolve_trial(session, a), resolve_trial(session, b)]
    ids = [t.id for t in trials]
    sources = _sources(session, ids, {h for h in (before, after) if h})
    old = sources.get(before or "", "")
    new = sources.get(after or "", "")
    diff, truncated = source_diff(
        old,
        new,
        fromfile=f"trial {ids[0]}" if before else "/dev/null",
        tofile=f"trial {ids[1]}" if after else "/dev/null",
    )
    answers: list[dict[str, Any]] = []
    for metric in dict.fromkeys(metrics):
        try:
            found = why_in_session(session, ids[0], ids[1], metric)
        except CompareError as exc:
            answers.append({"metric": metric, "error": str(exc), "cell": None, "why": None})
            continue
        mine = next(
            (c for c in found["cells"] if c.get("cell_hashes") == [before, after]),
            None,
        )
        answers.append({"metric": metric, "error": None, "cell": mine, "why": found})
    return {
        "trials": ids,
        "cell_hashes": [before, after],
        "source_line": cell_label(old or new, LABEL_WIDTH),
        "diff": diff,
        "truncated": truncated,
        "why": answers,
    }


def cell_change(
    a: str | int,
    b: str | int,
    before: str | None,
    after: str | None,
    metrics: Sequence[str] = (),
    *,
    db: str | None = None,
    store: Store | None = None,
) -> dict[str, Any]:
    """A cell's code in trial ``a`` (source hash ``before``, None where it did not run)
    against trial ``b`` (``after``)::

        {
          "trials": [a, b],
          "cell_hashes": [before, after],
          "source_line": "model = Ridge(alpha)",   # the cell's label (cell_label)
          "diff": "--- trial 3\\n+++ trial 7\\n@@ ...",  # unified, at most MAX_DIFF_LINES
          "truncated": false,                      # whether the diff was cut
          "why": [{"metric", "error", "why", "cell"}]
        }

    ``why`` has one entry per metric named: the :func:`~nbprov.core.compare.why.why`
    answer for it between the two trials, and ``cell``, that answer's entry for this cell
    (null when the cell is not among the reasons the metric moved); ``error`` says why
    there is no answer (the metric was not computed in one of the trials).
    Only sources of cells that ran in one of the two trials are read.
    """
    with store_session(db, store) as session:
        return cell_change_in_session(session, a, b, before, after, metrics)
