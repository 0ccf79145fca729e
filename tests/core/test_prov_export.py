"""W3C PROV export of a trial recorded in-process: the mapping, and round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

import nbprov
from nbprov.cli.main import main as cli_main
from nbprov.core.prov import build_document, read_document, serialize
from nbprov.store import Store
from nbprov.store.queries import resolve_trial

prov_model = pytest.importorskip("prov.model")


@pytest.fixture
def recorded(shell: InteractiveShell, store_path: Path) -> int:
    for source in [
        "%tag_var a hyperparam\na = 2",
        "items = [1, 2]",
        "items.append(a)",
        "%tag score\ntotal = a + sum(items)\n%tag_var total metric",
        "tmp = 1",
        "del tmp",
    ]:
        assert run(shell, source).success
    flush(shell)
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    return recorder.trial_id


def document(store_path: Path, trial: int) -> Any:
    store = Store.open(store_path)
    try:
        with store.session() as session:
            return build_document(session, resolve_trial(session, trial))
    finally:
        store.close()


def records(doc: Any, cls: type) -> list[Any]:
    return [r for r in doc.get_records() if isinstance(r, cls)]


def ident(node: Any) -> str:
    return str(node.identifier.localpart)


def attr(record: Any, name: str) -> Any:
    values = [v for k, v in record.attributes if str(k) == name]
    return values[0] if values else None


def test_mapping(recorded: int, store_path: Path) -> None:
    pm = prov_model
    doc = document(store_path, recorded)
    activities = {ident(a): a for a in records(doc, pm.ProvActivity)}
    assert "trial" in activities
    cells = sorted((k for k in activities if k.startswith("cell_")), key=lambda k: int(k[5:]))
    assert len(cells) == 6  # the cell that loaded nbprov is not recorded
    score_cell = activities[cells[3]]
    assert attr(score_cell, "nbprov:stage") == "score"
    assert attr(score_cell, "nbprov:status") == "ok"

    agents = {ident(a): a for a in records(doc, pm.ProvAgent)}
    assert {"user", "host", "kernel"} <= set(agents)
    assert str(attr(agents["user"], "prov:type")) == "prov:Person"

    entities = {ident(e): e for e in records(doc, pm.ProvEntity)}
    total = next(e for k, e in entities.items() if k.endswith("_total"))
    assert attr(total, "prov:value") == 2 + 1 + 2 + 2
    assert attr(total, "nbprov:role") == "metric"
    assert attr(total, "nbprov:exact") is True

    def relation(cls: type, a: str, b: str) -> list[tuple[str, str]]:
        return [
            (str(r.get_attribute(a).pop().localpart), str(r.get_attribute(b).pop().localpart))
            for r in records(doc, cls)
        ]

    generated = relation(pm.ProvGeneration, "prov:entity", "prov:activity")
    used = relation(pm.ProvUsage, "prov:activity", "prov:entity")
    seq = {name: int(name[5:]) for name in cells}
    total_id = ident(total)
    assert (total_id, cells[3]) in generated
    # The score cell used the version of `a` bound in the first cell after the load and
    # the version of `items` its mutation made.
    assert (cells[3], f"value_{seq[cells[0]]}_a") in used
    assert (cells[3], f"value_{seq[cells[2]]}_items") in used
    revisions = relation(pm.ProvDerivation, "prov:generatedEntity", "prov:usedEntity")
    assert (f"value_{seq[cells[2]]}_items", f"value_{seq[cells[1]]}_items") in revisions
    invalidated = relation(pm.ProvInvalidation, "prov:entity", "prov:activity")
    assert (f"value_{seq[cells[4]]}_tmp", cells[5]) in invalidated
    # Every cell used its source code.
    code_users = {
        str(r.get_attribute("prov:activity").pop().localpart)
        for r in records(doc, pm.ProvUsage)
        if r.get_attribute("prov:entity").pop().namespace.prefix == "code"
    }
    assert code_users == set(cells)


@pytest.mark.parametrize("fmt", ["prov-json", "prov-o"])
def test_round_trip(recorded: int, store_path: Path, tmp_path: Path, fmt: str) -> None:
    if fmt == "prov-o":
        pytest.importorskip("rdflib")
    out = tmp_path / f"trial.{fmt}"
    code = cli_main(["export", str(recorded), "--format", fmt, "-o", str(out)])
    assert code == 0
    back = read_document(out, fmt)
    assert back == document(store_path, recorded)
    assert len(back.get_records()) > 20


def test_prov_n_and_format_from_suffix(
    recorded: int, store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = document(store_path, recorded)
    text = serialize(doc, "prov-n")
    assert text.startswith("document")
    assert "activity(trial:cell_" in text and "wasGeneratedBy(" in text
    out = tmp_path / "t.provn"
    assert cli_main(["export", "latest", "-o", str(out), "--db", str(store_path)]) == 0
    assert out.read_text().startswith("document")
    assert cli_main(["export", "latest"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {"activity", "entity", "agent", "used", "wasGeneratedBy"} <= set(printed)
    with pytest.raises(ValueError, match="PROV-N"):
        read_document(out, "prov-n")


def test_unknown_trial(recorded: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["export", "no-such-trial"]) == 2
    assert "no trial" in capsys.readouterr().err
