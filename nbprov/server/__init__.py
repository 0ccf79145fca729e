"""A Jupyter server extension that serves the nbprov store to the JupyterLab panel.

The handlers live under ``{base_url}nbprov/api/`` on the Jupyter server itself, behind its
own authentication (no new port), and read the store with :mod:`nbprov.core.trials`, so the panel
works with no kernel running. Installing the package enables it through
``etc/jupyter/jupyter_server_config.d/nbprov.json``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_jupyter_server_extension"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "nbprov.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from nbprov.server.charts import setup_chart_handlers
    from nbprov.server.flows import setup_flow_handlers
    from nbprov.server.handlers import setup_handlers

    setup_handlers(serverapp.web_app, root_dir=str(serverapp.root_dir))
    setup_chart_handlers(serverapp.web_app)
    setup_flow_handlers(serverapp.web_app)
    serverapp.log.info("nbprov: provenance API at %snbprov/api/", serverapp.base_url)


# The older name, for servers that look it up.
load_jupyter_server_extension = _load_jupyter_server_extension
