"""Environment facts: the imported packages' distributions and versions."""

from __future__ import annotations

import os
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

from nbprov.capture.environment import imported_packages


def test_imported_packages_agree_with_importlib() -> None:
    import pandas  # noqa: F401  (a distribution whose module name matches)
    import yaml  # noqa: F401  (PyYAML: module and distribution names differ)

    # Taken before the call: another test's thread may import more while it runs.
    tops = {name.split(".", 1)[0] for name in list(sys.modules) if not name.startswith("_")}
    found = imported_packages()
    truth = metadata.packages_distributions()
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


def test_a_package_installed_after_the_first_record_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%pip install`` in a running kernel, then an import: the new distribution is seen."""
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    imported_packages()  # the map is built before the install
    (site / "freshpkg_nbprov_test").mkdir()
    (site / "freshpkg_nbprov_test" / "__init__.py").write_text("")
    info = site / "freshpkg_nbprov_test-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: freshpkg-nbprov-test\nVersion: 1.2.3\n"
    )
    (info / "RECORD").write_text("freshpkg_nbprov_test/__init__.py,,\n")
    # The folder's time must move, as it does when pip adds to it on any file system.
    os.utime(site, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    monkeypatch.delitem(sys.modules, "freshpkg_nbprov_test", raising=False)
    import freshpkg_nbprov_test  # noqa: F401

    try:
        assert imported_packages().get("freshpkg-nbprov-test") == "1.2.3"
    finally:
        sys.modules.pop("freshpkg_nbprov_test", None)


def test_files_written_beside_the_notebook_do_not_rebuild_the_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notebook's folder is on the import path and changes with every file a cell
    writes; the map of installed distributions is read again only when packages change."""
    import nbprov.capture.environment as environment

    monkeypatch.syspath_prepend(str(tmp_path))
    imported_packages()
    reads: list[int] = []
    real = environment._read_module_to_distributions
    monkeypatch.setattr(
        environment, "_read_module_to_distributions", lambda: reads.append(1) or real()
    )
    (tmp_path / "results.csv").write_text("a,b\n")
    os.utime(tmp_path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    imported_packages()
    assert reads == []
