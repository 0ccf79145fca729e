"""``GET {base_url}nbprov/api/flows?trial=REF``: what each cell of a trial read from which
other cell (see :mod:`nbprov.lineage.flows`), for the stale-cell markers."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from nbprov.core.flows import flows
from nbprov.server.handlers import _Handler


class FlowsHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        store = self.store()
        ref = self.get_argument("trial", "").strip()
        if not ref:
            raise web.HTTPError(400, "no trial given")
        trial: str | int = int(ref) if ref.isdigit() else ref
        self.reply(await self.call(flows, trial, store.db))


def setup_flow_handlers(web_app: Any) -> None:
    """Register the flows endpoint next to the rest of the API."""
    from jupyter_server.utils import url_path_join

    from nbprov.server.handlers import API_PATH

    base = url_path_join(web_app.settings["base_url"], API_PATH)
    web_app.add_handlers(".*$", [(url_path_join(base, "flows"), FlowsHandler)])
