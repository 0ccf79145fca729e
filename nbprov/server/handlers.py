"""REST handlers under ``{base_url}nbprov/api/``; every one needs the server's login."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from nbprov.core.deps import SliceError
from nbprov.core.scriptify import ScriptifyError
from nbprov.runs.sweep.study import StudyError
from nbprov.server import core
from nbprov.store import StoreError

T = TypeVar("T")

API_PATH = "nbprov/api"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("nbprov")
    except Exception:
        return "unknown"


class _Handler(APIHandler):
    # Reading provenance is reading what the notebooks did: the "contents" permission.
    auth_resource = "contents"

    @property
    def root_dir(self) -> str:
        return str(self.settings["nbprov_root_dir"])

    def notebook_arg(self) -> str | None:
        """The notebook's Jupyter path, checked to stay inside the server root."""
        value = self.get_argument("notebook", None) or None
        if value is not None:
            try:
                core.notebook_folder(self.root_dir, value)
            except core.BadRequest as error:
                raise web.HTTPError(400, str(error)) from error
        return value

    def trial_and_variable(self) -> tuple[str, str]:
        """The ``trial`` and ``variable`` arguments every per-value request takes."""
        return self.get_argument("trial"), self.get_argument("variable")

    def store(self) -> core.StoreRef:
        try:
            return core.resolve_store(self.root_dir, self.notebook_arg())
        except core.BadRequest as error:
            raise web.HTTPError(400, str(error)) from error

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run a (blocking) store read off the event loop; map failures to HTTP errors."""
        try:
            return await asyncio.to_thread(function, *args)
        except web.HTTPError:
            raise
        except core.BadRequest as error:
            raise web.HTTPError(400, str(error)) from error
        except Exception as error:
            status = _status_for(error)
            if status == 500:
                self.log.exception("nbprov: store read failed")
                raise web.HTTPError(500, f"{type(error).__name__}: {error}") from error
            raise web.HTTPError(status, str(error)) from error

    def reply(self, payload: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload, default=str))


# The core's own errors carry a one-line message meant for the user.
_NOT_FOUND = (StoreError, SliceError, ScriptifyError, StudyError, LookupError)


def _status_for(error: BaseException) -> int:
    """404 for what the store does not have, 400 for other answers the core refuses."""
    if isinstance(error, _NOT_FOUND):
        return 404
    if type(error).__module__.startswith("nbprov.") or isinstance(error, ValueError):
        return 400
    return 500


class InfoHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        store = self.store()
        self.reply(
            {
                "version": _version(),
                "store": store.label,
                "store_exists": store.exists,
                "features": core.features(),
            }
        )


class TrialsHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        store = self.store()
        notebook = self.notebook_arg()
        scope = self.get_argument("scope", "notebook")
        if scope not in ("notebook", "all"):
            raise web.HTTPError(400, "scope is 'notebook' or 'all'")
        text = self.get_argument("filter", "").strip()
        if text:
            await self.call(core.check_filter, text)
        payload: dict[str, Any] = {
            "store": store.label,
            "store_exists": store.exists,
            "notebook": notebook,
            "scope": scope,
            "trials": [],
        }
        if store.exists:
            notebooks = (
                core.notebook_candidates(self.root_dir, notebook)
                if notebook and scope == "notebook"
                else None
            )
            payload["trials"] = await self.call(core.trials, store, notebooks, text or None)
        if text:
            payload["filter"] = text
        self.reply(payload)


class TrialHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        store = self.store()
        if not store.exists:
            raise web.HTTPError(404, f"no nbprov store at {store.label}")
        self.reply(await self.call(core.show, store, ref))


class CompareHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        store = self.store()
        refs = [r for r in self.get_argument("trials", "").split(",") if r.strip()]
        if len(refs) < 2:
            raise web.HTTPError(400, "compare needs two or more trials (?trials=1,2)")
        show_all = self.get_argument("all", "0") in ("1", "true", "yes")
        self.reply(await self.call(core.compare, store, refs, show_all))


class CellChangeHandler(_Handler):
    """A changed cell of a comparison: ``?trials=A,B&cells=HASH_A,HASH_B&metrics=r2,mae``
    (a hash left empty where the cell did not run in that trial)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        store = self.store()
        refs = self.get_argument("trials", "").split(",")
        hashes = self.get_argument("cells", "").split(",")
        if len(refs) != 2 or len(hashes) != 2:
            raise web.HTTPError(400, "name two trials and two cell hashes (?trials=1,2&cells=a,b)")
        metrics = [m.strip() for m in self.get_argument("metrics", "").split(",") if m.strip()]
        before, after = (h.strip() or None for h in hashes)
        self.reply(await self.call(core.cell_change, store, *refs, before, after, metrics))


class DepsHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        trial, variable = self.trial_and_variable()
        self.reply(await self.call(core.deps, self.store(), trial, variable))


class HistoryHandler(_Handler):
    """A variable's recorded values in a trial: ``?trial=3&variable=X_train&seq=12`` (``seq``,
    optional: the activation whose version a lineage node stands for)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        trial, variable = self.trial_and_variable()
        text = self.get_argument("seq", "").strip()
        if text and not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise web.HTTPError(400, "seq is an activation's number (?seq=12)")
        seq = int(text) if text else None
        self.reply(await self.call(core.history, self.store(), trial, variable, seq))


class ScriptHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        trial, variable = self.trial_and_variable()
        script = await self.call(core.scriptify, self.store(), trial, variable)
        self.reply({"trial": trial, "variable": variable, "script": script})


class PipelineHandler(_Handler):
    """POST: write a trial's pipeline package next to the notebook (``nbprov pipeline``)."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        store = self.store()
        trial = self.get_argument("trial")
        targets = [t.strip() for t in self.get_argument("targets", "").split(",") if t.strip()]
        package = self.get_argument("name", None)
        try:
            folder = core.notebook_folder(self.root_dir, self.notebook_arg())
        except core.BadRequest as error:
            raise web.HTTPError(400, str(error)) from error
        self.reply(await self.call(core.export_pipeline, store, folder, trial, targets, package))


class StudiesHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        store = self.store()
        names = await self.call(core.studies, store) if store.exists else []
        self.reply({"store": store.label, "studies": names})


class StudyHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        store = self.store()
        if not store.exists:
            raise web.HTTPError(404, f"no nbprov store at {store.label}")
        self.reply(await self.call(core.study, store, name))


def setup_handlers(web_app: Any, root_dir: str) -> None:
    """Register the API on the Jupyter server's own web application."""
    web_app.settings["nbprov_root_dir"] = root_dir
    base = url_path_join(web_app.settings["base_url"], API_PATH)
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "info"), InfoHandler),
            (url_path_join(base, "trials"), TrialsHandler),
            (url_path_join(base, "trials", "([^/]+)"), TrialHandler),
            (url_path_join(base, "compare"), CompareHandler),
            (url_path_join(base, "cellchange"), CellChangeHandler),
            (url_path_join(base, "deps"), DepsHandler),
            (url_path_join(base, "history"), HistoryHandler),
            (url_path_join(base, "scriptify"), ScriptHandler),
            (url_path_join(base, "pipeline"), PipelineHandler),
            (url_path_join(base, "studies"), StudiesHandler),
            (url_path_join(base, "studies", "([^/]+)"), StudyHandler),
        ],
    )
