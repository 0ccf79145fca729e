"""Which cell of a trial read what from which other cell: the data flows between its
activations, for marking the cells that depend on an edited one as stale.

A read of NAME by an activation flows from the latest earlier activation that bound or
changed NAME. Flows within one activation are left out.
"""

from __future__ import annotations

from typing import Any

from nbprov.lineage.slicing import Trace


def trace_flows(trace: Trace) -> list[dict[str, Any]]:
    """``{"name", "writer_seq", "writer_count", "reader_seq", "reader_count"}`` for every
    read that an earlier activation of the trial wrote, in execution order."""
    last: dict[str, tuple[int, int | None]] = {}
    flows: list[dict[str, Any]] = []
    for step in trace.steps:
        for name in sorted(step.reads):
            writer = last.get(name)
            if writer is not None and writer[0] != step.seq:
                flows.append(
                    {
                        "name": name,
                        "writer_seq": writer[0],
                        "writer_count": writer[1],
                        "reader_seq": step.seq,
                        "reader_count": step.execution_count,
                    }
                )
        for name in step.writes:
            last[name] = (step.seq, step.execution_count)
        for name in step.deletes:
            last.pop(name, None)
    return flows
