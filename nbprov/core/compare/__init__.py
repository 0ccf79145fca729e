"""Trial comparison: the rows that differ, why a metric moved, and trial selection.

:mod:`facts` reads what a comparison is made of, :mod:`rows` builds the comparison,
:mod:`why` explains a metric's change, :mod:`filters` parses ``--filter`` and ``--sort``,
and :mod:`selection` picks trials with them.
"""

from nbprov.core.compare.facts import CompareError
from nbprov.core.compare.filters import FilterError
from nbprov.core.compare.rows import compare, compare_trials
from nbprov.core.compare.selection import select_trials
from nbprov.core.compare.why import why

__all__ = ["CompareError", "FilterError", "compare", "compare_trials", "select_trials", "why"]
