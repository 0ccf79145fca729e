"""Names IPython itself binds in a user namespace, which are never the user's variables."""

from __future__ import annotations

import re

# Input and output history (_i, _i7, _, _7, ...), directory history, last exit code.
HISTORY_NAME = re.compile(r"_{1,3}|_i{1,3}|_i?\d+|_oh|_ih|_dh|_exit_code")
