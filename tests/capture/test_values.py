"""Value summaries: exact JSON where possible, bounded summaries otherwise, no references."""

from __future__ import annotations

import gc
import json
import weakref

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nbprov.capture.values import MAX_ITEMS, _summarize, fingerprint, summarize


@pytest.mark.parametrize(
    "value",
    [0, -3, 2.5, 1.0, True, None, "text", [1, 2.5, "a"], {"a": 1, "b": [True, None]}],
)
def test_json_scalars_and_small_containers_are_exact(value: object) -> None:
    stored, exact, print_ = summarize(value)
    assert exact
    assert stored == value
    assert type(stored) is type(value)
    assert print_ is not None
    json.dumps(stored)


def test_tuples_and_numpy_scalars_become_json() -> None:
    assert summarize((1, 2))[:2] == ([1, 2], True)
    stored, exact, _ = summarize(np.float64(0.5))
    assert (stored, exact) == (0.5, True)
    stored, exact, _ = summarize(np.int64(7))
    assert (stored, exact) == (7, True) and type(stored) is int


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), list(range(MAX_ITEMS + 1)), {1: "int key"}, "x" * 5000, b"raw"],
)
def test_non_json_values_are_summaries(value: object) -> None:
    stored, exact, _ = summarize(value)
    assert not exact
    assert isinstance(stored, dict)
    assert {"type", "repr"} <= set(stored)
    assert len(stored["repr"]) <= 200
    json.dumps(stored)


def test_array_and_frame_summaries() -> None:
    stored, exact, _ = summarize(np.arange(12.0).reshape(3, 4))
    assert not exact
    assert stored["shape"] == [3, 4] and stored["dtype"] == "float64"
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    stored, _, _ = summarize(frame)
    # pandas 3 names its classes' module "pandas", pandas 2 "pandas.core.frame".
    assert stored["type"] == f"{type(frame).__module__}.DataFrame"
    assert stored["shape"] == [2, 2]
    assert stored["dtype"] == ["int64", "object"] or stored["dtype"] == ["int64", "str"]


def test_fingerprints_follow_content() -> None:
    a = np.zeros(10)
    before = fingerprint(a)
    assert fingerprint(a.copy()) == before
    a[3] = 1
    assert fingerprint(a) != before
    big = np.zeros(5_000_000)
    first = fingerprint(big)
    big[0] = 1  # the first element is always in the sample
    assert fingerprint(big) != first
    frame = pd.DataFrame({"a": range(5)})
    was = fingerprint(frame)
    frame.loc[2, "a"] = 99
    assert fingerprint(frame) != was


def test_fitted_state_in_attributes_changes_the_fingerprint() -> None:
    class Model:
        def __init__(self) -> None:
            self.coef: list[float] = []

    model = Model()
    before = fingerprint(model)
    model.coef.append(1.5)
    assert fingerprint(model) != before


def test_lazy_objects_are_not_forced() -> None:
    pulled: list[int] = []

    def numbers():  # type: ignore[no-untyped-def]
        for i in range(3):
            pulled.append(i)
            yield i

    gen = numbers()
    stored, exact, print_ = summarize(gen)
    assert not exact and stored["type"] == "generator"
    assert print_ is None
    assert pulled == []


def test_no_reference_is_kept() -> None:
    class Big:
        pass

    obj = Big()
    ref = weakref.ref(obj)
    summarize(obj)
    fingerprint(obj)
    del obj
    gc.collect()
    assert ref() is None


def test_a_module_is_fingerprinted_by_name_cheaply() -> None:
    import math

    assert fingerprint(json) == fingerprint(json)
    assert fingerprint(json) != fingerprint(math)


def test_a_dict_subclass_holding_a_frame_is_summarised_without_formatting_it() -> None:
    import pandas as pd

    class Bunch(dict):  # like sklearn.utils.Bunch
        pass

    frame = pd.DataFrame({"a": range(1000)})
    value, exact, _ = summarize(Bunch(frame=frame, names=["a"]))
    assert not exact
    assert value["repr"] == "Bunch({'frame': <DataFrame 1000x1>, 'names': ['a']})"


@given(
    value=st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(),  # nan and the infinities included: they are not exact
    fingerprint_exact=st.booleans(),
    private=st.booleans(),
)
def test_plain_numbers_take_a_short_path_to_the_same_summary(
    value: object, fingerprint_exact: bool, private: bool
) -> None:
    """A plain number skips the general walk; the summary is the walk's, bit for bit."""
    quick = summarize(value, fingerprint_exact, private=private)
    walked = _summarize(value, fingerprint_exact, private)
    assert json.dumps(quick) == json.dumps(walked)
    assert [type(part) for part in quick] == [type(part) for part in walked]
