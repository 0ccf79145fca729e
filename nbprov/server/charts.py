"""``GET {base_url}nbprov/api/charts?notebook=PATH[&highlight=1,2]``: Vega-Lite specs of a
notebook's trials (see :mod:`nbprov.render.vegalite`) for the panel's charts."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from nbprov.render.vegalite import charts
from nbprov.server import core
from nbprov.server.handlers import _Handler


class ChartsHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        store = self.store()
        notebook = self.notebook_arg()
        try:
            highlight = [int(x) for x in self.get_argument("highlight", "").split(",") if x]
        except ValueError as error:
            raise web.HTTPError(400, "highlight is a list of trial ids") from error
        trials: list[dict[str, Any]] = []
        if store.exists:
            notebooks = core.notebook_candidates(self.root_dir, notebook) if notebook else None
            trials = await self.call(core.trials, store, notebooks)
        self.reply({"notebook": notebook, "trials": len(trials), **charts(trials, highlight)})


def setup_chart_handlers(web_app: Any) -> None:
    """Register the charts endpoint next to the rest of the API."""
    from jupyter_server.utils import url_path_join

    from nbprov.server.handlers import API_PATH

    base = url_path_join(web_app.settings["base_url"], API_PATH)
    web_app.add_handlers(".*$", [(url_path_join(base, "charts"), ChartsHandler)])
