"""Times and durations as short text: ``4.4s``, ``3m05s``, ``11-27 13:00``."""

from __future__ import annotations

import math
from datetime import datetime


def duration_text(started: str | None, ended: str | None) -> str:
    if not started or not ended:
        return ""
    seconds = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
    return seconds_text(seconds)


def seconds_text(seconds: float | None) -> str:
    # A stored duration is a number, but not always a sane one.
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        return ""
    if seconds < 0 or seconds >= 1e9:
        return f"{seconds:.3g}s"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds >= 0.1 else f"{seconds * 1000:.0f}ms"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def when_text(stamp: str | None, fmt: str = "%m-%d %H:%M") -> str:
    return datetime.fromisoformat(stamp).strftime(fmt) if stamp else ""
