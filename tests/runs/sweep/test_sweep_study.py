"""The search loop against a real Optuna study in a real store, with points that do not
run a kernel: each fake point writes a trial row, links it, and reports a metric. (The
points as real notebook runs are in tests/e2e/test_sweep_e2e.py, Ray and Ctrl-C in
tests/e2e/test_sweep_interrupt_e2e.py.)"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("optuna")

from nbprov.runs.batch import RunRecord, RunRequest
from nbprov.runs.sweep.driver import ListSource, StudySource, objective_value, run_points
from nbprov.runs.sweep.point import PointRequest, PointResult, link_trial
from nbprov.runs.sweep.results import study_summary
from nbprov.runs.sweep.study import StudyError, StudySpec, fail_abandoned, open_study
from nbprov.store import Store
from nbprov.store.models import StudyTrial, Trial


class FakeEngine:
    """Runs a point at once in this process: a trial row, its link, and a score."""

    def __init__(self, db: str, slots: int = 2, fail_when: Any = None) -> None:
        self.db = db
        self.slots = slots
        self.description = "fake"
        self.fail_when = fail_when or (lambda params: False)
        self.done: list[tuple[int, PointResult | str]] = []
        self.submitted: list[PointRequest] = []

    def submit(self, request: PointRequest) -> int:
        self.submitted.append(request)
        handle = len(self.submitted)
        params = request.run.parameters
        store = Store.open(self.db, writer=True)
        try:
            with store.session() as session:
                trial = Trial(
                    uuid=str(uuid.uuid4()),
                    name=request.run.name,
                    notebook=request.run.notebook,
                    started_at=datetime.now(timezone.utc),
                    status="ok",
                )
                session.add(trial)
                session.commit()
                trial_id = trial.id
        finally:
            store.close()
        if request.study is not None and request.number is not None:
            link_trial(self.db, trial_id, request.study, request.number)
        failed = self.fail_when(params)
        x = float(params.get("x", 0) or 0)  # type: ignore[arg-type]
        record = RunRecord(
            notebook=request.run.notebook,
            parameters=dict(params),
            trial=trial_id,
            name=request.run.name,
            status="error" if failed else "ok",
            ok=not failed,
            error="ValueError: boom" if failed else None,
            metrics={} if failed else {"score": -((x - 0.3) ** 2)},
        )
        self.done.append((handle, PointResult(request, record)))
        return handle

    def wait(self, handles: Iterable[Any], timeout: float) -> list[tuple[Any, PointResult | str]]:
        wanted = set(handles)
        ready = [(h, r) for h, r in self.done if h in wanted]
        self.done = [(h, r) for h, r in self.done if h not in wanted]
        return ready

    def interrupt(self, handles: Iterable[Any]) -> None:
        pass

    def close(self, abort: bool = False) -> None:
        pass


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "store.db")


def spec(
    name: str = "s", sampler: str = "random", space: tuple[str, ...] = ("x=float:0:1",)
) -> StudySpec:
    return StudySpec(name, "/nb.ipynb", "score", "max", sampler, space, seed=7)


def run_study(
    db: str, the_spec: StudySpec, count: int, *, resume: bool = False, **engine: Any
) -> tuple[Any, StudySource, FakeEngine]:
    study, the_spec = open_study(db, the_spec, resume=resume)
    fake = FakeEngine(db, **engine)
    source = StudySource(study, the_spec, db=db, count=count, timeout=None)
    outcome = run_points(fake, source)
    assert not outcome.interrupted
    return study, source, fake


def links(db: str) -> dict[tuple[str, int], int]:
    store = Store.open(db)
    try:
        with store.session() as session:
            return {(r.study, r.number): r.trial_id for r in session.query(StudyTrial)}
    finally:
        store.close()


def test_the_study_shares_the_store_database(db: str) -> None:
    run_study(db, spec(), 1)
    import sqlalchemy

    tables = set(sqlalchemy.inspect(sqlalchemy.create_engine(f"sqlite:///{db}")).get_table_names())
    assert {"trial", "study_trial", "studies", "trials"} <= tables


def test_every_point_is_a_linked_trial(db_url: str) -> None:
    # On SQLite and on PostgreSQL: the study in Optuna's tables of the store's database.
    db = db_url
    study, _, fake = run_study(db, spec(), 5)
    assert len(study.trials) == 5
    linked = links(db)
    for trial in study.trials:
        assert trial.state.name == "COMPLETE"
        assert linked[("s", trial.number)] == trial.user_attrs["nbprov_trial"]
    # Trials are named STUDY#NUMBER and carry the point's parameters.
    assert [r.run.name for r in fake.submitted] == [f"s#{n}" for n in range(5)]
    assert all(set(r.run.parameters) == {"x"} for r in fake.submitted)


def test_failures_are_told_as_failed(db: str) -> None:
    fails = lambda params: params["x"] > 0.5  # noqa: E731
    study, source, _ = run_study(db, spec(), 8, fail_when=fails)
    states = {t.number: t.state.name for t in study.trials}
    failed = [t for t in study.trials if t.params["x"] > 0.5]
    assert failed, "the seed gives some points above 0.5"
    for trial in failed:
        assert states[trial.number] == "FAIL"
        assert trial.user_attrs["error"] == "ValueError: boom"
        assert trial.user_attrs["nbprov_trial"] == links(db)[("s", trial.number)]
    summary = study_summary(study, source.spec, db, with_importance=False)
    assert summary["counts"]["fail"] == len(failed)
    assert all(p["state"] == "complete" for p in summary["top"])


def test_resume_continues_the_study(db_url: str) -> None:
    db = db_url
    run_study(db, spec(), 3)
    with pytest.raises(StudyError, match="exists"):
        open_study(db, spec(), resume=False)
    given = StudySpec("s", "/nb.ipynb", "", "max", "random", ())
    study, source, _ = run_study(db, given, 2, resume=True)
    assert [t.number for t in study.trials] == [0, 1, 2, 3, 4]
    assert source.spec.metric == "score" and source.spec.space == ("x=float:0:1",)
    assert len(links(db)) == 5
    with pytest.raises(StudyError, match="no study named"):
        open_study(db, spec("other"), resume=True)
    with pytest.raises(StudyError, match="metric"):
        open_study(db, StudySpec("s", "/nb.ipynb", "r2", "max", "random", ()), resume=True)


def test_grid_covers_the_product(db: str) -> None:
    grid = spec("g", "grid", ("x=0.1,0.3,0.9", "k=choice:a,b"))
    study, source, _ = run_study(db, grid, 6)
    seen = sorted((t.params["x"], t.params["k"]) for t in study.trials)
    assert seen == sorted((x, k) for x in (0.1, 0.3, 0.9) for k in ("a", "b"))
    summary = study_summary(study, source.spec, db, with_importance=False)
    assert summary["best"]["params"]["x"] == 0.3


def test_summary_has_importance_and_history(db: str) -> None:
    study, source, _ = run_study(db, spec("i", space=("x=float:0:1", "k=int:1:3")), 8)
    summary = study_summary(study, source.spec, db)
    values = summary["importance"]["values"]
    assert set(values) == {"x", "k"} and abs(sum(values.values()) - 1) < 1e-6
    best = [h["best_so_far"] for h in summary["history"]]
    assert best == sorted(best) and best[-1] == summary["best"]["value"]
    assert len(summary["top"]) == 5


def test_abandoned_running_points_fail_on_resume(db: str) -> None:
    study, _ = open_study(db, spec("a"), resume=False)
    trial = study.ask()
    # Its driver ran on this host and is gone.
    trial.set_user_attr("driver", f"{socket.gethostname()}:999999999")
    assert fail_abandoned(study) == 1
    assert study.trials[0].state.name == "FAIL"


def test_objective_value() -> None:
    ok = RunRecord(
        "n", {}, 1, None, "ok", True, metrics={"r2": 0.5, "flag": True, "nan": float("nan")}
    )
    assert objective_value(ok, "r2") == (0.5, None)
    assert objective_value(ok, "missing")[1] is not None
    assert "not a number" in (objective_value(ok, "flag")[1] or "")
    assert objective_value(ok, "nan")[0] is None


def test_list_source_keeps_request_order(db: str) -> None:
    requests = [RunRequest("/nb.ipynb", db, {"x": i}, name=f"r{i}") for i in range(4)]
    source = ListSource(requests)
    run_points(FakeEngine(db, slots=3), source)
    assert [r.name for r in source.records if r is not None] == ["r0", "r1", "r2", "r3"]


def test_resume_takes_what_is_not_given_from_the_study(db: str) -> None:
    minimise = StudySpec("m", "/nb.ipynb", "score", "min", "cmaes", ("x=float:0:1",), seed=1)
    run_study(db, minimise, 2)
    nothing_given = StudySpec("m", "/nb.ipynb", "", "", "", ())
    study, source, _ = run_study(db, nothing_given, 1, resume=True)
    assert (source.spec.direction, source.spec.sampler, source.spec.seed) == ("min", "cmaes", 1)
    assert len(study.trials) == 3
    with pytest.raises(StudyError, match="sampler 'cmaes', not 'tpe'"):
        open_study(db, StudySpec("m", "/nb.ipynb", "", "", "tpe", ()), resume=True)
    with pytest.raises(StudyError, match="direction 'min', not 'max'"):
        open_study(db, StudySpec("m", "/nb.ipynb", "", "max", "", ()), resume=True)
