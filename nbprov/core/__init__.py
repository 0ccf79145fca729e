"""The core every front calls: trials, comparison, lineage queries, scripts and PROV.

It reads and writes through :mod:`nbprov.store` and :mod:`nbprov.lineage`, and never
imports IPython, ipywidgets, argparse, tornado or jupyter_server.
"""
