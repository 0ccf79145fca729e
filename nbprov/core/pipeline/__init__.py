"""From a recorded trial to a pipeline package: ``nbprov pipeline`` and ``%pipeline``.

The targets' backward slices (:mod:`nbprov.lineage.slicing`), translated cell by cell by
:mod:`nbprov.scriptify`, are split into stage functions (:mod:`.stages`), written as a
package with a plain runner, a Luigi DAG, generated tests and pinned requirements
(:mod:`.package_writer`, :mod:`.luigi_writer`), checked in a fresh interpreter
(:mod:`.verify`) and drawn (:mod:`.graph`). Nothing here imports IPython or argparse;
the fronts are :mod:`.command` (shell and magic).
"""

from __future__ import annotations

from nbprov.core.pipeline.builder import PipelineError, PipelinePlan, plan_pipeline
from nbprov.core.pipeline.package_writer import write_package

__all__ = ["PipelineError", "PipelinePlan", "plan_pipeline", "write_package"]
