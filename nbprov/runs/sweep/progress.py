"""The progress line of a search: the bar of ``nbprov run --grid``, plus the best value
so far, the points running and the points that failed."""

from __future__ import annotations

import math
from typing import TextIO

from nbprov.render.tables import format_value
from nbprov.runs.batch import Progress

__all__ = ["SweepProgress"]


class SweepProgress(Progress):
    """``[######......] 7/20  best r2 = 0.4523 (trial 12)  2 running  1 failed``."""

    def __init__(self, total: int, stream: TextIO, metric: str, direction: str) -> None:
        super().__init__(total, stream)
        self.metric = metric
        self.direction = direction
        self.best: float | None = None
        self.best_trial: int | None = None
        self.running = 0
        self.failed = 0

    def offer(self, value: float | None, trial: int | None) -> None:
        """A finished point's objective (None when it failed)."""
        if value is None or not math.isfinite(value):
            self.failed += 1
            return
        better = (
            self.best is None
            or (self.direction == "max" and value > self.best)
            or (self.direction == "min" and value < self.best)
        )
        if better:
            self.best, self.best_trial = value, trial

    def bar(self) -> str:
        text = super().bar()
        if self.best is not None:
            where = f" (trial {self.best_trial})" if self.best_trial is not None else ""
            text += f"  best {self.metric} = {format_value(self.best)}{where}"
        if self.running:
            text += f"  {self.running} running"
        if self.failed:
            text += f"  {self.failed} failed"
        return text

    def advance(self, note: str) -> None:
        if self.live:
            super().advance(note)
            return
        self.done += 1
        self.stream.write(f"{self.bar()}\n  {note}\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A line above the bar (a message, not a finished point)."""
        if self.live:
            self.stream.write(f"\r\033[K{text}\n{self.bar()}")
        else:
            self.stream.write(f"{text}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.live and self.done < self.total:
            self.stream.write("\n")
            self.stream.flush()
