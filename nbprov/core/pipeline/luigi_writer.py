"""The text of a generated package's ``luigi_tasks.py``: one Luigi task per stage.

Each task's ``requires()`` follows the stage DAG (a stage requires the stages it takes
inputs from); each task has, as Luigi parameters, the parameters of its own stage and of
every stage upstream of it, and writes its outputs (see the package's ``serializers``) in
``DATA_DIR/<stage>-<digest of those parameters>/``. A changed parameter thus changes the
output folder, hence completeness, of exactly the tasks downstream of it. ``Targets``
requires every stage that returns a target; ``load_targets`` reads them back.
"""

from __future__ import annotations

from typing import Any

from nbprov.core.pipeline.builder import PipelinePlan
from nbprov.core.pipeline.stages import Stage

__all__ = ["LUIGI_TAKEN", "class_name", "luigi_module"]

# Attributes of a luigi.Task (and of the generated base) a parameter must not shadow.
LUIGI_TAKEN = frozenset(
    {
        "run",
        "output",
        "requires",
        "input",
        "complete",
        "deps",
        "task_id",
        "task_family",
        "param_kwargs",
        "param_args",
        "data_dir",
        "stage",
        "module",
        "inputs",
        "hyper",
        "upstream",
        "clone",
        "priority",
        "resources",
        "retry_count",
        "owner_email",
        "disabled",
        "batchable",
        "accepts_messages",
        "worker_timeout",
        "digest",
    }
)


def class_name(stage: str) -> str:
    """``features_2`` → ``Features2``; never ``Targets``."""
    name = "".join(part[:1].upper() + part[1:] for part in stage.split("_") if part)
    return name + "Stage" if name in ("Targets", "StageTask") else name


def _parameter(name: str, value: Any) -> str:
    default = f"_DEFAULTS[{name!r}]"
    if isinstance(value, bool):
        return f"luigi.BoolParameter(default={default})"
    if isinstance(value, int):
        return f"luigi.IntParameter(default={default})"
    if isinstance(value, float):
        return f"luigi.FloatParameter(default={default})"
    if isinstance(value, str):
        return f"luigi.Parameter(default={default})"
    return f"luigi.Parameter(default=repr({default}))  # a Python literal"


def _ancestors(plan: PipelinePlan, stage: Stage) -> list[Stage]:
    by_name = {s.name: s for s in plan.stages}
    seen: dict[str, Stage] = {}
    todo = [stage]
    while todo:
        current = todo.pop()
        for dep in current.depends:
            if dep not in seen:
                seen[dep] = by_name[dep]
                todo.append(by_name[dep])
    return [s for s in plan.stages if s.name in seen]


def _params_of(plan: PipelinePlan, stages: list[Stage]) -> list[str]:
    names = {p for s in stages for p in s.params}
    return [p for p in plan.params if p in names]


def luigi_module(plan: PipelinePlan) -> str:
    taken = sorted(set(plan.params) & LUIGI_TAKEN)
    if taken:
        from nbprov.core.pipeline.builder import PipelineError

        raise PipelineError(
            f"parameter {', '.join(taken)} would shadow a Luigi task attribute; rename it"
        )
    pkg = plan.package
    last = class_name(plan.stages[-1].name)
    literal = [p for p, v in plan.params.items() if not isinstance(v, (bool, int, float, str))]
    imports = "\n".join(f"from . import {s.name} as _{s.name}" for s in plan.stages)
    out = [
        f'''"""Luigi tasks of {pkg}: one per stage, linked by what each stage takes from another.

    python -m luigi --module {pkg}.luigi_tasks {last} --local-scheduler [--PARAM VALUE]

Each task writes its values under --data-dir (default $PIPELINE_DATA, else
.pipeline-data) in <stage>-<digest of the parameters it depends on>/: changing one
parameter re-runs only the stages downstream of it. Without --local-scheduler the tasks
run on a central luigid scheduler, across machines that share the data folder.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import luigi

from . import params as _params
from . import serializers
{imports}

_DEFAULTS = _params.load()
DATA_DIR = os.environ.get("PIPELINE_DATA", ".pipeline-data")
_LITERAL = frozenset({literal!r})  # parameters passed as Python literal text


def _value(name: str, raw: Any) -> Any:
    return ast.literal_eval(raw) if name in _LITERAL and isinstance(raw, str) else raw


class StageTask(luigi.Task):
    """A stage: load its inputs, call the stage's run(), save what it returns."""

    data_dir = luigi.Parameter(default=DATA_DIR)
    stage = ""
    module: Any = None
    inputs: dict[str, str] = {{}}  # value -> the stage that returns it
    hyper: tuple[str, ...] = ()  # the stage's own parameters

    def upstream(self) -> dict[str, type[StageTask]]:
        return {{}}

    def digest(self) -> str:
        own = {{k: v for k, v in self.param_kwargs.items() if k != "data_dir"}}
        text = json.dumps(own, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def output(self) -> luigi.LocalTarget:
        folder = Path(str(self.data_dir)) / f"{{self.stage}}-{{self.digest()}}"
        return luigi.LocalTarget(str(folder / serializers.MANIFEST))

    def requires(self) -> dict[str, StageTask]:
        return {{
            name: task(**{{k: v for k, v in self.param_kwargs.items()
                           if k in task.get_param_names()}})
            for name, task in self.upstream().items()
        }}

    def run(self) -> None:
        folders = {{
            name: Path(target.path).parent for name, target in self.input().items()
        }}
        manifests = {{
            name: json.loads((folder / serializers.MANIFEST).read_text())
            for name, folder in folders.items()
        }}
        kwargs = {{
            value: serializers.load_value(folders[source], manifests[source][value])
            for value, source in self.inputs.items()
        }}
        kwargs.update({{name: _value(name, getattr(self, name)) for name in self.hyper}})
        result = self.module.run(**kwargs)
        serializers.save_all(result, Path(self.output().path).parent)
''',
    ]
    for stage in plan.stages:
        cls = class_name(stage.name)
        own = _params_of(plan, [stage, *_ancestors(plan, stage)])
        upstream = ", ".join(f"{d!r}: {class_name(d)}" for d in stage.depends)
        lines = [
            "",
            f"class {cls}(StageTask):",
            f'    """Stage {stage.tag}: returns {", ".join(stage.outputs) or "nothing"}."""',
            "",
            f"    stage = {stage.name!r}",
            f"    module = _{stage.name}",
            f"    inputs = {dict(stage.inputs)!r}",
            f"    hyper = {tuple(stage.params)!r}",
        ]
        lines += [f"    {p} = {_parameter(p, plan.params[p])}" for p in own]
        lines += [
            "",
            "    def upstream(self) -> dict[str, type[StageTask]]:",
            f"        return {{{upstream}}}",
            "",
        ]
        out.append("\n".join(lines))
    producers = {t: plan.producer(t) for t in plan.targets}
    all_params = _params_of(plan, plan.stages)
    needed = list(dict.fromkeys(producers.values()))
    tail = [
        "",
        "class Targets(luigi.WrapperTask):",
        '    """Every stage that returns a target."""',
        "",
        "    data_dir = luigi.Parameter(default=DATA_DIR)",
        *[f"    {p} = {_parameter(p, plan.params[p])}" for p in all_params],
        "",
        "    def requires(self) -> list[StageTask]:",
        "        return [",
        "            task(**{k: v for k, v in self.param_kwargs.items()",
        "                    if k in task.get_param_names()})",
        f"            for task in ({', '.join(class_name(n) for n in needed)},)",
        "        ]",
        "",
        "",
        "TARGETS: dict[str, type[StageTask]] = {"
        + ", ".join(f"{t!r}: {class_name(s)}" for t, s in producers.items())
        + "}",
        "",
        "",
        "def load_targets(**params: Any) -> dict[str, Any]:",
        '    """The targets as a finished run with these parameters saved them."""',
        "    values = {}",
        "    for name, task in TARGETS.items():",
        "        chosen = {k: v for k, v in params.items() if k in task.get_param_names()}",
        "        folder = Path(task(**chosen).output().path).parent",
        "        manifest = json.loads((folder / serializers.MANIFEST).read_text())",
        "        values[name] = serializers.load_value(folder, manifest[name])",
        "    return values",
        "",
    ]
    out.append("\n".join(tail))
    return "\n".join(out)
