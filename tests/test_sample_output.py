"""Golden output: sample-output/ is exactly what the default answers generate.

sample-output/ is generated, never hand-edited. After a deliberate template change, regenerate
it with this one command from the repository root, then review the diff:

    scaffold new sample-output --answers sample-output/scaffold.toml --force

(--force overwrites; files that sample-output/scaffold.toml lists under [generated] and the new
run no longer writes are deleted, so no stale file survives.)
"""

from __future__ import annotations

import difflib
from pathlib import Path

from generator.new.answers import ANSWERS_FILE, read_answers, resolve
from generator.new.render import render
from generator.new.spec import build_spec
from generator.new.write import write_tree

SAMPLE = Path(__file__).resolve().parent.parent / "sample-output"
REGENERATE = "scaffold new sample-output --answers sample-output/scaffold.toml --force"


def _diff(path: str, expected: bytes, actual: bytes) -> str:
    try:
        lines = difflib.unified_diff(
            actual.decode("utf-8").splitlines(keepends=True),
            expected.decode("utf-8").splitlines(keepends=True),
            f"sample-output/{path}", f"generated/{path}", n=2)
        return "".join(lines)
    except UnicodeDecodeError:
        return f"{path}: binary content differs"


def test_sample_answers_are_the_defaults():
    assert (SAMPLE / ANSWERS_FILE).is_file(), f"sample-output/ is missing; run: {REGENERATE}"
    assert read_answers(SAMPLE / ANSWERS_FILE) == build_spec({}).answers() == \
        build_spec(resolve({})).answers()


def test_sample_output_matches_the_default_answers(tmp_path, read_tree):
    write_tree(tmp_path / "p", render(build_spec({})))
    expected = read_tree(tmp_path / "p")
    actual = read_tree(SAMPLE) if SAMPLE.is_dir() else {}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing and not extra, (
        f"sample-output/ is out of date (missing {missing}, stale {extra}); review the "
        f"template change and run: {REGENERATE}")
    for path in expected:
        if expected[path] != actual[path]:
            raise AssertionError(f"sample-output/{path} differs from what the templates "
                                 f"generate (run: {REGENERATE}):\n"
                                 + _diff(path, expected[path], actual[path]))


def test_linting_the_sample_output_finds_nothing(cli):
    result = cli(["lint", str(SAMPLE)])
    assert result.exit_code == 0, result.stdout + result.stderr
