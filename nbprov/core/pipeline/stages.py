"""Split translated cells into stage functions.

Input: the cells of the targets' slices as scriptify translated them (execution order,
each with its ``%tag`` stage or none) and the script's options (hyperparameters and input
paths, which the translation reads as ``_args.NAME``). Output: :class:`Stage` objects, each
a function body with its inputs (values from earlier stages), its parameters and its
outputs (what later stages or the targets use).

- An untagged cell joins the stage of its first consumer (the first later cell that reads
  a name it writes); with none, the stage before it (else after it, else ``main``).
- Consecutive cells of one stage form a segment. A later segment of a stage already seen
  joins the earlier one only when moving it there changes no value: it reads nothing
  the segments in between write, and they neither read nor write what it writes.
  Otherwise it becomes a stage of its own (``features_2``): stages that go back and forth
  cannot be one function each.
- Imports are taken out of the bodies and put at the top of each module that uses them.
  Functions and classes whose globals are only imports, builtins and other such
  definitions go to the top of their stage's module; later stages import them.
- A stage's outputs are the names it writes (binds or may change in place) that a later
  stage reads before binding, or a target; a later stage takes each input from the last
  stage before it that wrote the name, so a value changed in place downstream is passed
  on as changed (the Luigi run saves it again rather than reloading the stale copy).
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from nbprov.core.scriptify.build import statement_needs
from nbprov.core.scriptify.script import ARGS, Option
from nbprov.lineage.parts import base_of
from nbprov.lineage.static import analyze

__all__ = ["Cell", "Stage", "StageError", "split_stages"]

# Names the generated package's own modules take; a stage cannot be called so.
RESERVED = frozenset({"params", "pipeline", "luigi_tasks", "serializers", "check", "tests", "run"})
# Modules a translated magic uses (scriptify imports them in its script's header).
HELPER_MODULES = frozenset({"os", "subprocess", "pathlib"})
BUILTINS = frozenset(dir(builtins))


class StageError(ValueError):
    """The cells cannot be made into stage functions."""


@dataclass
class Cell:
    """One translated cell: its place in the trial and its statements."""

    seq: int
    execution_count: int | None
    tag: str | None
    body: list[ast.stmt]
    texts: list[str] = field(default_factory=list)  # each statement of body, as written
    imports: list[ast.stmt] = field(default_factory=list)
    stage: str = ""  # the stage it was put in
    joined: str | None = None  # why it is in that stage, when it was untagged
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    # functions and classes moved to the stage module's top level: name -> (text, globals)
    defs: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)


@dataclass
class Stage:
    """One stage function and its place in the DAG."""

    name: str  # module name, a Python identifier
    tag: str  # the stage the notebook tagged
    cells: list[Cell]
    inputs: dict[str, str] = field(default_factory=dict)  # name -> producing stage
    params: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # import statements, as text
    notes: list[str] = field(default_factory=list)

    @property
    def reads(self) -> frozenset[str]:
        return _reads_of(self.cells)

    @property
    def writes(self) -> frozenset[str]:
        return frozenset().union(*(c.writes for c in self.cells))

    @property
    def defs(self) -> dict[str, tuple[str, frozenset[str]]]:
        """The functions and classes the stage module defines at its top level."""
        return {n: d for c in self.cells for n, d in c.defs.items()}

    @property
    def def_globals(self) -> frozenset[str]:
        return frozenset().union(*(g for _, g in self.defs.values()))

    @property
    def body(self) -> str:
        """The function body: each cell's statements under a comment naming the cell."""
        out: list[str] = []
        for cell in self.cells:
            label = f"In [{cell.execution_count}]" if cell.execution_count else f"cell {cell.seq}"
            out.append(f"# {label}" + (f" ({cell.joined})" if cell.joined else ""))
            out += cell.texts
        return "\n".join(out)

    @property
    def depends(self) -> list[str]:
        return list(dict.fromkeys(self.inputs.values()))


class _Params(ast.NodeTransformer):
    """``_args.NAME`` → ``NAME`` (a parameter of the stage function)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == ARGS:
            self.used.add(node.attr)
            return ast.copy_location(ast.Name(node.attr, node.ctx), node)
        self.generic_visit(node)
        return node


def _cell(seq: int, count: int | None, tag: str | None, text: str) -> Cell:
    """A translated cell: imports apart, ``_args.NAME`` as ``NAME``, what it reads and
    may write (binds, or may change in place) by static analysis."""
    try:
        body = ast.parse(text).body
    except SyntaxError as exc:
        raise StageError(f"cannot parse the translation of cell {count}: {exc}") from exc
    cell = Cell(seq, count, tag.strip() if tag else None, [])
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)) and not (
            isinstance(stmt, ast.ImportFrom) and stmt.level
        ):
            cell.imports.append(stmt)
            continue
        # NAME = _args.NAME: the hyperparameter is the function's parameter itself.
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Attribute)
            and isinstance(stmt.value.value, ast.Name)
            and stmt.value.value.id == ARGS
            and stmt.value.attr == stmt.targets[0].id
        ):
            continue
        written = ast.get_source_segment(text, stmt)
        lifted = _Params()
        new = ast.fix_missing_locations(lifted.visit(stmt))
        assert isinstance(new, ast.stmt)
        cell.body.append(new)
        # A decorated definition's segment starts at ``def``: regenerate it whole.
        decorated = bool(getattr(stmt, "decorator_list", None))
        if lifted.used or written is None or decorated:
            written = ast.unparse(new)
        cell.texts.append(written)
    text_body = "\n".join(ast.unparse(s) for s in cell.body)
    facts = analyze(text_body)
    cell.reads = facts.reads
    imported = _bound_by(cell.imports)
    cell.writes = frozenset((facts.binds | facts.candidates) - imported - BUILTINS)
    return cell


def _recorded_writes(cell: Cell, recorded: set[str] | None) -> None:
    """Narrow the names a cell may have changed in place (any name passed to a call) to
    those the recording saw it change; names it binds stay."""
    if recorded is None:
        return
    text = "\n".join(cell.texts)
    binds = analyze(text).binds if text else frozenset()
    changed = {base_of(n) for n in recorded}
    cell.writes = frozenset(n for n in cell.writes if n in binds or n in changed)


def _hoist_definitions(cells: list[Cell], imported: set[str]) -> None:
    """Move to module level the functions and classes whose globals are only imports,
    builtins and other such definitions (each defined once in the slice): later stages
    import them rather than receive them as values Luigi would have to pickle."""
    found: dict[str, tuple[Cell, int, frozenset[str]]] = {}
    defined_twice: set[str] = set()
    for cell in cells:
        for i, stmt in enumerate(cell.body):
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if stmt.name in found:
                defined_twice.add(stmt.name)
            now, later = statement_needs(stmt, analyze(ast.unparse(stmt)))
            found[stmt.name] = (cell, i, frozenset(now | later) - {stmt.name})
    bound_twice = {n for n in found if sum(n in c.writes for c in cells) > 1}
    movable = set(found) - defined_twice - bound_twice
    while True:
        allowed = imported | BUILTINS | movable
        keep = {n for n in movable if found[n][2] <= allowed}
        if keep == movable:
            break
        movable = keep
    for cell in cells:
        drop = sorted((found[n][1] for n in movable if found[n][0] is cell), reverse=True)
        for i in drop:
            stmt = cell.body.pop(i)
            text = cell.texts.pop(i)
            assert isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            cell.defs[stmt.name] = (text, found[stmt.name][2])
        if drop:
            cell.reads = _reads_of([cell])
            cell.writes = cell.writes - set(cell.defs)
        cell.defs = dict(reversed(list(cell.defs.items())))


def _bound_by(imports: Sequence[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in imports:
        assert isinstance(stmt, (ast.Import, ast.ImportFrom))
        for alias in stmt.names:
            names.add(alias.asname or alias.name.split(".")[0])
    return names


def _reads_of(cells: Sequence[Cell]) -> frozenset[str]:
    """Names the cells, run one after another, read before binding them."""
    text = "\n".join(ast.unparse(s) for c in cells for s in c.body)
    return analyze(text).reads if text else frozenset()


def _identifier(tag: str) -> str:
    name = re.sub(r"\W+", "_", tag.strip().lower()).strip("_") or "stage"
    if name[0].isdigit():
        name = "stage_" + name
    if keyword.iskeyword(name) or name in RESERVED or name in BUILTINS:
        name += "_stage"
    return name


def _assign_stages(cells: list[Cell]) -> None:
    if not any(c.tag for c in cells):
        for cell in cells:
            cell.stage = "main"
        return
    for i in range(len(cells) - 1, -1, -1):
        cell = cells[i]
        if cell.tag:
            cell.stage = cell.tag
            continue
        made = cell.writes | set(cell.defs)
        consumer = next((c for c in cells[i + 1 :] if c.reads & made and c.stage), None)
        if consumer is not None:
            cell.stage = consumer.stage
            cell.joined = f"untagged: joins {consumer.stage}, its first consumer"
    for i, cell in enumerate(cells):
        if cell.stage:
            continue
        before = next((c.stage for c in reversed(cells[:i]) if c.stage), None)
        after = next((c.stage for c in cells[i + 1 :] if c.stage), None)
        cell.stage = before or after or "main"
        cell.joined = f"untagged and consumed by no later stage: put in {cell.stage}"


def _independent(moved: list[Cell], between: list[Cell]) -> bool:
    """True when running ``moved`` on the other side of ``between`` changes no value."""
    if not between:
        return True
    reads, writes = _reads_of(moved), frozenset().union(*(c.writes for c in moved))
    b_reads = _reads_of(between)
    b_writes = frozenset().union(*(c.writes for c in between))
    return not (reads & b_writes or writes & b_reads or writes & b_writes)


def _segments(cells: list[Cell]) -> list[tuple[str, list[Cell]]]:
    segments: list[tuple[str, list[Cell]]] = []
    for cell in cells:
        if segments and segments[-1][0] == cell.stage:
            segments[-1][1].append(cell)
        else:
            segments.append((cell.stage, [cell]))
    merged: list[tuple[str, list[Cell]]] = []
    for stage, group in segments:
        earlier = next((i for i, (s, _) in enumerate(merged) if s == stage), None)
        if earlier is not None:
            between = [c for _, g in merged[earlier + 1 :] for c in g]
            if _independent(group, between):  # run the later cells earlier
                merged[earlier][1].extend(group)
                continue
            if _independent(merged[earlier][1], between):  # or the earlier ones later
                _, first = merged.pop(earlier)
                merged.append((stage, first + group))
                continue
        merged.append((stage, group))
    return merged


def split_stages(
    sections: Sequence[tuple[int, int | None, str | None, str]],
    options: Sequence[Option],
    targets: Sequence[str],
    written: dict[int, set[str]] | None = None,
) -> list[Stage]:
    """The stage functions of the translated cells ``sections`` (see module docstring);
    ``written`` is what the recording saw each cell (by seq) bind or change."""
    every = [_cell(*section) for section in sections]
    for cell in every:
        _recorded_writes(cell, None if written is None else written.get(cell.seq, set()))
    # The import statements of every cell, the pool each stage takes its imports from; a
    # cell left with nothing but imports makes no stage of its own.
    pool = [s for c in every for s in c.imports]
    _hoist_definitions(every, _bound_by(pool))
    cells = [c for c in every if c.body or c.defs]
    if not cells:
        raise StageError("the targets' slices hold no statements to run")
    _assign_stages(cells)
    option_names = {o.name for o in options}
    stages: list[Stage] = []
    taken: dict[str, int] = {}
    for tag, group in _segments(cells):
        base = _identifier(tag)
        taken[base] = taken.get(base, 0) + 1
        name = base if taken[base] == 1 else f"{base}_{taken[base]}"
        stages.append(Stage(name, tag, group))
        for cell in group:
            cell.stage = name
    home = {name: stage.name for stage in stages for name in stage.defs}
    everywhere = frozenset().union(*(s.reads | s.def_globals for s in stages))
    for index, stage in enumerate(stages):
        reads = stage.reads
        stage.params = sorted(reads & option_names)
        stage.imports = _imports_for(pool, reads | stage.def_globals, everywhere, stage)
        stage.imports += [
            f"from .{home[n]} import {n}"
            for n in sorted((reads | stage.def_globals) & set(home))
            if home[n] != stage.name
        ]
        for name in sorted(reads - set(stage.params) - set(home)):
            producer = next((s for s in reversed(stages[:index]) if name in s.writes), None)
            if producer is not None:
                stage.inputs[name] = producer.name
    last_writer: dict[str, str] = {}
    for stage in stages:
        for name in stage.writes:
            last_writer[name] = stage.name
    by_name = {s.name: s for s in stages}
    for stage in stages:
        for name, source in stage.inputs.items():
            if name not in by_name[source].outputs:
                by_name[source].outputs.append(name)
    for target in targets:
        writer = last_writer.get(target)
        if writer is None:
            raise StageError(f"no stage writes the target {target!r}")
        if target not in by_name[writer].outputs:
            by_name[writer].outputs.append(target)
    for stage in stages:
        stage.outputs.sort()
        missing = (
            stage.reads
            - set(home)
            - set(stage.inputs)
            - set(stage.params)
            - BUILTINS
            - _bound_by_text(stage.imports)
            - stage.writes  # read before the stage binds it only on some paths (loops)
        )
        if not any(c.tag for c in cells):
            stage.notes.append("no cell of the slice has a %tag stage: one stage, main")
        for name in sorted(missing):
            stage.notes.append(f"reads {name!r}, which no earlier stage of the slice writes")
    return stages


def _imports_for(
    pool: Sequence[ast.stmt], reads: frozenset[str], everywhere: frozenset[str], stage: Stage
) -> list[str]:
    """The import statements binding a name the stage reads, each once, in pool order;
    imports whose names nothing reads stay with the cell that had them (their effects)."""
    own = [s for c in stage.cells for s in c.imports]
    chosen: list[str] = []
    for stmt in [*pool, *own]:
        names = _bound_by([stmt])
        keep = bool(names & reads) or (any(stmt is o for o in own) and not names & everywhere)
        text = ast.unparse(stmt)
        if keep and text not in chosen:
            chosen.append(text)
    for helper in sorted(HELPER_MODULES & reads - _bound_by_text(chosen)):
        chosen.append(f"import {helper}")
    return chosen


def _bound_by_text(imports: Sequence[str]) -> set[str]:
    return _bound_by([s for text in imports for s in ast.parse(text).body])
