"""Module-level random state: tokens that change when NumPy's or the standard library's
global generator is drawn from or seeded."""

from __future__ import annotations

import ctypes
import sys
import types
from typing import Any

# -- module-level random state -------------------------------------------------------


_NP_STATE: list[Any] = []  # [bit generator, address of its MT19937 state] once found


def numpy_rng_token() -> int | None:
    """A cheap token of NumPy's global RandomState (None when NumPy is not imported).

    Reads the MT19937 state in place: the position and a few key words change with every
    draw (the whole key is regenerated each 624 words), without copying the state.
    """
    np = sys.modules.get("numpy")
    if np is None:
        return None
    try:
        bitgen = np.random.mtrand._rand._bit_generator
        if not _NP_STATE or _NP_STATE[0] is not bitgen:
            _NP_STATE[:] = [bitgen, int(bitgen.ctypes.state_address)]
        address = _NP_STATE[1]
        return hash(ctypes.string_at(address, 16) + ctypes.string_at(address + 624 * 4, 4))
    except Exception:
        try:
            state = np.random.get_state()
            return hash((state[1].tobytes(), state[2]))
        except Exception:
            return None


def stdlib_rng_token() -> int | None:
    mod = sys.modules.get("random")
    if mod is None:
        return None
    try:
        return hash(mod.getstate())
    except Exception:
        return None


def refers_to_stdlib_random(obj: object) -> bool:
    mod = sys.modules.get("random")
    if mod is None:
        return False
    return obj is mod or getattr(obj, "__self__", None) is getattr(mod, "_inst", None)


def seed_module(chain: tuple[str, ...], ns: dict[str, Any]) -> str | None:
    """Which module-level RNG a ``...seed(...)`` call chain seeds: "numpy", "random" or None."""
    if chain[0] not in ns:
        return None
    obj: Any = ns[chain[0]]
    for attr in chain[1:]:
        if not isinstance(obj, types.ModuleType) and attr != chain[-1]:
            return None
        try:
            obj = getattr(obj, attr)
        except Exception:
            return None
    owner = getattr(obj, "__self__", None)
    rnd = sys.modules.get("random")
    if rnd is not None and owner is getattr(rnd, "_inst", None):
        return "random"
    np = sys.modules.get("numpy")
    if np is not None and owner is getattr(np.random.mtrand, "_rand", None):
        return "numpy"
    if getattr(obj, "__module__", None) in ("numpy.random", "numpy.random.mtrand"):
        return "numpy"
    return None
