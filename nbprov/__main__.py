"""``python -m nbprov``: the same as the ``nbprov`` command."""

import sys

from nbprov.cli import main

sys.exit(main())
