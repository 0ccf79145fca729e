"""The Optuna study of a search, kept in the store's own database.

Optuna's RDB storage opens the store's SQLAlchemy URL and keeps the study in its own
tables (``studies``, ``trials``, ...), next to nbprov's; a team on PostgreSQL shares one
study as it shares one store. The study remembers what the search is (notebook, metric,
space, sampler) in its user attributes, so ``--resume`` needs only the study's name.
Each nbprov trial that is a point is linked to its study by the ``study_trial`` table.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from nbprov.runs.sweep.options import SAMPLERS
from nbprov.runs.sweep.space import Dimension, grid_space, parse_param
from nbprov.store.engine import describe, resolve_url
from nbprov.store.models import StudyTrial

__all__ = [
    "SAMPLERS",
    "StudyError",
    "StudySpec",
    "import_optuna",
    "linked_trials",
    "load_study",
    "open_study",
    "optuna_storage",
]

DIRECTIONS = {"max": "maximize", "min": "minimize"}
ATTR = "nbprov"  # the study's user attribute holding its description


class StudyError(ValueError):
    """A study that cannot be made, found or resumed as asked."""


@dataclass(frozen=True)
class StudySpec:
    """What a search is: stored with its study, compared on ``--resume``."""

    name: str
    notebook: str
    metric: str
    direction: str  # max | min
    sampler: str
    space: tuple[str, ...]  # the --param specs, NAME=SPACE
    fixed: tuple[tuple[str, Any], ...] = ()  # -p NAME VALUE
    seed: int | None = None

    def dimensions(self) -> list[Dimension]:
        return [parse_param(spec) for spec in self.space]

    def to_json(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "metric": self.metric,
            "direction": self.direction,
            "sampler": self.sampler,
            "space": list(self.space),
            "fixed": dict(self.fixed),
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> StudySpec:
        return cls(
            name=name,
            notebook=str(data["notebook"]),
            metric=str(data["metric"]),
            direction=str(data["direction"]),
            sampler=str(data["sampler"]),
            space=tuple(str(s) for s in data["space"]),
            fixed=tuple(sorted((data.get("fixed") or {}).items())),
            seed=data.get("seed"),
        )


def import_optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise StudyError(
            "nbprov sweep needs Optuna, which is not installed: pip install 'nbprov[sweep]'"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def optuna_storage(db: str, *, create: bool = False) -> Any:
    """Optuna's RDB storage over the store's database (the same SQLAlchemy URL).

    The store is opened first (made, with ``create``, or upgraded), so a bad location
    gets nbprov's own one-line message and the ``study_trial`` table exists.
    """
    from nbprov.store import Store

    optuna = import_optuna()
    Store.open(db, writer=create).close()
    url = resolve_url(db)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # Kernels write the store at the same time: wait for their locks as nbprov does.
        kwargs["engine_kwargs"] = {"connect_args": {"timeout": 30}}
    try:
        return optuna.storages.RDBStorage(url, **kwargs)
    except Exception as exc:
        raise StudyError(f"cannot keep a study in {describe(url)}: {exc}") from exc


def make_sampler(spec: StudySpec) -> Any:
    optuna = import_optuna()
    samplers = optuna.samplers
    if spec.sampler == "tpe":
        return samplers.TPESampler(seed=spec.seed)
    if spec.sampler == "random":
        return samplers.RandomSampler(seed=spec.seed)
    if spec.sampler == "cmaes":
        return samplers.CmaEsSampler(seed=spec.seed, warn_independent_sampling=False)
    if spec.sampler == "grid":
        return _grid_sampler(optuna, grid_space(spec.dimensions()), spec.seed)
    raise StudyError(f"unknown sampler {spec.sampler!r} (one of {', '.join(SAMPLERS)})")


def _grid_sampler(optuna: Any, space: dict[str, list[Any]], seed: int | None) -> Any:
    class AskTellGrid(optuna.samplers.GridSampler):  # type: ignore[misc]
        """Optuna's grid sampler, minus its stop of ``study.optimize`` after the last
        point (which fails outside ``optimize``): the driver counts the points."""

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            return None

    return AskTellGrid(space, seed=seed)


def _describe_spec(spec: StudySpec) -> str:
    return json.dumps(spec.to_json(), sort_keys=True, default=str)


def open_study(db: str, spec: StudySpec, *, resume: bool) -> tuple[Any, StudySpec]:
    """Create the study, or with ``resume`` load it; returns it and the spec it runs.

    Resuming takes the stored spec: a metric, direction or space given again must be the
    stored one.
    """
    optuna = import_optuna()
    storage = optuna_storage(db, create=True)
    names = set(optuna.study.get_all_study_names(storage=storage))
    if resume:
        if spec.name not in names:
            raise StudyError(f"no study named {spec.name!r} in this store to resume")
        stored = stored_spec(optuna.load_study(study_name=spec.name, storage=storage))
        _check_same(spec, stored)
        study = optuna.load_study(
            study_name=stored.name, storage=storage, sampler=make_sampler(stored)
        )
        return study, stored
    if spec.name in names:
        raise StudyError(
            f"a study named {spec.name!r} exists: --resume continues it, --name starts another"
        )
    study = optuna.create_study(
        study_name=spec.name,
        storage=storage,
        direction=DIRECTIONS[spec.direction],
        sampler=make_sampler(spec),
    )
    study.set_user_attr(ATTR, spec.to_json())
    return study, spec


def _check_same(given: StudySpec, stored: StudySpec) -> None:
    for field_name in ("metric", "direction", "sampler"):
        mine = getattr(given, field_name)
        theirs = getattr(stored, field_name)
        if mine and mine != theirs:
            raise StudyError(f"study {stored.name!r} has {field_name} {theirs!r}, not {mine!r}")
    if given.space and sorted(given.space) != sorted(stored.space):
        raise StudyError(
            f"study {stored.name!r} searches {' '.join(stored.space)}; resume it without "
            "--param, or start another study with --name"
        )


def stored_spec(study: Any) -> StudySpec:
    data = study.user_attrs.get(ATTR)
    if not isinstance(data, dict):
        raise StudyError(f"study {study.study_name!r} was not made by nbprov sweep")
    try:
        return StudySpec.from_json(study.study_name, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise StudyError(f"study {study.study_name!r} has an unreadable description") from exc


def _has_studies(db: str) -> bool:
    """Whether Optuna's tables are in the store (a reader never makes them)."""
    from sqlalchemy import inspect

    from nbprov.store import Store

    store = Store.open(db)
    try:
        return bool(inspect(store.engine).has_table("studies"))
    finally:
        store.close()


def load_study(db: str, name: str) -> tuple[Any, StudySpec]:
    """An existing study and its spec (for ``nbprov study``)."""
    optuna = import_optuna()
    if name not in study_names(db):
        raise StudyError(f"no study named {name!r} in this store")
    study = optuna.load_study(study_name=name, storage=optuna_storage(db))
    return study, stored_spec(study)


def study_names(db: str) -> list[str]:
    """The studies kept in the store's database."""
    optuna = import_optuna()
    if not _has_studies(db):
        return []
    return sorted(optuna.study.get_all_study_names(storage=optuna_storage(db)))


def driver_id() -> str:
    """Who runs a point (host and process), to tell an abandoned point on resume."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(driver: object) -> bool:
    if not isinstance(driver, str) or ":" not in driver:
        return False
    host, _, pid = driver.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def fail_abandoned(study: Any) -> int:
    """Mark as failed the running points whose driver on this host is gone (a search
    that was killed, not stopped); returns how many."""
    optuna = import_optuna()
    count = 0
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if not _alive(trial.user_attrs.get("driver")):
            study._storage.set_trial_user_attr(trial._trial_id, "error", "abandoned")
            study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
            count += 1
    return count


def linked_trials(session: Any, study: str, numbers: Sequence[int] | None = None) -> dict[int, int]:
    """``{study trial number: nbprov trial id}`` of a study's linked trials."""
    query = select(StudyTrial.number, StudyTrial.trial_id).where(StudyTrial.study == study)
    if numbers is not None:
        query = query.where(StudyTrial.number.in_(list(numbers)))
    return {int(n): int(t) for n, t in session.execute(query)}
