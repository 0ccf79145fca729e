"""Write a :class:`~.builder.PipelinePlan` as a Python package.

Layout of ``-o DIR``::

    DIR/
      README.md              what the package is, how to run it, its stage DAG
      requirements.txt       the trial's recorded package versions
      pyproject.toml         so that ``pip install -e DIR`` works
      tests/test_pipeline.py runs the pipeline, checks every target against the record
      PKG/__init__.py        run(), STAGES, TARGETS (no Luigi import)
      PKG/__main__.py        python -m PKG [--param NAME=VALUE ...] [--check]
      PKG/params.toml        the recorded hyperparameters and input paths
      PKG/params.py          loads params.toml (the recorded values are the fallback)
      PKG/pipeline.py        the plain runner: the stages in order, in one process
      PKG/<stage>.py         one module per stage, a ``run(...)`` function each
      PKG/check.py           the recorded targets (recorded.json) and how to compare
      PKG/serializers.py     how Luigi tasks save and load values
      PKG/luigi_tasks.py     one Luigi task per stage (the only module importing luigi)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from nbprov.core.pipeline.builder import PipelineError, PipelinePlan
from nbprov.core.pipeline.graph import text_dag
from nbprov.core.pipeline.luigi_writer import luigi_module
from nbprov.core.pipeline.stages import Stage
from nbprov.core.pipeline.toml_text import toml_document

__all__ = ["package_files", "stage_module", "write_package"]

SERIALIZERS = Path(__file__).with_name("serializers.py")
# What luigi_tasks.py needs beyond the trial's own packages.
LUIGI_REQUIREMENTS = ("luigi>=3.5", "pyarrow", "joblib")


def _doc(text: str) -> str:
    return '"""' + text.replace("\\", "\\\\").replace('"""', "'''") + '\n"""\n'


def _trial_text(plan: PipelinePlan) -> str:
    named = f" ({plan.trial_name})" if plan.trial_name else ""
    return f"nbprov trial {plan.trial}{named}"


def stage_module(plan: PipelinePlan, stage: Stage) -> str:
    """The module of one stage: its imports, then ``run(inputs..., *, params...)``."""
    cells = " ".join(
        f"[{c.execution_count}]" if c.execution_count else f"(cell {c.seq})" for c in stage.cells
    )
    inputs = ", ".join(f"{n} (from {s})" for n, s in stage.inputs.items()) or "none"
    doc = [
        f"Stage `{stage.tag}` of {_trial_text(plan)}: cells {cells} of",
        f"{plan.notebook or 'the notebook'}.",
        "",
        f"Inputs: {inputs}.",
        f"Parameters: {', '.join(stage.params) or 'none'}.",
        f"Returns: {', '.join(stage.outputs) or 'nothing later stages use'}.",
    ]
    doc += [f"Note: {note}" for note in stage.notes]
    lines = [_doc("\n".join(doc))]
    if stage.imports:
        lines += [*stage.imports, ""]
    for text, _globals in stage.defs.values():
        lines += ["", text, ""]
    lines.append("")
    args = list(stage.inputs)
    if stage.params:
        args += ["*", *stage.params]
    lines.append(f"def run({', '.join(args)}):")
    lines.append(f'    """Run stage {stage.name}; return the values later stages use."""')
    body = stage.body
    lines += ["    " + line if line.strip() else "" for line in body.splitlines()]
    returned = ", ".join(f"{n!r}: {n}" for n in stage.outputs)
    lines.append(f"    return {{{returned}}}")
    return "\n".join(lines) + "\n"


def _params_module(plan: PipelinePlan) -> str:
    recorded = ",\n".join(f"    {k!r}: {v!r}" for k, v in plan.params.items())
    kinds = ",\n".join(f"    {k!r}: {v!r}" for k, v in plan.param_kinds.items())
    return (
        (
            _doc(
                "The pipeline's parameters: the values recorded in "
                f"{_trial_text(plan)},\noverridden by params.toml, then by the caller."
            )
            + """
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

RECORDED: dict[str, Any] = {
@RECORDED@
}
KINDS: dict[str, str] = {
@KINDS@
}
TOML = Path(__file__).with_name("params.toml")


def _same_shape(name: str, value: Any) -> Any:
    if isinstance(RECORDED[name], tuple) and isinstance(value, list):
        return tuple(value)
    return value


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    \"\"\"The recorded values, then params.toml (Python 3.11+), then ``overrides``.\"\"\"
    values = dict(RECORDED)
    try:
        import tomllib
    except ImportError:  # Python 3.10: the recorded values
        tomllib = None
    if tomllib is not None and TOML.is_file():
        with TOML.open("rb") as handle:
            for name, value in tomllib.load(handle).items():
                if name not in RECORDED:
                    raise KeyError(f"params.toml: unknown parameter {name!r}")
                values[name] = _same_shape(name, value)
    for name, value in (overrides or {}).items():
        if name not in RECORDED:
            raise KeyError(f"unknown parameter {name!r}; known: {', '.join(RECORDED)}")
        values[name] = value
    return values


def parse(text: str) -> tuple[str, Any]:
    \"\"\"``NAME=VALUE`` → (NAME, VALUE): a Python literal, else the text itself.\"\"\"
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    if name not in RECORDED:
        raise ValueError(f"unknown parameter {name!r}; known: {', '.join(RECORDED) or 'none'}")
    try:
        value = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError):
        value = raw.strip()
    return name, _same_shape(name, value)
"""
        )
        .replace("@RECORDED@", recorded)
        .replace("@KINDS@", kinds)
    )


def _pipeline_module(plan: PipelinePlan) -> str:
    stages = ",\n".join(
        f"    ({s.name!r}, {dict(s.inputs)!r}, {s.params!r}, {s.outputs!r})" for s in plan.stages
    )
    targets = ", ".join(f"{t!r}: {plan.producer(t)!r}" for t in plan.targets)
    return (
        _doc(
            "The plain runner: every stage in order, in this process; no Luigi needed.\n\n"
            "STAGES lists (stage module, {input: producing stage}, parameters, outputs)."
        )
        + f"""
from __future__ import annotations

import importlib
from typing import Any

from . import params as _params

STAGES: list[tuple[str, dict[str, str], list[str], list[str]]] = [
{stages}
]
TARGETS: dict[str, str] = {{{targets}}}  # target -> the stage returning it


def run_stages(overrides: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    \"\"\"Run every stage; each stage's returned values, by stage.\"\"\"
    values = _params.load(overrides)
    produced: dict[str, dict[str, Any]] = {{}}
    for name, inputs, params, _outputs in STAGES:
        module = importlib.import_module(f"{{__package__}}.{{name}}")
        kwargs = {{value: produced[source][value] for value, source in inputs.items()}}
        kwargs.update({{param: values[param] for param in params}})
        produced[name] = module.run(**kwargs)
    return produced


def run(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    \"\"\"Run the pipeline; the targets' values.\"\"\"
    produced = run_stages(overrides)
    return {{target: produced[stage][target] for target, stage in TARGETS.items()}}
"""
    )


def _main_module(plan: PipelinePlan) -> str:
    return (
        _doc(f"``python -m {plan.package} [--param NAME=VALUE ...] [--check]``")
        + f"""
from __future__ import annotations

import argparse
import sys

from . import check, params, pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m {plan.package}",
        description="Run the stages of {_trial_text(plan)} in order; print the targets.",
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="override a parameter of params.toml (a Python literal or text); repeatable",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="compare the targets with the recorded values: exit 1 when one differs",
    )
    args = parser.parse_args(argv)
    try:
        overrides = dict(params.parse(text) for text in args.param)
    except ValueError as exc:
        parser.error(str(exc))
    values = pipeline.run(overrides)
    for name, value in values.items():
        print(f"{{name}} = {{value!r}}")
    if not args.check:
        return 0
    failed = 0
    for name, value in values.items():
        status, message = check.compare(name, value)
        failed += status == "differs"
        print(f"{{status}}: {{message}}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
"""
    )


CHECK_MODULE = '''
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORDED: dict[str, Any] = json.loads(Path(__file__).with_name("recorded.json").read_text())


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=repr))


def compare(name: str, value: Any) -> tuple[str, str]:
    """("ok" | "differs" | "unchecked", message) for a target's value."""
    recorded = RECORDED.get(name)
    if recorded is None:
        return "unchecked", f"no value of {name!r} was recorded"
    try:
        from nbprov.capture.values import summarize
    except ImportError:
        summarize = None
    if summarize is not None:
        got, exact, fingerprint = summarize(value)
    else:
        got, exact, fingerprint = value, True, None
    if recorded["exact"]:
        if exact and _normal(got) == _normal(recorded["value"]):
            return "ok", f"{name} = {got!r}, as recorded"
        return "differs", f"{name} = {got!r}, recorded {recorded['value']!r}"
    if summarize is None:
        return "unchecked", f"{name}: comparing fingerprints needs nbprov installed"
    if fingerprint == recorded["fingerprint"]:
        return "ok", f"{name} has the recorded fingerprint {fingerprint}"
    return "differs", (
        f"{name} fingerprint {fingerprint} differs from the recorded {recorded['fingerprint']}"
    )
'''


def _test_module(plan: PipelinePlan) -> str:
    pkg = plan.package
    return (
        _doc(
            f"Generated by `nbprov pipeline`: the pipeline of {_trial_text(plan)} rebuilds its\n"
            "targets as recorded (equal values, or equal fingerprints for values nbprov\n"
            "keeps only as a summary), with the plain runner and with Luigi."
        )
        + f"""
from __future__ import annotations

import pytest

from {pkg} import check, pipeline


@pytest.fixture(scope="module")
def values():
    return pipeline.run()


@pytest.mark.parametrize("name", sorted(check.RECORDED))
def test_target(values, name):
    status, message = check.compare(name, values[name])
    if status == "unchecked":
        pytest.skip(message)
    assert status == "ok", message


def test_luigi_run(tmp_path):
    luigi = pytest.importorskip("luigi")
    from {pkg} import luigi_tasks

    task = luigi_tasks.Targets(data_dir=str(tmp_path))
    assert luigi.build([task], local_scheduler=True, log_level="WARNING")
    loaded = luigi_tasks.load_targets(data_dir=str(tmp_path))
    for name in sorted(check.RECORDED):
        status, message = check.compare(name, loaded[name])
        assert status != "differs", "luigi: " + message
"""
    )


def _recorded_json(plan: PipelinePlan) -> str:
    data = {
        name: None
        if rec is None
        else {"value": rec.value, "exact": rec.exact, "fingerprint": rec.fingerprint}
        for name, rec in plan.recorded.items()
    }
    return json.dumps(data, indent=1, sort_keys=True, default=repr) + "\n"


def _requirements(plan: PipelinePlan) -> str:
    lines = [f"# the packages the stages import, as recorded in {_trial_text(plan)}"]
    lines += [f"{dist}=={version}" for dist, version in plan.packages.items()]
    lines += ["# luigi_tasks.py and its serializer", *LUIGI_REQUIREMENTS]
    lines += ["# tests/test_pipeline.py (nbprov compares the fingerprints of non-JSON values)"]
    lines += ["pytest", "nbprov"]
    return "\n".join(lines) + "\n"


def _pyproject(plan: PipelinePlan) -> str:
    deps = ", ".join(json.dumps(f"{d}=={v}") for d, v in plan.packages.items())
    return f"""[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{plan.package.replace("_", "-")}"
version = "0.1.0"
description = "Pipeline of {_trial_text(plan)}, generated by nbprov pipeline"
requires-python = ">=3.10"
dependencies = [{deps}]

[project.optional-dependencies]
luigi = [{", ".join(json.dumps(r) for r in LUIGI_REQUIREMENTS)}]

[tool.setuptools]
packages = ["{plan.package}"]

[tool.setuptools.package-data]
{plan.package} = ["params.toml", "recorded.json"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""


def _readme(plan: PipelinePlan) -> str:
    pkg = plan.package
    last = plan.stages[-1]
    rows = [
        f"| `{s.name}` | {s.tag} | {', '.join(f'`{n}`' for n in s.inputs) or '-'} | "
        f"{', '.join(f'`{p}`' for p in s.params) or '-'} | "
        f"{', '.join(f'`{o}`' for o in s.outputs) or '-'} |"
        for s in plan.stages
    ]
    params = [
        f"| `{k}` | {plan.param_kinds.get(k, '')} | `{v!r}` |" for k, v in plan.params.items()
    ]
    notes = [f"- `{s.name}`: {n}" for s in plan.stages for n in s.notes]
    joined = [
        f"- cell [{c.execution_count}] was untagged: {c.joined}"
        for s in plan.stages
        for c in s.cells
        if c.joined
    ]
    from nbprov.core.pipeline.luigi_writer import class_name

    text = f"""# {pkg}

Generated by `nbprov pipeline` from {_trial_text(plan)} (uuid {plan.trial_uuid}),
notebook `{plan.notebook or "(unknown)"}`. It rebuilds {", ".join(f"`{t}`" for t in plan.targets)}
from only the cells in their backward slices, split into one function per stage.

## Run it

```
pip install -r requirements.txt
python -m {pkg}                          # the stages in order; prints the targets
python -m {pkg} --param NAME=VALUE       # another value of a parameter
python -m {pkg} --check                  # exit 1 when a target differs from the record
python -m pytest                         # tests/test_pipeline.py
python -m luigi --module {pkg}.luigi_tasks {class_name(last.name)} --local-scheduler
```

`python -m` finds the package in the current folder; the `luigi` command, run from
anywhere, needs it installed: `pip install -e .`, then
`luigi --module {pkg}.luigi_tasks {class_name(last.name)} --local-scheduler`.

Edit `{pkg}/params.toml` to change the defaults. The Luigi tasks take every parameter as
a Luigi parameter (`--alpha 1.0`) and write each stage's values under `--data-dir`
(default `.pipeline-data`, or `$PIPELINE_DATA`) in a folder named after the stage and a
digest of the parameters it depends on: changing one parameter re-runs only the stages
downstream of it. Frames are saved as parquet, arrays as `.npy`, JSON scalars as JSON,
anything else with joblib (loading joblib runs code: load only folders you wrote).

## Stages

| module | stage | inputs | parameters | returns |
|---|---|---|---|---|
{chr(10).join(rows)}

```
{text_dag(plan)}
```

## Parameters

| name | kind | recorded |
|---|---|---|
{chr(10).join(params) or "| (none) | | |"}
"""
    if joined or notes:
        text += "\n## Notes\n\n" + "\n".join([*joined, *notes]) + "\n"
    return text


def package_files(plan: PipelinePlan) -> dict[str, str]:
    """Relative path → text of every file of the package."""
    pkg = plan.package
    params_comments = {
        k: ("hyperparameter" if plan.param_kinds.get(k) == "hyperparam" else "input file")
        for k in plan.params
    }
    files = {
        "README.md": _readme(plan),
        "requirements.txt": _requirements(plan),
        "pyproject.toml": _pyproject(plan),
        "tests/test_pipeline.py": _test_module(plan),
        f"{pkg}/__init__.py": _doc(f"The stages of {_trial_text(plan)} as a package.")
        + "\nfrom .pipeline import STAGES, TARGETS, run, run_stages\n\n"
        + '__all__ = ["STAGES", "TARGETS", "run", "run_stages"]\n',
        f"{pkg}/__main__.py": _main_module(plan),
        f"{pkg}/params.toml": toml_document(
            plan.params, params_comments, f"Parameters recorded in {_trial_text(plan)}."
        ),
        f"{pkg}/params.py": _params_module(plan),
        f"{pkg}/pipeline.py": _pipeline_module(plan),
        f"{pkg}/check.py": _doc("The recorded targets, and how a value is compared with them.")
        + CHECK_MODULE,
        f"{pkg}/recorded.json": _recorded_json(plan),
        f"{pkg}/serializers.py": SERIALIZERS.read_text(),
        f"{pkg}/luigi_tasks.py": luigi_module(plan),
    }
    for stage in plan.stages:
        files[f"{pkg}/{stage.name}.py"] = stage_module(plan, stage)
    return files


def write_package(plan: PipelinePlan, out: str | Path) -> list[Path]:
    """Write the package into ``out`` (its old package folder is replaced); the paths."""
    root = Path(out)
    stale = root / plan.package
    if stale.is_dir():
        # Replace only a package this writer made: never a folder of the user's own.
        if not (stale / "recorded.json").is_file() or not (stale / "luigi_tasks.py").is_file():
            raise PipelineError(f"{stale} exists and was not written by nbprov pipeline")
        shutil.rmtree(stale)
    written: list[Path] = []
    for rel, text in package_files(plan).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def describe(plan: PipelinePlan) -> dict[str, Any]:
    """The plan as JSON (``--format json``): stages, edges, parameters, targets."""
    return {
        "trial": plan.trial,
        "package": plan.package,
        "targets": {t: plan.producer(t) for t in plan.targets},
        "params": plan.params,
        "stages": [
            {
                "name": s.name,
                "tag": s.tag,
                "cells": [c.execution_count for c in s.cells],
                "inputs": s.inputs,
                "params": s.params,
                "outputs": s.outputs,
                "notes": s.notes,
            }
            for s in plan.stages
        ],
    }
