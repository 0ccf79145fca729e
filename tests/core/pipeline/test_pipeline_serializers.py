"""The serializer every generated package carries, and the params.toml writer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nbprov.core.pipeline import serializers
from nbprov.core.pipeline.toml_text import toml_document, toml_value


def roundtrip(value: Any, tmp_path: Path) -> tuple[Any, str]:
    serializers.save_all({"v": value}, tmp_path)
    manifest = json.loads((tmp_path / serializers.MANIFEST).read_text())
    return serializers.load_all(tmp_path)["v"], manifest["v"]["format"]


def test_frames_go_to_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]}, index=[7, 3])
    back, fmt = roundtrip(frame, tmp_path)
    assert fmt == "parquet"
    pd.testing.assert_frame_equal(back, frame)


@pytest.mark.parametrize("name", ["target", None, 3])
def test_series_keep_their_name(name: Any, tmp_path: Path) -> None:
    series = pd.Series([1.0, 2.0], index=[5, 1], name=name)
    back, fmt = roundtrip(series, tmp_path)
    assert fmt == "parquet"
    pd.testing.assert_series_equal(back, series)


def test_arrays_go_to_npy_and_object_arrays_do_not(tmp_path: Path) -> None:
    array = np.arange(6.0).reshape(2, 3)
    back, fmt = roundtrip(array, tmp_path / "a")
    assert fmt == "npy" and np.array_equal(back, array)
    objects = np.array([{"a": 1}, None], dtype=object)
    back, fmt = roundtrip(objects, tmp_path / "o")
    assert fmt == "joblib" and list(back) == list(objects)


def test_frames_arrow_cannot_hold_fall_back(tmp_path: Path) -> None:
    frame = pd.DataFrame({1: [object()]})
    back, fmt = roundtrip(frame, tmp_path)
    assert fmt == "joblib" and back.shape == (1, 1)


def test_models_go_to_joblib(tmp_path: Path) -> None:
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=0.3).fit([[0.0], [1.0]], [0.0, 1.0])
    back, fmt = roundtrip(model, tmp_path)
    assert fmt == "joblib" and back.alpha == 0.3 and back.coef_.tolist() == model.coef_.tolist()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(json_values)
def test_json_values_come_back_equal(value: Any) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        back, fmt = roundtrip(value, Path(tmp))
    assert back == value and type(back) is type(value)
    assert fmt in ("json", "joblib")  # infinities are not JSON: joblib keeps them


def test_tuples_are_not_turned_into_lists(tmp_path: Path) -> None:
    back, fmt = roundtrip((1, 2), tmp_path)
    assert back == (1, 2) and fmt == "joblib"


@given(json_values)
@example({"0\n": False})  # a key ending in a newline is no bare key
def test_toml_values_parse_back(value: Any) -> None:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is Python 3.11+")
    import tomllib

    text = toml_value(value)
    if value is None or (isinstance(value, (list, dict)) and "None" in repr(value)):
        return  # TOML has no null
    if text is None:
        return
    assert tomllib.loads(f"x = {text}")["x"] == value


def test_toml_document_comments_what_it_cannot_hold() -> None:
    text = toml_document({"alpha": 0.1, "depth": None}, {"alpha": "hyperparameter"}, "head")
    assert "alpha = 0.1" in text
    assert "# depth = None" in text
