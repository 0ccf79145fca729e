"""Run a notebook headless in a real kernel as a recorded nbprov trial.

This is the executor behind ``nbprov demo`` and ``nbprov run``. It drives the notebook with
nbclient and loads nbprov in the kernel *at kernel start-up* (``--ext=nbprov``), so every cell
is recorded even when the notebook never says ``%load_ext nbprov``, and without adding a cell
to the notebook. The store, the notebook path and the trial name reach the kernel through
its environment (``NBPROV_DB``, ``NBPROV_NOTEBOOK``, ``NBPROV_TRIAL_NAME``), which the
recorder reads when it loads. The kernel runs with the notebook's directory as its working
directory, so relative data paths in the notebook resolve as they do in Jupyter.

Typical use::

    from nbprov.runs.execute import run_notebook

    result = run_notebook("analysis.ipynb", db="runs.db", trial_name="baseline")
    if not result.ok:
        print(result.describe_failure())
"""

from __future__ import annotations

import atexit
import importlib.metadata
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from nbprov.render.terminal import cut

__all__ = [
    "CellFailure",
    "ExecutionResult",
    "cell_kernel_seconds",
    "inject_parameters",
    "kernel_cpu",
    "kernel_env",
    "normalize_db",
    "run_notebook",
]

#: Environment variables the recorder reads when the extension loads.
ENV_DB = "NBPROV_DB"
ENV_NOTEBOOK = "NBPROV_NOTEBOOK"
ENV_TRIAL_NAME = "NBPROV_TRIAL_NAME"

#: Kernel command-line arguments that load nbprov before the first cell runs. A failure
#: to load the extension is re-raised, so the kernel dies at start-up instead of running
#: the notebook unrecorded.
EXTENSION_ARGUMENTS: tuple[str, ...] = (
    "--ext=nbprov",
    "--InteractiveShellApp.reraise_ipython_extension_failures=True",
)

#: Cell tag marking the cell that holds a notebook's parameters (papermill's convention).
PARAMETERS_TAG = "parameters"
#: Cell tag given to the cell :func:`inject_parameters` adds.
INJECTED_TAG = "injected-parameters"


@dataclass(frozen=True)
class CellFailure:
    """Where and how a notebook run stopped.

    ``cell_index`` is the index in ``nb.cells`` (markdown cells included), or ``None``
    when the run failed before any cell started (for example when the kernel could not
    start or nbprov could not be loaded into it).
    """

    cell_index: int | None
    execution_count: int | None
    cell_id: str | None
    source: str
    ename: str
    evalue: str
    traceback: str = ""


@dataclass
class ExecutionResult:
    """The outcome of :func:`run_notebook`.

    ``notebook`` is the executed notebook with its outputs (and, with ``record_timing``,
    nbclient's timing metadata in each code cell). ``cell_seconds`` holds the in-kernel
    time of each executed code cell, in order; ``kernel_seconds`` is their sum.
    ``kernel_cpu_seconds`` is the CPU time the kernel process (all its threads) used from
    the start of the first cell to the reply of the last one, where the operating system
    reports it (Linux), else ``None``; unlike wall time it barely moves with other load
    on the machine.
    """

    path: Path
    notebook: NotebookNode
    failure: CellFailure | None
    db: str | None
    trial_name: str | None
    output: Path | None
    started_at: datetime
    wall_seconds: float
    cell_seconds: list[float] = field(default_factory=list)
    kernel_cpu_seconds: float | None = None
    #: What the kernel could not write to the store before it was shut down (the
    #: notebook itself may have run fine), in a sentence; None when all was written.
    recording_problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every cell ran without an error."""
        return self.failure is None

    @property
    def kernel_seconds(self) -> float:
        """Total in-kernel execution time of the cells (kernel start-up excluded)."""
        return sum(self.cell_seconds)

    def describe_failure(self) -> str:
        """A one-paragraph, human-readable account of the failure ('' when ok)."""
        f = self.failure
        if f is None:
            return ""
        if f.cell_index is None:
            return f"{self.path}: {f.ename}: {f.evalue}"
        first = next((ln for ln in f.source.splitlines() if ln.strip()), "")
        count = "" if f.execution_count is None else f" [{f.execution_count}]"
        return f"{self.path}: cell {f.cell_index}{count} failed: {f.ename}: {f.evalue}\n    {first}"


def normalize_db(db: str | os.PathLike[str] | None) -> str | None:
    """Make a store location independent of the working directory.

    The kernel runs in the notebook's directory, not the caller's, so a relative store
    path (or a relative ``sqlite:///`` URL) is resolved against the caller's working
    directory here. Other URLs pass through unchanged; ``None`` stays ``None``.
    """
    if db is None:
        return None
    text = os.fspath(db)
    if "://" not in text:
        return str(Path(text).expanduser().resolve())
    if text.startswith("sqlite") and text.count("/") >= 3:
        prefix, _, rest = text.partition(":///")
        database, sep, query = rest.partition("?")
        if database and database != ":memory:" and not database.startswith("/"):
            absolute = Path(database).expanduser().resolve()
            return f"{prefix}:///{absolute}{sep}{query}"
    return text


def _package_parent() -> str | None:
    """The directory to put on the kernel's path when nbprov runs from a source tree."""
    try:
        importlib.metadata.distribution("nbprov")
    except importlib.metadata.PackageNotFoundError:
        return str(Path(__file__).resolve().parents[2])
    return None


def kernel_env(
    notebook: Path,
    *,
    db: str | None,
    trial_name: str | None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for the kernel that runs *notebook*.

    Starts from *base* (default: this process's environment) and sets ``NBPROV_NOTEBOOK``
    to the notebook's absolute path, ``NBPROV_DB`` when a store is given and
    ``NBPROV_TRIAL_NAME`` when a name is given. When nbprov is not installed but imported
    from a source tree, that tree is prepended to ``PYTHONPATH`` so the kernel loads the
    same nbprov as the caller.
    """
    env = dict(os.environ if base is None else base)
    env[ENV_NOTEBOOK] = str(notebook)
    if db is not None:
        env[ENV_DB] = db
    if trial_name is not None:
        env[ENV_TRIAL_NAME] = trial_name
    parent = _package_parent()
    if parent is not None:
        current = env.get("PYTHONPATH", "")
        parts = [p for p in current.split(os.pathsep) if p]
        if parent not in parts:
            env["PYTHONPATH"] = os.pathsep.join([parent, *parts])
    return env


def cell_kernel_seconds(nb: NotebookNode) -> list[float]:
    """In-kernel seconds of each timed code cell of an executed notebook.

    Uses nbclient's ``record_timing`` metadata: ``shell.execute_reply`` minus
    ``iopub.execute_input``, so kernel start-up and the wait for the kernel are excluded.
    Cells without both timestamps are skipped.
    """
    seconds: list[float] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        timing = cell.get("metadata", {}).get("execution", {})
        start = timing.get("iopub.execute_input")
        end = timing.get("shell.execute_reply")
        if not start or not end:
            continue
        delta = _parse_time(end) - _parse_time(start)
        seconds.append(delta.total_seconds())
    return seconds


def _parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _literal(value: object) -> str:
    """Python source for a parameter value (``repr`` of plain data, validated)."""
    text = repr(value)
    try:
        compile(text, "<parameter>", "eval")
    except SyntaxError as exc:
        raise ValueError(f"parameter value {value!r} has no Python literal form") from exc
    return text


def inject_parameters(nb: NotebookNode, parameters: Mapping[str, object]) -> int:
    """Insert a code cell assigning *parameters*, papermill style; return its index.

    The cell goes right after the first cell tagged ``parameters`` (or first, when no cell
    has that tag) and is tagged ``injected-parameters``. A previously injected cell is
    replaced, so re-running an output notebook does not stack injections. Values must be
    plain data whose ``repr`` is a Python literal.
    """
    for name in parameters:
        if not name.isidentifier():
            raise ValueError(f"parameter name {name!r} is not a Python identifier")
    lines = ["# Parameters"] + [f"{name} = {_literal(v)}" for name, v in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines) + "\n")  # type: ignore[no-untyped-call]
    cell.metadata["tags"] = [INJECTED_TAG]

    def tags(c: NotebookNode) -> list[str]:
        return list(c.get("metadata", {}).get("tags", []))

    nb.cells = [c for c in nb.cells if INJECTED_TAG not in tags(c)]
    index = 0
    for i, c in enumerate(nb.cells):
        if PARAMETERS_TAG in tags(c):
            index = i + 1
            break
    nb.cells.insert(index, cell)
    return index


def run_notebook(
    path: str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    trial_name: str | None = None,
    output: str | os.PathLike[str] | None = None,
    timeout: int | None = 600,
    startup_timeout: int = 60,
    record_timing: bool = True,
    load_extension: bool = True,
    parameters: Mapping[str, object] | None = None,
    kernel_name: str | None = None,
    extra_arguments: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> ExecutionResult:
    """Execute the notebook at *path* in a fresh kernel and report how it went.

    Parameters
    ----------
    path:
        The ``.ipynb`` file. It is read, never written (unless *output* names it).
    db:
        The store (file path or SQLAlchemy URL) for ``NBPROV_DB``; relative paths are
        resolved against the caller's working directory. ``None`` keeps ``NBPROV_DB`` of
        *env* (or of this process) if set, else the recorder's default under the
        notebook's directory.
    trial_name:
        The trial's name (``NBPROV_TRIAL_NAME``); ``None`` leaves it unnamed.
    output:
        Where to write the executed notebook, also when a cell fails. ``None``: nowhere.
    timeout:
        Per-cell timeout in seconds (``None``: no limit).
    startup_timeout:
        Seconds to wait for the kernel to start.
    record_timing:
        Keep nbclient's per-cell timing metadata, from which ``cell_seconds`` is computed.
    load_extension:
        Load nbprov at kernel start-up. ``False`` runs the notebook as plain IPython
        would (a ``%load_ext nbprov`` in the notebook still loads it).
    parameters:
        Values to inject after the cell tagged ``parameters`` (see
        :func:`inject_parameters`).
    kernel_name:
        Kernel to use instead of the notebook's kernelspec.
    extra_arguments:
        Further kernel command-line arguments.
    env:
        Base environment for the kernel (default: this process's environment).

    Returns
    -------
    ExecutionResult
        ``ok`` is true when every cell ran; otherwise ``failure`` names the cell that
        failed (or says the kernel could not start). Exceptions from the notebook are
        reported, not raised; a missing or unreadable notebook file raises.
    """
    # Imported here so that ``import nbprov`` stays light.
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb_path = Path(path).expanduser().resolve()
    nb = nbformat.read(nb_path, as_version=4)  # type: ignore[no-untyped-call]
    if parameters:
        inject_parameters(nb, parameters)
    base = os.environ if env is None else env
    store = normalize_db(db if db is not None else base.get(ENV_DB))
    kenv = kernel_env(nb_path, db=store, trial_name=trial_name, base=base)

    arguments = list(extra_arguments)
    if load_extension:
        arguments = [*EXTENSION_ARGUMENTS, *arguments]

    started: list[int] = []
    replied: list[int] = []  # cells whose execute reply came: the kernel is free again
    cpu: list[float | None] = [None, None]  # kernel CPU seconds: first start, last reply
    unwritten: list[str] = []  # what the kernel's recorder said it could not write

    def on_cell_start(cell: NotebookNode, cell_index: int) -> None:
        # nbclient calls this for every cell, markdown and empty ones too, which are not
        # sent to the kernel and get no reply: only the cells it runs count, else the
        # kernel would look busy at the end and be shut down without writing first.
        if cell.get("cell_type") != "code" or not str(cell.get("source", "")).strip():
            return
        if not started:
            cpu[0] = kernel_cpu(client)
        started.append(cell_index)
        # Send the cell's id with its execute request, as Jupyter front ends do, so the
        # recorder can tie each activation to its notebook cell. The session copies its
        # metadata into every message it builds; nbclient sends the request next.
        cell_id = cell.get("id")
        if client.kc is not None and cell_id:
            client.kc.session.metadata["cellId"] = str(cell_id)

    def on_cell_complete(cell: NotebookNode, cell_index: int) -> None:
        if client.kc is not None:
            client.kc.session.metadata.pop("cellId", None)

    def on_cell_executed(cell: NotebookNode, cell_index: int, execute_reply: object) -> None:
        cpu[1] = kernel_cpu(client)
        replied.append(cell_index)

    options: dict[str, Any] = {
        "timeout": timeout,
        "startup_timeout": startup_timeout,
        "record_timing": record_timing,
        "extra_arguments": arguments,
        "resources": {"metadata": {"path": str(nb_path.parent)}},
        "on_cell_start": on_cell_start,
        "on_cell_complete": on_cell_complete,
        "on_cell_executed": on_cell_executed,
    }
    if kernel_name is not None:
        options["kernel_name"] = kernel_name
    sockets = _local_sockets()
    if sockets is not None:
        options["km"] = _ipc_kernel_manager(kernel_name or _notebook_kernel(nb), sockets.name)
    client = NotebookClient(nb, **options)
    client.owns_km = True  # shut down the kernel made here, as nbclient does its own
    shut_down = client._async_cleanup_kernel

    async def flush_then_shut_down() -> None:
        # Not while a cell still runs (a timeout): the request would wait for that cell.
        if len(replied) == len(started):
            problem = await _flush_recorder(client)
            if problem:
                unwritten.append(problem)
        await shut_down()

    client._async_cleanup_kernel = flush_then_shut_down  # type: ignore[method-assign]

    start = datetime.now()
    failure: CellFailure | None = None
    try:
        client.execute(env=kenv)
    except CellExecutionError as exc:
        failure = _cell_failure(nb, started, exc.ename, exc.evalue, exc.traceback)
    except Exception as exc:  # kernel death, timeouts, start-up failures
        ename = type(exc).__name__
        if not started:
            # nbclient leaves its exit-time clean-up registered when start-up fails.
            atexit.unregister(client._cleanup_kernel)
            failure = CellFailure(None, None, None, "", ename, _startup_message(exc, kenv))
        else:
            failure = _cell_failure(nb, started, ename, str(exc), "")
    if sockets is not None:
        sockets.cleanup()
    wall = (datetime.now() - start).total_seconds()

    out_path: Path | None = None
    if output is not None:
        out_path = Path(output).expanduser().resolve()
        out_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_path)  # type: ignore[no-untyped-call]

    return ExecutionResult(
        path=nb_path,
        notebook=nb,
        failure=failure,
        db=store,
        trial_name=trial_name,
        output=out_path,
        started_at=start,
        wall_seconds=wall,
        cell_seconds=cell_kernel_seconds(nb) if record_timing else [],
        kernel_cpu_seconds=_difference(cpu[0], cpu[1]),
        recording_problem=unwritten[0] if unwritten else None,
    )


def _local_sockets() -> tempfile.TemporaryDirectory[str] | None:
    """A private folder for the kernel's sockets where the platform has Unix sockets.

    Over TCP every message crosses the loopback in plain text, and ipykernel warns about
    it on stderr; a headless run talks to its kernel through Unix sockets instead, in a
    folder of its own (not the notebook's), removed afterwards.
    """
    if os.name != "posix":
        return None
    return tempfile.TemporaryDirectory(prefix="nbprov-kernel-")


def _ipc_kernel_manager(kernel_name: str, folder: str) -> Any:
    # The asynchronous manager, as nbclient makes its own: with a blocking client, a wait
    # for output would hold up the per-cell timeout.
    from jupyter_client.manager import AsyncKernelManager

    return AsyncKernelManager(
        kernel_name=kernel_name, transport="ipc", ip=os.path.join(folder, "k")
    )


def _notebook_kernel(nb: NotebookNode) -> str:
    spec = nb.get("metadata", {}).get("kernelspec", {})
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) and name else "python3"


def _difference(start: float | None, end: float | None) -> float | None:
    return end - start if start is not None and end is not None else None


def kernel_cpu(client: Any) -> float | None:
    """CPU seconds (user + system, all threads) used so far by the client's kernel."""
    pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
    if not isinstance(pid, int):
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# Evaluated in the kernel before it is shut down, as a user expression of a silent, empty
# request (no activation, no name bound): what could not be written, '' when all was.
_FLUSH = (
    "__import__('nbprov.kernel.attach').kernel.attach.flush_before_shutdown({timeout}) "
    "if 'nbprov' in __import__('sys').modules else ''"
)
FLUSH_TIMEOUT = 60.0


async def _flush_recorder(client: Any) -> str:
    """Let the kernel's recorder write all it holds before the kernel is shut down, so a
    store that is slow to open, or locked for a while, does not lose the trial. Returns
    what the recorder says it could not write ('' when all was, or when it cannot tell);
    never raises."""
    import ast
    import asyncio

    from nbclient.util import ensure_async

    try:
        kc = client.kc
        if kc is None or not await _alive(client):
            return ""
        expression = _FLUSH.format(timeout=FLUSH_TIMEOUT)
        msg_id = kc.execute(
            "", silent=True, store_history=False, user_expressions={"nbprov": expression}
        )
        deadline = asyncio.get_running_loop().time() + FLUSH_TIMEOUT + 5
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            reply = await ensure_async(kc.get_shell_msg(timeout=left))
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                # The shutdown that follows starts with SIGINT: wait until the kernel is
                # done with the request (idle), or it interrupts the request's last steps.
                await _idle_after(kc, msg_id, deadline)
                result = reply["content"].get("user_expressions", {}).get("nbprov", {})
                if result.get("status") != "ok":
                    return f"nbprov could not flush the kernel's records: {result.get('evalue')}"
                said = ast.literal_eval(result["data"]["text/plain"])
                return said if isinstance(said, str) else ""
    except Exception as exc:  # a kernel gone or deaf (queue.Empty): shut it down all the same
        if await _alive(client):
            return f"nbprov could not ask the kernel to write its records: {exc!r}"
        return ""
    return "nbprov could not ask the kernel to write its records: no reply in time"


async def _idle_after(kc: Any, msg_id: str, deadline: float) -> None:
    """Wait for the kernel's idle status after the request ``msg_id`` (until ``deadline``
    on the running loop's clock)."""
    import asyncio

    from nbclient.util import ensure_async

    loop = asyncio.get_running_loop()
    while (left := deadline - loop.time()) > 0:
        try:
            msg = await ensure_async(kc.get_iopub_msg(timeout=min(left, 5.0)))
        except Exception:  # no status in time (queue.Empty): the records are written
            return
        if (
            msg.get("msg_type") == "status"
            and msg.get("parent_header", {}).get("msg_id") == msg_id
            and msg.get("content", {}).get("execution_state") == "idle"
        ):
            return


async def _alive(client: Any) -> bool:
    from nbclient.util import ensure_async

    try:
        return bool(await ensure_async(client.km.is_alive()))
    except Exception:
        return False


def _startup_message(exc: BaseException, env: Mapping[str, str]) -> str:
    text = str(exc) or type(exc).__name__
    if "died" in text.lower():
        text += (
            " (the kernel's own error is on stderr; if it is about nbprov, check that"
            f" nbprov imports in the kernel and that {ENV_DB}={env.get(ENV_DB, '')!r}"
            " is usable)"
        )
    return text


def _cell_failure(
    nb: NotebookNode, started: list[int], ename: str, evalue: str, traceback: str
) -> CellFailure:
    index = started[-1] if started else None
    if index is None:
        return CellFailure(None, None, None, "", ename, evalue, traceback)
    cell = nb.cells[index]
    cell_id = cell.get("id")
    return CellFailure(
        cell_index=index,
        execution_count=cell.get("execution_count"),
        cell_id=str(cell_id) if cell_id is not None else None,
        source=str(cell.get("source", "")),
        ename=ename,
        evalue=evalue,
        traceback=traceback,
    )


def notebook_problem(path: Path) -> str | None:
    """Why ``path`` cannot be run as a notebook, or None when it can."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises many kinds for text that is not a notebook
        first = str(exc).strip().splitlines()
        return cut(first[0] if first else type(exc).__name__, 100)
    if not isinstance(nb.get("cells"), list):
        return "it has no list of cells"
    return None
