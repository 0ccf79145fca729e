"""Environment facts: the imported packages' distributions and versions."""

from __future__ import annotations

import sys
from importlib import metadata

from nbprov.capture.environment import imported_packages


def test_imported_packages_agree_with_importlib() -> None:
    import pandas  # noqa: F401  (a distribution whose module name matches)
    import yaml  # noqa: F401  (PyYAML: module and distribution names differ)

    found = imported_packages()
    truth = metadata.packages_distributions()
    tops = {name.split(".", 1)[0] for name in sys.modules if not name.startswith("_")}
    expected = {
        metadata.metadata(dist)["Name"]: metadata.version(dist)
        for top in tops
        for dist in truth.get(top, ())
    }
    assert expected.items() <= found.items()
    # Anything more is an imported, installed distribution importlib's map missed (an
    # editable install, say), with its true version.
    for name, version in found.items() - expected.items():
        assert metadata.version(name) == version
    assert found["PyYAML"] == metadata.version("PyYAML")
    assert "pandas" in found
