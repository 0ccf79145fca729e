"""``python -m nbprov``: the same as the ``nbprov`` command."""

import sys

from nbprov.cli.main import main

sys.exit(main())
