"""Run two variants of a notebook side by side, cell by cell, in two live kernels.

Timing a whole notebook with nbprov and then the whole notebook without it compares runs
that are seconds apart, and on a shared machine the speed of the CPU drifts by more than
the few percent being measured over such spans. Here both kernels are started first, then
cell 1 runs in one kernel and at once in the other, then cell 2, and so on (which kernel
goes first alternates from cell to cell). Each cell's two timings are taken milliseconds
apart, so the drift cancels out of their ratio.

Only one kernel executes at a time. The other is idle, but its own background threads (the
store writer of nbprov's kernel) may run meanwhile; their CPU time is counted in that
kernel's CPU column, which spans from the first cell to a moment after the last one, once
the writer has had its quiet moment (``DRAIN_SECONDS``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if os.environ.get("NBPROV_BENCH_INSTALLED") != "1":  # else: the installed nbprov (user_env.py)
    sys.path.insert(0, str(HERE.parent))

try:
    from nbprov.runs.execute import (
        EXTENSION_ARGUMENTS,
        cell_kernel_seconds,
        kernel_cpu,
        kernel_env,
        normalize_db,
    )
except ModuleNotFoundError as missing:
    if missing.name != "nbprov.runs":
        raise
    # An installed nbprov from before the layout of cf0f429 (ab_overhead.py measures one).
    from nbprov.execute import (  # type: ignore[import-not-found,no-redef]
        EXTENSION_ARGUMENTS,
        cell_kernel_seconds,
        kernel_cpu,
        kernel_env,
        normalize_db,
    )

# After the last cell, how long the kernels are left alone before their CPU is read: the
# recorder writes its last rows (and reads package versions) once the kernel is quiet.
DRAIN_SECONDS = 1.5


@dataclass
class Variant:
    """One side of the comparison: a notebook, and whether nbprov is loaded at start-up."""

    name: str
    notebook: Any  # nbformat NotebookNode, executed in place
    nbprov: bool  # load nbprov at kernel start-up
    db: Path | None = None  # the store (NBPROV_DB), for nbprov loaded either way


@dataclass
class PairResult:
    seconds: dict[str, float] = field(default_factory=dict)  # in-kernel, summed over cells
    cpu: dict[str, float | None] = field(default_factory=dict)  # kernel CPU, drain included
    cell_seconds: dict[str, list[float]] = field(default_factory=dict)


def _client(variant: Variant, workdir: Path, timeout: int) -> Any:
    from nbclient import NotebookClient

    arguments = list(EXTENSION_ARGUMENTS) if variant.nbprov else []
    return NotebookClient(
        variant.notebook,
        timeout=timeout,
        startup_timeout=120,
        record_timing=True,
        extra_arguments=arguments,
        resources={"metadata": {"path": str(workdir)}},
    )


async def _run(variants: list[Variant], workdir: Path, timeout: int, flip: bool) -> PairResult:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NBPROV_")}
    clients = [_client(v, workdir, timeout) for v in variants]
    cells = [v.notebook.cells for v in variants]
    if len({len(c) for c in cells}) != 1:
        raise ValueError("the variants must have the same cells")
    result = PairResult()
    async with AsyncExitStack() as stack:
        for variant, client in zip(variants, clients, strict=True):
            db = normalize_db(variant.db) if variant.db else None
            env = kernel_env(workdir / "notebook.ipynb", db=db, trial_name=None, base=base)
            await stack.enter_async_context(client.async_setup_kernel(env=env))
            reply = await client.async_wait_for_reply(client.kc.kernel_info())
            if reply is None:
                raise RuntimeError(f"kernel of {variant.name} did not answer")
        cpu_start = [kernel_cpu(c) for c in clients]
        for index in range(len(cells[0])):
            order = list(range(len(clients)))
            if (index % 2 == 1) != flip:
                order.reverse()
            for k in order:
                cell = cells[k][index]
                if cell.cell_type != "code":
                    continue
                client = clients[k]
                cell_id = cell.get("id")
                if cell_id:
                    # As Jupyter front ends do: the cell's id rides on its execute request.
                    client.kc.session.metadata["cellId"] = str(cell_id)
                await client.async_execute_cell(
                    cell, index, execution_count=client.code_cells_executed + 1
                )
                client.kc.session.metadata.pop("cellId", None)
        time.sleep(DRAIN_SECONDS)
        cpu_end = [kernel_cpu(c) for c in clients]
    for variant, start, end in zip(variants, cpu_start, cpu_end, strict=True):
        times = cell_kernel_seconds(variant.notebook)
        result.cell_seconds[variant.name] = times
        result.seconds[variant.name] = sum(times)
        result.cpu[variant.name] = end - start if start is not None and end is not None else None
    return result


def run_side_by_side(
    variants: list[Variant], workdir: Path, *, timeout: int = 900, flip: bool = False
) -> PairResult:
    """Execute the variants' notebooks cell by cell in lockstep; ``flip`` swaps which
    kernel goes first on even cells (alternate it between repetitions)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_run(variants, workdir, timeout, flip))
