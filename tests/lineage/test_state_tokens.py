"""The tracer's in-process change tokens: cheap for frames, and still see every change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbprov.lineage import state_tokens
from nbprov.lineage.state_tokens import state_token


def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": np.arange(5), "b": np.linspace(0, 1, 5)})


def test_equal_content_gives_equal_tokens() -> None:
    assert state_token(frame()) == state_token(frame())
    assert state_token(frame()["b"]) == state_token(frame()["b"].copy())


def test_a_changed_value_changes_the_token() -> None:
    changed = frame()
    changed.iloc[2, 1] = 7.5
    assert state_token(changed) != state_token(frame())
    series = frame()["a"]
    series.iloc[0] = 9
    assert state_token(series) != state_token(frame()["a"])


def test_columns_and_index_count() -> None:
    renamed = frame().rename(columns={"a": "z"})
    assert state_token(renamed) != state_token(frame())
    shifted = frame()
    shifted.index = shifted.index + 1
    assert state_token(shifted) != state_token(frame())
    labelled = frame().set_index(pd.Index(list("vwxyz")))
    relabelled = labelled.copy()
    relabelled.index = pd.Index(list("vwxyq"))
    assert state_token(labelled) != state_token(relabelled)


def test_text_columns_are_hashed_by_content() -> None:
    left = pd.DataFrame({"name": ["ann", "bo"], "n": [1, 2]})
    right = pd.DataFrame({"name": ["ann", "bo"], "n": [1, 2]})
    assert state_token(left) == state_token(right)
    right.loc[1, "name"] = "bob"
    assert state_token(left) != state_token(right)


def test_a_large_frame_is_read_on_a_sample() -> None:
    big = pd.DataFrame({"x": np.zeros(1_000_000)})
    before = state_token(big)
    big.iloc[0, 0] = 1.0  # row 0 is in every sample
    assert state_token(big) != before


def test_other_objects_use_the_fingerprint() -> None:
    assert state_token([1, 2]) == state_token([1, 2])
    assert state_token([1, 2]) != state_token([1, 3])


def test_a_mixed_frame_is_read_column_by_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text beside numbers keeps the fast way (no fall back to the stored fingerprint's
    hash of the whole sample), and a change in either kind of column still shows."""
    monkeypatch.setattr(state_tokens, "fingerprint", lambda *_, **__: pytest.fail("fell back"))
    left = pd.DataFrame({"name": ["ann", "bo"], "n": [1, 2], "x": [0.5, 1.5]})
    token = state_token(left)
    assert token is not None
    assert state_token(left.copy()) == token
    changed = left.copy()
    changed.loc[0, "x"] = 2.5
    assert state_token(changed) != token
    changed = left.copy()
    changed.loc[1, "name"] = "bob"
    assert state_token(changed) != token
    assert state_token(left.astype({"n": "float64"})) != token  # same numbers, other type
