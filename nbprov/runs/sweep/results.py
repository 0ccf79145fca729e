"""What a search found: its best points, best parameters, and which parameters matter.

:func:`study_summary` is the JSON of ``nbprov study NAME --format json`` (and of
``nbprov sweep --format json``); :func:`print_summary` renders it for people, with the
compare table of the best trials.
"""

from __future__ import annotations

import math
from typing import Any, TextIO

from nbprov.render.tables import format_value
from nbprov.render.terminal import cut
from nbprov.runs.sweep.study import StudySpec, import_optuna, linked_trials

__all__ = ["TOP", "importance", "print_summary", "study_summary"]

#: How many of the best points the results show.
TOP = 5


def importance(study: Any) -> dict[str, Any]:
    """Parameter importance for the metric by Optuna's fANOVA evaluator, or why not."""
    optuna = import_optuna()
    state = optuna.trial.TrialState
    complete = study.get_trials(deepcopy=False, states=(state.COMPLETE,))
    if len(complete) < 2:
        return {"evaluator": "fanova", "values": None, "note": "needs 2 complete points"}
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
        values = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except Exception as exc:  # too few distinct values, scikit-learn missing, ...
        return {"evaluator": "fanova", "values": None, "note": f"{type(exc).__name__}: {exc}"}
    return {"evaluator": "fanova", "values": {k: float(v) for k, v in values.items()}}


def _point(trial: Any, links: dict[int, int]) -> dict[str, Any]:
    value = trial.value if trial.values else None
    return {
        "number": trial.number,
        "trial": links.get(trial.number, trial.user_attrs.get("nbprov_trial")),
        "state": trial.state.name.lower(),
        "value": value,
        "params": dict(trial.params),
        "error": trial.user_attrs.get("error"),
    }


def study_summary(
    study: Any, spec: StudySpec, db: str, *, with_importance: bool = True
) -> dict[str, Any]:
    """Everything ``nbprov study`` shows, JSON-ready."""
    from nbprov.store import Store

    store = Store.open(db)
    try:
        with store.session() as session:
            links = linked_trials(session, spec.name)
    finally:
        store.close()
    trials = study.get_trials(deepcopy=False)
    points = [_point(t, links) for t in trials]
    counts: dict[str, int] = {}
    for point in points:
        counts[point["state"]] = counts.get(point["state"], 0) + 1
    complete = [p for p in points if p["state"] == "complete" and p["value"] is not None]
    maximise = spec.direction == "max"
    ranked = sorted(complete, key=lambda p: (-p["value"] if maximise else p["value"], p["number"]))
    best_so_far: float | None = None
    history = []
    for point in points:
        value = point["value"]
        counts_now = point["state"] == "complete" and isinstance(value, float)
        if (
            counts_now
            and math.isfinite(value)
            and (best_so_far is None or (value > best_so_far if maximise else value < best_so_far))
        ):
            best_so_far = value
        history.append({**point, "best_so_far": best_so_far})
    return {
        "study": spec.name,
        **spec.to_json(),
        "counts": counts,
        "best": ranked[0] if ranked else None,
        "top": ranked[:TOP],
        "importance": importance(study) if with_importance else None,
        "history": history,
    }


def print_summary(summary: dict[str, Any], db: str, fmt: str, out: TextIO) -> None:
    """The summary for people: facts, the compare table of the best trials, the best
    parameters and their importance."""
    from nbprov.runs.report import show_trials

    counts = summary["counts"]
    total = sum(counts.values())
    states = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    print(
        cut(
            f"study {summary['study']}: {total} points ({states or 'none'}); "
            f"{summary['metric']} ({summary['direction']}), sampler {summary['sampler']}",
            200,
        ),
        file=out,
    )
    top_ids = [p["trial"] for p in summary["top"] if p["trial"] is not None]
    if top_ids:
        print(f"\nthe best {len(top_ids)} trials, best first:", file=out)
        out.flush()
        show_trials(top_ids, db, fmt if fmt in ("table", "md", "csv") else "table")
    best = summary["best"]
    if best is None:
        print("\nno point has finished with a value yet", file=out)
    else:
        trial = f"trial {best['trial']}" if best["trial"] is not None else "no trial"
        print(
            f"\nbest: {summary['metric']} = {format_value(best['value'])} "
            f"({trial}, point {best['number']})",
            file=out,
        )
        for name in sorted(best["params"]):
            print(cut(f"  {name} = {format_value(best['params'][name])}", 200), file=out)
    imp = summary.get("importance")
    if imp:
        if imp.get("values"):
            print(f"\nparameter importance for {summary['metric']} (fANOVA):", file=out)
            for name, value in sorted(imp["values"].items(), key=lambda kv: -kv[1]):
                print(f"  {name:<20} {value:.3f}", file=out)
        else:
            print(f"\nparameter importance: not available ({imp.get('note')})", file=out)
    failed = [p for p in summary["history"] if p["state"] == "fail"]
    if failed:
        print(f"\n{len(failed)} failed point(s):", file=out)
        for point in failed[-5:]:
            trial = f"trial {point['trial']}" if point["trial"] is not None else "no trial"
            error = (point.get("error") or "").splitlines()
            print(cut(f"  point {point['number']} ({trial}): {error[0] if error else ''}", 200),
                  file=out)  # fmt: skip
