"""How long the JupyterLab panel takes, as a user sees it, in a real JupyterLab.

Records the demo (``nbprov demo``: four trials of three notebooks, two of them of the
diabetes notebook) into a temporary folder, starts JupyterLab there on loopback (a free
port, a random token, the extension built in the tree when there is one, as the browser
tests do) and drives Debian's Chromium with Playwright. Each run reloads the page, opens
the panel, and times, in the page (``performance.now()`` until the DOM shows the result):

- trials listed: opening the diabetes notebook, the panel open, until the panel's table
  lists its trials (the notebook's tab, the request and the table);
- panel open: the panel closed and opened again (open-panel command) until the table
  shows: the panel follows the current notebook while closed, so this is drawing alone;
- compare: a click on "Compare picked" (two trials picked) until the comparison shows;
- lineage draw: a click on "Show lineage" (a metric chosen) until the graph's SVG shows.

Prints the median and the range of each step over the runs, in milliseconds. Usage::

    python benchmarks/bench_panel.py [--runs 5] [--variable r2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "ui"))
from conftest import (  # the browser tests' server set-up
    BUILT_EXTENSION,
    CHROMIUM,
    CHROMIUM_ARGS,
    LabServer,
    _free_port,
    _quiet_settings,
    lab_command,
)

from nbprov.cli.demo import default_notebook_dir

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "diabetes_ridge.ipynb"
TIMEOUT_MS = 60_000
PANEL = "#nbprov-provenance-panel"

# Runs `start` in the page, then resolves with the milliseconds until `done()` holds:
# checked after every DOM change, so the time is that of the change that shows the result.
TIMED = """async ([start, done, timeout]) => {
    const check = new Function('return (' + done + ')()');
    const t0 = performance.now();
    const finished = new Promise((resolve, reject) => {
        const observer = new MutationObserver(() => {
            if (check()) { observer.disconnect(); resolve(performance.now() - t0); }
        });
        observer.observe(document.body, {subtree: true, childList: true, attributes: true});
        setTimeout(() => { observer.disconnect(); reject(new Error('timed out')); }, timeout);
    });
    await new Function('return (' + start + ')()')();
    return await finished;
}"""

LISTED = f"document.querySelectorAll('{PANEL} .jp-nbprov-trials tbody tr').length >= 2"
STEPS: dict[str, tuple[str, str]] = {
    "trials listed": (
        f"() => window.jupyterapp.commands.execute('docmanager:open', {{path: '{NOTEBOOK}'}})",
        f"() => {LISTED}",
    ),
    "panel open": (
        "() => window.jupyterapp.commands.execute('nbprov:open-panel')",
        f"() => {LISTED} && document.querySelector('{PANEL}').checkVisibility()",
    ),
    "compare": (
        f"() => document.querySelector('{PANEL} .jp-nbprov-compare-button').click()",
        f"() => document.querySelector('{PANEL} .jp-nbprov-compare tbody tr') !== null",
    ),
    "lineage draw": (
        f"() => document.querySelector('{PANEL} .jp-nbprov-graph-button').click()",
        f"() => document.querySelector('{PANEL} .jp-nbprov-graph svg') !== null",
    ),
}


def record_demo(folder: Path) -> None:
    """The demo notebooks copied into ``folder`` and run there into its default store,
    so that the panel finds their trials when a notebook of the folder is open."""
    for notebook in sorted(default_notebook_dir().glob("*.ipynb")):
        shutil.copy(notebook, folder / notebook.name)
    db = folder / ".nbprov" / "nbprov.db"
    subprocess.run(
        [sys.executable, "-m", "nbprov", "demo", "--notebooks", str(folder), "--db", str(db)],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_lab(base: Path, root: Path) -> tuple[subprocess.Popen[bytes], LabServer]:
    config = base / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        '{"ServerApp": {"jpserver_extensions": {"nbprov.server": true}}}'
    )
    settings = base / "settings"
    _quiet_settings(settings)
    env = os.environ.copy()
    env.pop("NBPROV_DB", None)
    paths = [env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else []
    if (BUILT_EXTENSION / "package.json").exists():
        share = base / "share"
        (share / "labextensions").mkdir(parents=True)
        (share / "labextensions" / "nbprov").symlink_to(BUILT_EXTENSION)
        paths.insert(0, str(share))
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "JUPYTER_PATH": os.pathsep.join(paths),
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
        }
    )
    token, port = secrets.token_hex(16), _free_port()
    log = base / "jupyterlab.log"
    process = subprocess.Popen(
        lab_command(port, token, root, settings, base / "workspaces"),
        cwd=root,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    lab = LabServer(f"http://127.0.0.1:{port}/", token, root, root / ".nbprov", log)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise SystemExit(f"JupyterLab exited:\n{log.read_text()[-2000:]}")
        try:
            if lab.get("api/status")[0] == 200:
                return process, lab
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise SystemExit(f"JupyterLab did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.3)


def timed(page: Any, step: str) -> float:
    start, done = STEPS[step]
    return float(page.evaluate(TIMED, [start, done, TIMEOUT_MS]))


def one_run(page: Any, lab: LabServer, variable: str) -> dict[str, float]:
    page.goto(f"{lab.url}lab?reset&token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=TIMEOUT_MS)
    page.evaluate("() => window.jupyterapp.commands.execute('nbprov:open-panel')")
    page.wait_for_selector(PANEL, state="visible", timeout=TIMEOUT_MS)
    times = {"trials listed": timed(page, "trials listed")}
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const kernel = panel?.sessionContext?.session?.kernel;
            return Boolean(kernel) && kernel.status === 'idle';
        }""",
        timeout=TIMEOUT_MS,
    )
    page.evaluate("() => window.jupyterapp.shell.collapseRight()")
    page.wait_for_selector(PANEL, state="hidden", timeout=TIMEOUT_MS)
    times["panel open"] = timed(page, "panel open")
    panel = page.locator(PANEL)
    rows = panel.locator(".jp-nbprov-trials tbody tr")
    for index in range(2):
        rows.nth(index).locator("input[type=checkbox]").check()
    times["compare"] = timed(page, "compare")
    select = panel.locator(".jp-nbprov-variable-select")
    select.locator(f"option[value='{variable}']").wait_for(state="attached", timeout=TIMEOUT_MS)
    select.select_option(variable)
    times["lineage draw"] = timed(page, "lineage draw")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default: 5)")
    parser.add_argument("--variable", default="r2", help="the variable to draw (default: r2)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nbprov-bench-panel-") as tmp:
        base = Path(tmp)
        root = base / "root"
        root.mkdir()
        started = time.perf_counter()
        record_demo(root)
        print(f"demo recorded in {time.perf_counter() - started:.0f} s")
        process, lab = start_lab(base, root)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                one_run(page, lab, args.variable)  # warm-up: caches, first kernel start
                runs = [one_run(page, lab, args.variable) for _ in range(args.runs)]
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"{'step':<14} {'median ms':>10} {'range ms':>16}   ({args.runs} runs)")
    for step in STEPS:
        values = [run[step] for run in runs]
        low, high = min(values), max(values)
        print(f"{step:<14} {statistics.median(values):>10.0f} {low:>7.0f} - {high:<7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
