"""The one line ``%load_ext nbprov`` prints: in a front end's cell only."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import close_shell, new_shell, run

from nbprov.notebook.extension import in_front_end_cell, loaded_line
from nbprov.store.engine import brief_location


def test_a_terminal_shell_loads_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NBPROV_DB", str(tmp_path / "store.db"))
    shell = new_shell()
    try:
        capsys.readouterr()
        run(shell, "%load_ext nbprov")
        assert capsys.readouterr().out == ""
    finally:
        close_shell(shell)


def test_a_front_ends_cell_gets_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBPROV_DB", raising=False)
    shell = new_shell()
    # What a kernel's shell holds while it answers an execute request.
    shell.parent_header = {"msg_id": "1", "msg_type": "execute_request"}
    try:
        capsys.readouterr()
        run(shell, "%load_ext nbprov")
        out = capsys.readouterr().out
        assert out == (
            "nbprov: recording to .nbprov/nbprov.db \N{EM DASH} see the Provenance panel in "
            "JupyterLab's right sidebar (View \u203a Show Provenance Panel)\n"
        )
        run(shell, "%load_ext nbprov")  # loaded already: IPython says so, nbprov nothing
        assert "nbprov: recording" not in capsys.readouterr().out
    finally:
        close_shell(shell)


def test_who_is_a_front_end() -> None:
    class Kernel:
        parent_header: dict[str, str] = {}

    assert not in_front_end_cell(Kernel())  # a kernel loading nbprov at start-up
    Kernel.parent_header = {"msg_id": "1"}
    assert in_front_end_cell(Kernel())
    assert not in_front_end_cell(object())  # terminal IPython


def test_the_store_is_named_briefly_and_without_a_password(tmp_path: Path) -> None:
    assert (
        brief_location(f"sqlite:///{tmp_path}/.nbprov/nbprov.db", tmp_path) == ".nbprov/nbprov.db"
    )
    assert brief_location("sqlite:////elsewhere/s.db", tmp_path) == "/elsewhere/s.db"
    url = "postgresql+psycopg://me:s3cret@db.example:5432/prov"
    assert brief_location(url) == "postgresql+psycopg://db.example:5432/prov"
    assert "s3cret" not in loaded_line(url) and len(loaded_line(url).splitlines()) == 1
