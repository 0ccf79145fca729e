"""Lineage graphs and the deps fronts (%deps, nbprov deps, nbprov.deps) in process."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from support import flush, run

import nbprov
from nbprov.cli.main import main as cli_main
from nbprov.render import graph


def _chain(n: int, source: str = "x = x + 1") -> dict[str, Any]:
    """A slice JSON of n cells each rebinding x from the previous x."""
    acts = [
        {
            "seq": i,
            "execution_count": i,
            "cell_hash": f"h{i}",
            "stage": None,
            "status": "ok",
            "source": "x = 0" if i == 1 else source,
        }
        for i in range(1, n + 1)
    ]
    variables = [
        {"name": "x", "seq": i, "execution_count": i, "value": i - 1, "exact": True, "role": None}
        for i in range(1, n + 1)
    ]
    edges: list[dict[str, Any]] = [
        {"kind": "defines", "activation": i, "variable": "x"} for i in range(1, n + 1)
    ]
    edges += [
        {"kind": "uses", "variable": "x", "version": i - 1, "activation": i}
        for i in range(2, n + 1)
    ]
    return {
        "trial": 1,
        "variable": "x",
        "as_of": None,
        "activations": acts,
        "variables": variables,
        "edges": edges,
    }


def test_user_strings_are_escaped_in_dot_and_svg() -> None:
    sl = _chain(2, source='x = x + 1  # "quoted" \\ <script>alert(1)</script>')
    sl["variables"][-1]["value"] = {"type": "str", "repr": "'<b>&\"'"}
    dot = graph.build_dot(sl)
    assert '\\"quoted\\" \\\\ <script>' in dot
    svg = graph.render_svg(dot)
    if svg is None:
        pytest.skip("Graphviz dot is not installed")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_depth_limit_and_collapsed_chains() -> None:
    sl = _chain(12)
    limited = graph.build_dot(sl, depth=3)
    assert limited.count("shape=box") == 3
    assert "9 earlier cells not shown" in limited
    folded = graph.build_dot(sl, collapse=4)
    assert "chain" in folded and "cells\\n[2] … [11]" in folded
    assert folded.count('style="rounded"') == 2  # the first and the target's cell
    tree = graph.text_tree(sl, depth=2)
    assert "depth limit" in tree


@pytest.mark.parametrize("width", [80, 60, 40])
def test_text_tree_fits_the_width_and_keeps_cell_references(width: int) -> None:
    long_source = "x = transform(x, " + ", ".join(f"option_{i}=True" for i in range(12)) + ")"
    sl = _chain(30, source=long_source)
    for v in sl["variables"]:
        v["value"] = {"type": "pandas.DataFrame", "repr": "a frame " * 20, "shape": [10, 4]}
        v["name"] = "a_rather_long_variable_name_x"
    for e in sl["edges"]:
        e["variable"] = "a_rather_long_variable_name_x"
    sl["variable"] = "a_rather_long_variable_name_x"
    lines = graph.text_tree(sl, width=width).splitlines()
    assert len(lines) == 30
    assert max(len(line) for line in lines) <= width
    # Near the root there is room for the cell each version came from.
    assert all(f"<- [{30 - i}]" in line for i, line in enumerate(lines[:3]))
    # Unlimited, nothing is cut but the value and code summaries.
    assert "<- [1] x = 0" in graph.text_tree(sl)


def test_roles_stand_out() -> None:
    sl = _chain(2)
    sl["variables"][-1]["role"] = "metric"
    dot = graph.build_dot(sl)
    assert "(metric)" in dot and graph.ROLE_STYLE["metric"] in dot


def test_fallback_without_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    bundle = graph.mime_bundle(_chain(3))
    assert "image/svg+xml" not in bundle
    assert "digraph nbprov" in bundle["text/plain"]
    assert "x = 2" in bundle["text/plain"]
    assert bundle[graph.DOT_MIME]["dot"].startswith("digraph nbprov")


def _record(shell: InteractiveShell) -> None:
    for cell in ("alpha = 0.5", "m = alpha * 2", "print(m)", "alpha = 1.0", "%tag_var m metric"):
        run(shell, cell)
    flush(shell)


def test_deps_magic_draws_the_slice(shell: InteractiveShell) -> None:
    _record(shell)
    with capture_output() as cap:
        run(shell, "%deps m")
    data = cap.outputs[-1].data
    assert graph.DOT_MIME in data
    dot = data[graph.DOT_MIME]["dot"]
    assert "m = alpha * 2" in dot and "alpha = 0.5" in dot and "print(m)" not in dot
    if graph.render_svg("digraph { a }") is not None:
        assert "<svg" in data["image/svg+xml"]


def test_deps_magic_usage_errors_are_one_line(shell: InteractiveShell) -> None:
    _record(shell)
    for line in ("%deps", "%deps m --depth zero", "%deps nowhere"):
        with capture_output() as cap:
            result = run(shell, line)
        assert result.error_in_exec is None or "Traceback" not in cap.stdout + cap.stderr
        assert "Traceback" not in cap.stdout + cap.stderr, line


def test_cli_and_python_api_agree(
    shell: InteractiveShell, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(shell)
    from_kernel = nbprov.deps("m")
    capsys.readouterr()
    assert cli_main(["deps", "latest", "m", "--format", "json", "--db", str(store_path)]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    assert from_cli == from_kernel
    assert [a["source"] for a in from_cli["activations"]] == ["alpha = 0.5", "m = alpha * 2"]
    assert {"name": "m", "value": 1.0, "role": "metric"}.items() <= {
        k: v for k, v in from_cli["variables"][-1].items()
    }.items()
    assert cli_main(["deps", "latest", "m", "--db", str(store_path)]) == 0
    text = capsys.readouterr().out
    assert "m (metric) = 1.0" in text and "alpha = 0.5" in text
    assert cli_main(["deps", "latest", "nope", "--db", str(store_path)]) == 2
    assert "nope" in capsys.readouterr().err


def test_cell_labels_skip_imports_tags_and_comments() -> None:
    from nbprov.capture.source import cell_label as first_line

    source = "# fit\n%tag score\nimport numpy as np\nfrom sklearn import linear_model\nm = fit(X)"
    assert first_line(source) == "m = fit(X)"
    # A cell of imports only keeps its first line.
    assert first_line("import numpy as np\nimport pandas") == "import numpy as np"


def test_variable_node_ids_name_their_place_in_the_slice() -> None:
    # Folding hides the versions inside the run: the ids left still index "variables".
    sl = _chain(10)
    dot = graph.build_dot(sl, collapse=3)
    ids = re.findall(r"^\s*v(\d+) \[shape=ellipse, label=\"x = (\d+)", dot, re.M)
    assert ids and len(ids) < len(sl["variables"])
    for index, value in ids:
        assert sl["variables"][int(index)]["value"] == int(value)


def test_value_text_of_private_summaries_and_exact_dicts() -> None:
    assert graph.value_text({"type": "str", "len": 10}) == "str len 10"
    assert graph.value_text({"type": "builtins.list", "len": 3}) == "list len 3"
    assert graph.value_text({"type": "Boom", "error": "ValueError: x"}).endswith("described)")
    # An exact value that looks like a summary is still shown as the JSON it is.
    assert graph.value_text({"type": "ridge"}, exact=True) == '{"type": "ridge"}'
