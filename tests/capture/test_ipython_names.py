"""The fast checks of IPython's own names agree with the regular expressions they stand for."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from nbprov.capture.ipython_names import HISTORY_NAME, is_history_name, output_count

# Names like IPython's and like the user's: underscores, ``i``, digits (other scripts' too).
_names = st.text(
    alphabet=st.sampled_from(["_", "i", "o", "h", "x", "0", "7", "٣", "²"]), max_size=6
)


@given(_names)
@example("_")
@example("_7")
@example("_i7")
@example("_²")  # a digit to isdigit(), not a decimal digit
def test_history_names_match_the_pattern(name: str) -> None:
    assert is_history_name(name) == (HISTORY_NAME.fullmatch(name) is not None)


@given(_names)
@example("_12")
@example("_٣")
@example("_²")
@example("_i12")
def test_output_counts_match_the_pattern(name: str) -> None:
    match = re.fullmatch(r"_(\d+)", name)
    assert output_count(name) == (int(match.group(1)) if match else None)
