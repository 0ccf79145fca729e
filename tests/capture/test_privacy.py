"""The secret-name setting: read from the environment as it is after each cell."""

from __future__ import annotations

import os

import pytest

from nbprov.capture.privacy import ENV_PATTERN, secret_test


def test_the_default_pattern_holds_while_the_setting_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_PATTERN, raising=False)
    assert secret_test()("api_key") and not secret_test()("pin")


def test_a_change_of_the_setting_counts_from_the_next_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_PATTERN, r"^pin$")
    assert secret_test()("pin") and not secret_test()("api_key")
    os.environ[ENV_PATTERN] = r"^pïn$"  # set the way a notebook would, not ASCII
    assert secret_test()("pïn") and not secret_test()("pin")
    del os.environ[ENV_PATTERN]
    assert secret_test()("api_key") and not secret_test()("pin")


def test_a_replaced_environment_mapping_is_read_through_its_own_get(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Code that swaps ``os.environ`` for a plain mapping still sets the pattern."""
    monkeypatch.setattr(os, "environ", {ENV_PATTERN: r"^pin$"})
    assert secret_test()("pin") and not secret_test()("api_key")
