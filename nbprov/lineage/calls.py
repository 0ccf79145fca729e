"""The globals notebook-defined code actually read while a cell ran.

Static reach (``callees.called_globals``) over-approximates: every branch of a function,
every method a name might dispatch to. It also misses code reached only at run time: a
method of an object held in a container, a function looked up in a dict, the body of a
generator or lambda consumed long after it was built. For cells that can run notebook
code, a trace function is installed for the cell's duration. It ignores every frame whose
globals are not the notebook's (library code costs one call event) and in notebook frames
notes which lines that load globals ran. While a trace function is set all Python code runs
slower (about twice, for pure-Python loops), so every event counts toward a budget: past
it the watch removes itself and the tracer falls back to static reach. A cell pays at most
the budget's worth of events (about 3 ms), whatever it runs. 2,000 events cover every
case of the lineage suites; 10,000 made a cell of pure-Python loops over notebook
functions about 20 ms slower.
"""

from __future__ import annotations

import dis
import inspect
import sys
import types
import weakref
from typing import Any

BUDGET = 2_000  # trace events per cell before falling back to static reach

# A global read: (name, None) for the whole object, (name, step) for one key or attribute
# of it (``cfg['lr']``, ``settings.lr``), a step as in :mod:`nbprov.lineage.parts`.
Read = tuple[str, "tuple[str, Any] | None"]

_LINES: weakref.WeakKeyDictionary[types.CodeType, dict[int, frozenset[Read]]]
_LINES = weakref.WeakKeyDictionary()
_LOOPS: weakref.WeakKeyDictionary[types.CodeType, bool] = weakref.WeakKeyDictionary()
# Lines that choose between globals (``ga if flag else gb``, ``a or b``): watched
# instruction by instruction, with the read each global-loading instruction makes.
_BRANCHY: weakref.WeakKeyDictionary[types.CodeType, frozenset[int]] = weakref.WeakKeyDictionary()
_OFFSETS: weakref.WeakKeyDictionary[types.CodeType, dict[int, Read]] = weakref.WeakKeyDictionary()
_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})


def line_globals(code: types.CodeType) -> dict[int, frozenset[Read]]:
    """Line number -> the globals read on that line (only lines that read some)."""
    cached = _LINES.get(code)
    if cached is not None:
        return cached
    lines: dict[int, set[Read]] = {}
    offsets: dict[int, Read] = {}
    jumps: set[int] = set()
    line = code.co_firstlineno
    loops = False
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        # A backward jump: the code can run long without calling anything.
        loops = (
            loops
            or ins.opname.startswith("JUMP_BACKWARD")
            or (
                ins.opname == "JUMP_ABSOLUTE"
                and isinstance(ins.argval, int)
                and ins.argval < ins.offset
            )
        )
        # ``positions`` from Python 3.11; before it, the line an instruction starts.
        positions = getattr(ins, "positions", None)
        start = positions.lineno if positions is not None else ins.starts_line
        if start is not None:
            line = start
        if ins.opname in _LOADS:
            read = (str(ins.argval), _step(instructions, i + 1))
            lines.setdefault(line, set()).add(read)
            offsets[ins.offset] = read
        elif "_IF_" in ins.opname:
            jumps.add(line)
    result = {k: frozenset(v) for k, v in lines.items()}
    _LINES[code] = result
    _LOOPS[code] = loops
    _BRANCHY[code] = frozenset(n for n in jumps if len(lines.get(n, ())) > 1)
    _OFFSETS[code] = offsets
    return result


def _step(instructions: list[dis.Instruction], i: int) -> tuple[str, Any] | None:
    """The key or attribute a global is read through, when that is all the code does with
    it (``g['k']``: a constant subscript; ``g.a``: an attribute load, not a method call)."""
    nxt = instructions[i] if i < len(instructions) else None
    if nxt is None:
        return None
    if nxt.opname == "LOAD_ATTR":
        return ("attr", str(nxt.argval))
    after = instructions[i + 1] if i + 1 < len(instructions) else None
    if (
        nxt.opname == "LOAD_CONST"
        and type(nxt.argval) in (str, int)
        and not (isinstance(nxt.argval, int) and nxt.argval < 0)
        and after is not None
        and after.opname == "BINARY_SUBSCR"
    ):
        return ("key", nxt.argval)
    return None


def whole_names(reads: set[Read]) -> set[str]:
    return {name for name, step in reads if step is None}


def has_loop(code: types.CodeType) -> bool:
    line_globals(code)
    return _LOOPS.get(code, True)


class CallWatch:
    """Observes one cell; ``reads`` is None when the watch could not see everything."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self._ns = ns
        self._events = 0
        self._pending: dict[types.CodeType, set[int]] = {}
        self._active = False
        self._complete = True
        self.found: set[Read] = set()
        # Notebook code that ran in this thread while the cell did (dropped by ``ran``).
        self._entered: set[types.CodeType] = set()

    def start(self) -> bool:
        if sys.gettrace() is not None:  # a debugger or coverage tool is in charge
            return False
        self._active = True
        sys.settrace(self._trace)
        return True

    def stop(self) -> set[Read] | None:
        """Remove the trace function; the globals read (None: fall back to static reach)."""
        if not self._active:
            return None
        self._active = False
        if sys.gettrace() == self._trace:  # bound methods are equal, not identical
            sys.settrace(None)
        else:
            self._complete = False  # replaced while the cell ran (pdb, a profiler)
        # A suspended generator keeps this watch as its frame's trace function: keep
        # nothing of the cell's in it.
        self._pending = {}
        return self.found if self._complete else None

    def ran(self, codes: list[types.CodeType]) -> bool:
        """Whether any of ``codes`` ran while the cell did (generator and coroutine code
        counts as run: building one runs nothing)."""
        return any(code in self._entered or code.co_flags & _LAZY_FLAGS for code in codes)

    def forget(self) -> None:
        self._entered = set()

    def _give_up(self) -> None:
        self._complete = False
        self._active = False
        self._pending = {}
        sys.settrace(None)

    def _trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        """The trace function, global ("call") and local (every other event) at once: one
        function keeps the budget's bookkeeping in one place at no extra call per event."""
        try:
            if not self._active:
                return None
            self._events += 1
            if self._events > BUDGET:
                self._give_up()
                return None
            code = frame.f_code
            if event == "call":
                if frame.f_globals is not self._ns:
                    return None
                if code.co_name == "<module>":  # the cell itself, or code it exec'd
                    return None
                self._entered.add(code)
                pending = self._pending.get(code)
                if pending is None:
                    pending = self._pending[code] = set(line_globals(code)) - _BRANCHY[code]
                # While a trace function is set all Python code runs slower, and the budget
                # must be able to end that: code that loops keeps counting its lines even
                # once all are seen; code that does not can only run long by calling
                # (counted).
                return self._trace if pending or _BRANCHY[code] or has_loop(code) else None
            if event == "opcode":
                read = _OFFSETS[code].get(frame.f_lasti)
                if read is not None:
                    self.found.add(read)
                return self._trace
            if event != "line":
                return self._trace
            lineno = frame.f_lineno
            branchy = lineno in _BRANCHY[code]
            frame.f_trace_opcodes = branchy
            if branchy:  # which arm runs shows instruction by instruction
                read = _OFFSETS[code].get(frame.f_lasti)
                if read is not None:
                    self.found.add(read)
                return self._trace
            pending = self._pending.get(code)
            if pending is None or lineno not in pending:
                return self._trace
            pending.discard(lineno)
            self.found |= line_globals(code)[lineno]
            return self._trace
        except Exception:
            self._give_up()
            return None


# -- when to watch ------------------------------------------------------------------

_LAZY_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
_LAZY_TYPES = frozenset({"map", "filter", "zip", "enumerate", "partial", "reversed"})
MAX_SCAN = 1000


def may_run_user_code(obj: object, ns: dict[str, Any], main: str) -> bool:
    """Whether using ``obj`` can run notebook-defined code (type checks only)."""
    if isinstance(obj, types.FunctionType):
        return obj.__globals__ is ns
    if isinstance(obj, types.MethodType):
        return may_run_user_code(obj.__func__, ns, main)
    if isinstance(obj, types.GeneratorType):
        return obj.gi_frame is not None and obj.gi_frame.f_globals is ns
    cls = type(obj)
    if cls.__module__ == main:
        return True  # an instance of a notebook class
    if isinstance(obj, type):
        return obj.__module__ == main
    if cls.__name__ in _LAZY_TYPES and cls.__module__ in ("builtins", "functools"):
        return True
    if cls in (list, tuple, set, frozenset, dict):
        items: Any = obj.values() if isinstance(obj, dict) else obj
        if len(items) > MAX_SCAN:
            return False
        return any(may_run_user_code(item, ns, main) for item in items if not _plain(item))
    return False


def _plain(obj: object) -> bool:
    return isinstance(obj, (int, float, str, bytes, bool, type(None), list, tuple, dict, set))
