"""Where the server finds the store for a notebook, and how it calls the core.

The panel names a notebook by its Jupyter path (relative to the server's root). A kernel
started for that notebook runs in the notebook's folder, so its default store is
``<notebook folder>/.nbprov/nbprov.db``; ``NBPROV_DB`` (a path, relative paths again taken
from the kernel's folder, or an SQLAlchemy URL) overrides it for every kernel and so for the
server too. The server reads with :mod:`nbprov.core.trials` and never creates a store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nbprov.core.compare import compare as compare_in_store
from nbprov.core.compare.code import cell_change as cell_change_in_store
from nbprov.core.compare.filters import parse_filter
from nbprov.core.deps import deps_in_store
from nbprov.core.history import history_in_store
from nbprov.core.pipeline import plan_pipeline, write_package
from nbprov.core.pipeline.package_writer import describe as describe_pipeline
from nbprov.core.scriptify import scriptify as build_script
from nbprov.core.trials import filter_trials, list_trials, show_trial
from nbprov.render.comparison import DEFAULT_PRECISION, why_heading, why_table
from nbprov.render.graph import build_dot
from nbprov.runs.sweep.charts import history_chart, parallel_chart
from nbprov.runs.sweep.results import study_summary
from nbprov.runs.sweep.study import load_study, study_names
from nbprov.store.engine import DEFAULT_RELATIVE_PATH


class BadRequest(ValueError):
    """The request names something that cannot be served (outside the root, bad value)."""


@dataclass(frozen=True)
class StoreRef:
    """The store a request reads: the ``db`` argument for the core and a label to show."""

    db: str
    label: str
    exists: bool


def notebook_folder(root_dir: str, notebook: str | None) -> Path:
    """The on-disk folder of a notebook given by its Jupyter path; the root without one."""
    root = Path(root_dir).resolve()
    if not notebook:
        return root
    relative = PurePosixPath(notebook.lstrip("/"))
    if ".." in relative.parts:
        raise BadRequest(f"notebook path {notebook!r} leaves the server root")
    return (root / Path(*relative.parts)).parent


def notebook_candidates(root_dir: str, notebook: str) -> list[str]:
    """The ways a kernel may have recorded this notebook's path.

    Jupyter starts a notebook's kernel with ``JPY_SESSION_NAME`` set to the notebook's
    absolute path; other runners record the path they were given.
    """
    folder = notebook_folder(root_dir, notebook)
    name = PurePosixPath(notebook).name
    absolute = folder / name
    seen: list[str] = []
    for candidate in (
        str(absolute),
        os.path.realpath(absolute),
        os.path.join(root_dir, *PurePosixPath(notebook.lstrip("/")).parts),
        notebook.lstrip("/"),
    ):
        if candidate not in seen:
            seen.append(candidate)
    return seen


def resolve_store(
    root_dir: str, notebook: str | None, env: dict[str, str] | None = None
) -> StoreRef:
    """The store the kernel of ``notebook`` writes to, as the server can see it."""
    environ = os.environ if env is None else env
    target = environ.get("NBPROV_DB") or ""
    if "://" in target:
        return StoreRef(db=target, label=_redacted_url(target), exists=True)
    path = Path(target or DEFAULT_RELATIVE_PATH).expanduser()
    if not path.is_absolute():
        path = notebook_folder(root_dir, notebook) / path
    return StoreRef(db=str(path), label=str(path), exists=path.exists())


def _redacted_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("://", 1)[0] + "://…"


def features() -> dict[str, bool]:
    """Which panel actions this server offers (all of them; the panel asks, so that an
    older server can say what it lacks)."""
    return {
        "trials": True,
        "compare": True,
        "deps": True,
        "scriptify": True,
        "pipeline": True,
        "studies": True,
        "filter": True,
        "cellchange": True,
        "history": True,
    }


def check_filter(text: str) -> None:
    """Refuse a filter (``nbprov trials --filter``) that does not parse, with the core's
    one-line message, whether or not there is a store to filter."""
    parse_filter(text)


def trials(
    store: StoreRef, notebooks: list[str] | None, filter: str | None = None
) -> list[dict[str, Any]]:
    """Trials in the store, of any of ``notebooks`` when given, oldest first; only those
    ``filter`` keeps when given (the language and the function of ``nbprov trials``)."""

    def listed(notebook: str | None) -> list[dict[str, Any]]:
        if filter:
            return filter_trials(filter, db=store.db, notebook=notebook)
        return list(list_trials(db=store.db, notebook=notebook))

    if notebooks is None:
        records: list[dict[str, Any]] = listed(None)
    else:
        by_id: dict[Any, dict[str, Any]] = {}
        for notebook in notebooks:
            for record in listed(notebook):
                by_id.setdefault(record["id"], record)
        records = list(by_id.values())
    records.sort(key=lambda record: (str(record.get("started_at") or ""), str(record["id"])))
    return records


def show(store: StoreRef, ref: str) -> dict[str, Any]:
    result: dict[str, Any] = show_trial(_trial_ref(ref), db=store.db)
    return result


def compare(store: StoreRef, refs: list[str], show_all: bool) -> dict[str, Any]:
    result: dict[str, Any] = compare_in_store(
        [_trial_ref(r) for r in refs], db=store.db, show_all=show_all
    )
    return result


def cell_change(
    store: StoreRef,
    a: str,
    b: str,
    before: str | None,
    after: str | None,
    metrics: list[str],
) -> dict[str, Any]:
    """A changed cell of a comparison: its label and the diff of its two sources, and for
    each of ``metrics`` the "why" answer (``nbprov compare A B --why METRIC``) as text: the
    heading, and this cell's line of the answer (``text`` null when the cell is not among
    the reasons the metric moved)."""
    result = cell_change_in_store(
        _trial_ref(a), _trial_ref(b), before or None, after or None, metrics, db=store.db
    )
    for answer in result["why"]:
        found = answer.pop("why")
        mine = answer["cell"]
        answer["heading"] = None if found is None else why_heading(found, DEFAULT_PRECISION)
        answer["text"] = None
        answer["others"] = 0
        if found is not None:
            _, rows = why_table(found, DEFAULT_PRECISION)
            for cell, row in zip(found["cells"], rows, strict=True):
                if cell is mine:
                    where, _stage, reason, detail = row
                    answer["text"] = f"{where} {reason}: {detail}"
            answer["others"] = len(found["cells"]) - (mine is not None)
    return result


def deps(store: StoreRef, ref: str, variable: str) -> dict[str, Any]:
    """The lineage JSON of ``variable`` in a trial plus its graph as DOT source."""
    result = deps_in_store(variable, trial=_trial_ref(ref), db=store.db)
    return {"deps": result, "dot": build_dot(result)}


def history(store: StoreRef, ref: str, variable: str, seq: int | None) -> dict[str, Any]:
    """``variable``'s recorded versions in a trial, the one of activation ``seq`` marked."""
    return history_in_store(variable, trial=_trial_ref(ref), db=store.db, seq=seq)


def scriptify(store: StoreRef, ref: str, variable: str) -> str:
    """The standalone script that rebuilds ``variable`` as the trial computed it."""
    return build_script_text(_trial_ref(ref), variable, db=store.db)


def _trial_ref(ref: str) -> str | int:
    text = ref.strip()
    if not text:
        raise BadRequest("no trial given")
    return int(text) if text.isdigit() else text


def build_script_text(ref: str | int, variable: str, db: str) -> str:
    return build_script(ref, variable, db=db).text


def export_pipeline(
    store: StoreRef, folder: Path, ref: str, targets: list[str], package: str | None
) -> dict[str, Any]:
    """Write the pipeline package of ``targets`` in a trial into ``folder/PACKAGE`` (never
    over a folder the writer did not make); the plan as ``nbprov pipeline --format json``
    gives it, with the folder written."""
    if not targets:
        raise BadRequest("name at least one target (?targets=r2,mae)")
    plan = plan_pipeline(_trial_ref(ref), targets, db=store.db, package=package or None)
    target = folder / plan.package
    write_package(plan, target)
    return {**describe_pipeline(plan), "folder": str(target)}


def studies(store: StoreRef) -> list[str]:
    """The names of the searches (``nbprov sweep``) kept in the store's database."""
    return study_names(store.db)


def study(store: StoreRef, name: str) -> dict[str, Any]:
    """A search's summary as ``nbprov study NAME --format json`` gives it, and its two
    Vega-Lite charts (optimisation history, parallel coordinates)."""
    found, spec = load_study(store.db, name)
    summary = study_summary(found, spec, store.db)
    return {
        "summary": summary,
        "charts": {"history": history_chart(summary), "parallel": parallel_chart(summary)},
    }
