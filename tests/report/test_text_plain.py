"""The text reporter's rich-free path for a clean result writes what rich would write."""

from __future__ import annotations

import io
import sys

import pytest

from generator.lint import registry
from generator.lint.report import text
from generator.lint.result import LintResult


def _clean(files: int, nbytes: int) -> LintResult:
    return LintResult((), (), files, nbytes, rules=registry.DEFAULT.rules)


@pytest.mark.parametrize(("files", "nbytes"), [(0, 0), (1, 999), (10, 51_300), (40_240, 2e9)])
def test_plain_clean_report_is_byte_for_byte_what_rich_prints(monkeypatch, files, nbytes):
    result = _clean(files, int(nbytes))
    plain = io.StringIO()
    text.write(result, plain)
    monkeypatch.setattr(text, "_styled", lambda stream: True)  # take the rich path...
    monkeypatch.setenv("TTY_COMPATIBLE", "0")  # ...where rich itself will not style
    styled = io.StringIO()
    text.write(result, styled)
    assert plain.getvalue() == styled.getvalue()
    assert plain.getvalue().startswith("No private key or credential found: ")


@pytest.mark.parametrize(("env", "tty", "styled"), [
    ({}, False, False), ({}, True, True), ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": ""}, True, False), ({"TTY_COMPATIBLE": "1"}, False, True),
    ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True, False),
])
def test_styled_follows_richs_terminal_detection(monkeypatch, env, tty, styled):
    from rich.console import Console  # noqa: TID251 - the reference behaviour

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = io.StringIO()
    monkeypatch.setattr(stream, "isatty", lambda: tty)
    assert text._styled(stream) is styled
    assert Console(file=stream).is_terminal is styled


def test_a_clean_text_report_does_not_import_rich():
    import subprocess

    code = ("import io, sys; from generator.lint import registry; from generator.lint.report "
            "import text; from generator.lint.result import LintResult; "
            "text.write(LintResult((), (), 1, 1, rules=registry.DEFAULT.rules), io.StringIO()); "
            "print('rich' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "False"
