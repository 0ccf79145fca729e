"""``--plot FILE`` of ``nbprov compare`` and ``nbprov trials``: each suffix, and bad ones."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from bad_input import failure, run_cli


def marks(spec: dict[str, Any]) -> list[str]:
    """The mark types of every chart in a stacked spec, in order."""
    found = []
    for chart in spec["vconcat"]:
        for layer in chart.get("layer", [chart]):
            mark = layer["mark"]
            found.append(mark["type"] if isinstance(mark, dict) else mark)
    return found


def test_compare_writes_the_vega_lite_spec(db: str, tmp_path: Path) -> None:
    target = tmp_path / "charts.json"
    outcome = run_cli(["compare", "1", "2", "--db", db, "--plot", str(target)])
    assert outcome.code == 0, outcome
    assert "a" in outcome.out  # the comparison is still printed
    spec = json.loads(target.read_text(encoding="utf-8"))
    assert spec["$schema"].endswith("vega-lite/v5.json")
    assert marks(spec) == ["rule", "line", "point"]  # parallel coordinates, m against a
    parallel, scatter = spec["vconcat"]
    assert {v["axis"] for v in parallel["data"]["values"]} == {"a", "m"}
    assert parallel["layer"][1]["encoding"]["color"]["field"] == "shade"
    assert scatter["encoding"]["x"]["field"] == "x" and scatter["title"] == "m against a"
    assert {p["group"] for p in scatter["data"]["values"]} == {"compared"}
    # Stacked charts carry no top-level-only keys, and a fixed width (a file has no box).
    assert all("$schema" not in c and c["width"] == 480 for c in spec["vconcat"])


def test_trials_writes_a_standalone_page(db: str, tmp_path: Path) -> None:
    target = tmp_path / "charts.html"
    outcome = run_cli(["trials", "--db", db, "--plot", str(target)])
    assert outcome.code == 0, outcome
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'src="https://cdn.jsdelivr.net/npm/vega-embed@6"' in page and "vegaEmbed(" in page
    found = re.search(r'<script type="application/json" id="spec">(.*?)</script>', page, re.S)
    assert found is not None
    spec = json.loads(found.group(1))
    assert marks(spec) == ["rule", "line", "point"] and spec["title"] == "2 trials"


def test_a_stored_name_cannot_end_the_pages_script() -> None:
    from nbprov.render.chart_files import html_page

    spec = {"title": "</script><b>", "vconcat": [{"description": "</script>&"}]}
    page = html_page(spec)
    assert page.count("</script>") == 5  # the three CDN scripts, the spec, the call
    assert "<title>&lt;/script&gt;&lt;b&gt;</title>" in page
    body = re.search(r'id="spec">(.*?)</script>', page, re.S)
    assert body is not None and json.loads(body.group(1)) == spec


def test_svg_is_drawn_without_a_browser(db: str, tmp_path: Path) -> None:
    pytest.importorskip("vl_convert", reason="--plot FILE.svg needs nbprov[plot]")
    target = tmp_path / "charts.svg"
    outcome = run_cli(["compare", "1", "2", "--db", db, "--plot", str(target)])
    assert outcome.code == 0, outcome
    root = ET.fromstring(target.read_text(encoding="utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = "".join(root.itertext())
    assert "m against a" in text and "parallel coordinates of the trials" in text


def test_svg_without_vl_convert_is_one_line(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import fails as when missing
    line = failure(["compare", "1", "2", "--db", db, "--plot", str(tmp_path / "c.svg")])
    assert line == "nbprov: --plot: writing SVG needs vl-convert-python: pip install 'nbprov[plot]'"
    assert not (tmp_path / "c.svg").exists()


@pytest.mark.parametrize("name", ["charts.png", "charts", "charts.svg.txt"])
def test_a_bad_file_is_one_line_before_any_work(db: str, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    line = failure(["trials", "--db", db, "--plot", str(target)])
    assert line.startswith("nbprov: --plot: cannot write charts to ")
    assert ".json, .html or .svg" in line
    assert list(tmp_path.glob("charts*")) == []


def test_an_unwritable_file_is_one_line(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    for target in (tmp_path / "missing-folder" / "charts.json", folder):
        line = failure(["compare", "1", "2", "--db", db, "--plot", str(target)])
        assert line.startswith(f"nbprov: --plot: cannot write {target}: ")
