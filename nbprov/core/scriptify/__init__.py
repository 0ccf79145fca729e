"""Rebuild a recorded value as a standalone script: :mod:`translate` turns cells into plain
Python, :mod:`build` assembles the script from a backward slice, :mod:`verify` runs it and
checks the value it builds."""

from nbprov.core.scriptify.build import build_script, scriptify
from nbprov.core.scriptify.script import (
    Option,
    RecordedValue,
    Script,
    ScriptifyError,
    Verification,
)
from nbprov.core.scriptify.translate import translate_cell
from nbprov.core.scriptify.verify import requirements_text, verify_script

__all__ = [
    "Option",
    "RecordedValue",
    "Script",
    "ScriptifyError",
    "Verification",
    "build_script",
    "requirements_text",
    "scriptify",
    "translate_cell",
    "verify_script",
]
