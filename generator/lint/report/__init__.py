"""REPORTERS: format name -> writer(result, stream). Each format module is imported on use,
so `scaffold lint --format json` never loads rich."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from generator.lint.result import LintResult

Writer = Callable[[LintResult, TextIO], None]


def _text(result: LintResult, stream: TextIO) -> None:
    from generator.lint.report import text

    text.write(result, stream)


def _json(result: LintResult, stream: TextIO) -> None:
    from generator.lint.report import json_out

    json_out.write(result, stream)


def _sarif(result: LintResult, stream: TextIO) -> None:
    from generator.lint.report import sarif

    sarif.write(result, stream)


def _github(result: LintResult, stream: TextIO) -> None:
    from generator.lint.report import github

    github.write(result, stream)


REPORTERS: dict[str, Writer] = {"text": _text, "json": _json, "sarif": _sarif, "github": _github}
