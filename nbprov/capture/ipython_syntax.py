"""Cells are written in IPython's syntax (magics, ``!cmd``, ``x?``): read them as the plain
Python IPython itself would run, with IPython's own input transformer.

The one place below the fronts that reaches into IPython, and only for its syntax rules.
"""

from __future__ import annotations


def plain_python(source: str) -> str:
    """``source`` with IPython's syntax turned into the Python it runs."""
    from IPython.core.inputtransformer2 import TransformerManager

    manager = TransformerManager()  # type: ignore[no-untyped-call]
    text: str = manager.transform_cell(source)
    return text
