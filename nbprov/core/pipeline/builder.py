"""The core function every front calls: a trial and targets → a :class:`PipelinePlan`.

The plan is everything the package writer needs, read from the store alone: the stage
functions, the parameters (tagged hyperparameters and input paths, with their recorded
values), the recorded value of each target, the recorded package versions.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprov.core.pipeline.slices import translate_targets
from nbprov.core.pipeline.stages import Stage, StageError, split_stages
from nbprov.core.scriptify.script import RecordedValue, ScriptifyError
from nbprov.store.queries import resolve_trial

__all__ = ["PipelineError", "PipelinePlan", "package_name", "plan_pipeline"]


class PipelineError(Exception):
    """The pipeline cannot be built (unknown trial or target, nothing to split)."""


@dataclass
class PipelinePlan:
    """What a generated package holds, before it is written."""

    package: str
    trial: int
    trial_name: str | None
    trial_uuid: str
    notebook: str | None
    targets: list[str]
    stages: list[Stage]
    params: dict[str, Any]  # option name -> recorded value
    param_kinds: dict[str, str]  # option name -> "hyperparam" | "path"
    recorded: dict[str, RecordedValue | None]
    packages: dict[str, str]  # distribution -> recorded version
    python: str | None = None
    git: dict[str, Any] | None = None
    added_cells: list[int | None] = field(default_factory=list)

    @property
    def run_dir(self) -> Path | None:
        """The recorded run's folder, when it still exists (relative paths start there)."""
        if self.notebook:
            folder = Path(self.notebook).parent
            if folder.is_absolute() and folder.is_dir():
                return folder
        return None

    def producer(self, target: str) -> str:
        """The stage whose output holds ``target``."""
        return next(s.name for s in reversed(self.stages) if target in s.outputs)


def package_name(notebook: str | None, trial: int) -> str:
    """A Python package name from the notebook's name: ``diabetes_ridge_pipeline``."""
    stem = Path(notebook).stem if notebook else f"trial_{trial}"
    name = re.sub(r"\W+", "_", stem.lower()).strip("_") or f"trial_{trial}"
    if name[0].isdigit():
        name = "nb_" + name
    return f"{name}_pipeline"


def plan_pipeline(
    trial_ref: str | int,
    targets: Sequence[str],
    *,
    db: str | None = None,
    store: Any = None,
    package: str | None = None,
) -> PipelinePlan:
    """Read the trial and split the targets' slices into stages (see :mod:`.stages`)."""
    from nbprov.store import Store

    if not targets:
        raise PipelineError("name at least one target")
    if package is not None and (not package.isidentifier() or keyword.iskeyword(package)):
        raise PipelineError(f"{package!r} is not a Python package name")
    own = store is None
    opened = Store.open(db) if own else store
    try:
        with opened.session() as session:
            trial = resolve_trial(session, trial_ref)
            try:
                script, recorded, written = translate_targets(session, trial, list(targets))
            except ScriptifyError as exc:
                raise PipelineError(str(exc)) from exc
            env: dict[str, Any] = dict(trial.environment or {})
            trial_id, name, uuid, notebook = trial.id, trial.name, trial.uuid, trial.notebook
    finally:
        if own:
            opened.close()
    try:
        stages = split_stages(script.sections, script.options, list(targets), written)
    except StageError as exc:
        raise PipelineError(str(exc)) from exc
    git = env.get("git") if isinstance(env.get("git"), dict) else None
    return PipelinePlan(
        package=package or package_name(notebook, trial_id),
        trial=trial_id,
        trial_name=name,
        trial_uuid=str(uuid),
        notebook=notebook,
        targets=list(dict.fromkeys(targets)),
        stages=stages,
        params={o.name: o.default for o in script.options},
        param_kinds={o.name: o.kind for o in script.options},
        recorded=recorded,
        packages=dict(script.packages),
        python=str(env["python"]) if env.get("python") else None,
        git=git,
        added_cells=list(script.added),
    )
