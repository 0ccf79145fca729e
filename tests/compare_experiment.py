"""A small experiment in cells, run as one trial per call: the material of the
comparison tests (core and fronts)."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

PARAMS = 'alpha = {alpha}\nn_iter = {n_iter}\nsolver = "{solver}"\nseed = 7'
TAGS = (
    "%tag_var alpha hyperparam\n%tag_var n_iter hyperparam\n%tag_var solver hyperparam\n"
    "%tag_var seed hyperparam\n%tag_var r2 metric\n%tag_var steps metric\n"
    "%tag_var label metric"
)
FEATURES = "%tag features\nxs = [i * seed for i in range(10)]"
SCORE = "%tag score\nweights = [x * alpha for x in xs]\nsteps = n_iter * 2"
EVALUATE = '%tag evaluate\nr2 = round(0.5 + alpha / 10, 6)\nlabel = solver + "-run"'
REPORT = 'print("done", r2)'


def run_trial(
    shell: InteractiveShell,
    *,
    alpha: float = 0.1,
    n_iter: int = 3,
    solver: str = "lbfgs",
    first: bool = False,
    name: str | None = None,
    report: str = REPORT,
    extra: list[str] | None = None,
) -> int:
    """Run the experiment as one trial; return its id."""
    if not first:
        run(shell, f"%trial new {name}" if name else "%trial new")
    run(shell, PARAMS.format(alpha=alpha, n_iter=n_iter, solver=solver), cell_id="params")
    if first:
        run(shell, TAGS, cell_id="tags")
    run(shell, FEATURES, cell_id="features")
    run(shell, SCORE, cell_id="score")
    run(shell, EVALUATE, cell_id="evaluate")
    for n, cell in enumerate(extra or []):
        run(shell, cell, cell_id=f"extra{n}")
    run(shell, report, cell_id="report")
    flush(shell)
    import nbprov

    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    return recorder.trial_id
