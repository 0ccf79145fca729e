"""Command-line parameters: papermill-style type guessing, grids and their labels."""

from __future__ import annotations

import io

import pytest

from nbprov.cli.run import Progress, grid_requests
from nbprov.runs.params import (
    GridError,
    grid_label,
    grid_points,
    guess_value,
    parse_grid,
    parse_parameters,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("-3", -3),
        ("+7", 7),
        ("0.5", 0.5),
        ("1e-3", 0.001),
        ("-2.5", -2.5),
        ("True", True),
        ("false", False),
        ("None", None),
        ("null", None),
        ("hello", "hello"),
        ("data/train.csv", "data/train.csv"),
        ("nan", "nan"),
        ("inf", "inf"),
        ("", ""),
    ],
)
def test_guess_value(text: str, expected: object) -> None:
    value = guess_value(text)
    assert value == expected
    assert type(value) is type(expected)


def test_parse_parameters_types_and_later_wins() -> None:
    params = parse_parameters([("alpha", "0.5"), ("seed", "3"), ("alpha", "2")])
    assert params == {"alpha": 2, "seed": 3}


def test_parse_parameters_rejects_bad_names() -> None:
    with pytest.raises(GridError, match="identifier"):
        parse_parameters([("not-a-name", "1")])


def test_parse_grid() -> None:
    assert parse_grid("alpha=0.1,1,10") == ("alpha", [0.1, 1, 10])
    assert parse_grid("kind=rbf,linear") == ("kind", ["rbf", "linear"])
    for bad in ("alpha", "alpha=", "alpha=1,,2", "1x=1"):
        with pytest.raises(GridError):
            parse_grid(bad)


def test_grid_points_cross_product_first_grid_slowest() -> None:
    points = grid_points([("alpha", [0.1, 1]), ("seed", [1, 2])], base={"n": 5})
    assert points == [
        {"n": 5, "alpha": 0.1, "seed": 1},
        {"n": 5, "alpha": 0.1, "seed": 2},
        {"n": 5, "alpha": 1, "seed": 1},
        {"n": 5, "alpha": 1, "seed": 2},
    ]
    # A grid overrides a fixed -p parameter of the same name.
    assert grid_points([("n", [1])], base={"n": 5}) == [{"n": 1}]
    with pytest.raises(GridError, match="twice"):
        grid_points([("a", [1]), ("a", [2])])


def test_grid_label_and_requests() -> None:
    points = grid_points([("alpha", [0.1]), ("kind", ["a b"])])
    assert grid_label(points[0], ["alpha", "kind"]) == "alpha=0.1,kind=a b"
    [request] = grid_requests(
        "/x/nb.ipynb", "/x/db", points, ["alpha", "kind"], name=None, output_dir="/out", timeout=5
    )
    assert request.name == "nb[alpha=0.1,kind=a b]"
    assert request.output == "/out/nb[alpha=0.1,kind=a_b].ipynb"
    assert request.parameters == {"alpha": 0.1, "kind": "a b"}
    [named] = grid_requests(
        "/x/nb.ipynb", "/x/db", points, ["alpha"], name="exp", output_dir=None, timeout=5
    )
    assert named.name == "exp[alpha=0.1]" and named.output is None


def test_progress_plain_stream_prints_a_line_per_run() -> None:
    out = io.StringIO()
    progress = Progress(4, out, width=8)
    progress.start()
    progress.advance("one")
    progress.advance("two")
    lines = out.getvalue().splitlines()
    assert lines == ["[##......] 1/4 one", "[####....] 2/4 two"]
