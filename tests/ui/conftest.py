"""A real JupyterLab server on loopback with nbprov's extensions, and headless Chromium.

The server gets a random free port, a random token, a temporary root directory and its
own ``NBPROV_DB``; its kernels inherit that store. The lab extension is the one built in
the tree (``nbprov/labextension``) when present, else the installed one. Chromium is
Debian's (``/usr/bin/chromium``); browsers are never downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILT_EXTENSION = REPO / "nbprov" / "labextension"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("NBPROV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LabServer:
    """A running JupyterLab server."""

    url: str  # base URL, ending with "/"
    token: str
    root: Path
    db: Path
    log: Path

    def get(self, path: str, *, token: bool = True) -> tuple[int, Any]:
        """GET a server path (relative to the base URL); the status and the JSON body."""
        headers = {"Authorization": f"token {self.token}"} if token else {}
        request = urllib.request.Request(self.url + path.lstrip("/"), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                return error.code, json.loads(body)
            except ValueError:
                return error.code, body.decode("utf-8", "replace")


def lab_command(port: int, token: str, root: Path, settings: Path, workspaces: Path) -> list[str]:
    """JupyterLab on loopback with a token, settings and workspaces of its own, no news."""
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--allow-root",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _installed_extension() -> Path | None:
    path = Path(sysconfig.get_path("data")) / "share" / "jupyter" / "labextensions" / "nbprov"
    return path if (path / "package.json").exists() else None


def _quiet_settings(settings: Path) -> None:
    """User settings that keep first-run pop-ups out of the screenshots."""
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    config = base / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"nbprov.server": True}}})
    )
    settings = base / "settings"
    _quiet_settings(settings)
    env = os.environ.copy()
    data_paths: list[str] = []
    if (BUILT_EXTENSION / "package.json").exists():
        share = base / "share"
        (share / "labextensions").mkdir(parents=True)
        (share / "labextensions" / "nbprov").symlink_to(BUILT_EXTENSION)
        data_paths.append(str(share))
    elif _installed_extension() is None:
        pytest.fail(
            "the lab extension is neither built (nbprov/labextension) nor installed: "
            "run `pip install .` or `cd labextension && npm ci && npm run build`"
        )
    if env.get("JUPYTER_PATH"):
        data_paths.append(env["JUPYTER_PATH"])
    db = base / "store" / "nbprov.db"
    token = secrets.token_hex(16)
    port = _free_port()
    env.update(
        {
            "NBPROV_DB": str(db),
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "JUPYTER_PATH": os.pathsep.join(data_paths),
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
        }
    )
    env.pop("NBPROV_NOTEBOOK", None)
    env.pop("NBPROV_TRIAL_NAME", None)
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "jupyterlab-server.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            lab_command(port, token, root, settings, base / "workspaces"),
            cwd=root,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = LabServer(f"http://127.0.0.1:{port}/", token, root, db, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited at start-up:\n{log.read_text()[-3000:]}")
            try:
                status, _ = server.get("api/status")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A 1280 x 800 page; on failure its screenshot goes to test-artifacts/."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        yield page
    finally:
        if request.node.stash.get(_FAILED, False):
            with contextlib.suppress(Exception):
                screenshot(page, f"failed-{request.node.name}")
        context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
