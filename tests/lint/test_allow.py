"""Suppression: inline markers need a rule id and a reason; config entries need a reason."""

from __future__ import annotations

import pytest

from generator.errors import LintUsageError
from generator.lint.allow import apply_config, inline_reason, load_config
from generator.lint.engine import scan
from generator.lint.finding import Finding, Location, Severity
from tests.conftest import make_tree
from tests.lint.conftest import FAKE

FP = "sha256:0123456789abcdef"

MARKED = [
    b"String k = 'FAKEKEY'; // scaffold-lint: allow fake-key -- unit test fixture",
    b"k = 'FAKEKEY'  # scaffold-lint: allow fake-key -- unit test fixture",
    b"<v>FAKEKEY</v> <!-- scaffold-lint: allow fake-key -- unit test fixture -->",
    b"/* scaffold-lint: allow fake-key -- unit test fixture */ x = 'FAKEKEY';",
    b"// scaffold-lint: allow other-rule, fake-key -- unit test fixture\nFAKEKEY",
    b"# scaffold-lint: allow fake-key sha256:0123456789abcdef -- unit test fixture\r\nFAKEKEY",
]


@pytest.mark.parametrize("text", MARKED)
def test_inline_marker_with_reason_suppresses(text):
    reason, bare = inline_reason(text, text.index(FAKE), "fake-key", FP)
    assert reason == "unit test fixture"
    assert not bare


NOT_MARKED = [
    (b"x = 'FAKEKEY' // scaffold-lint: allow fake-key", True),  # no reason
    (b"x = 'FAKEKEY' // scaffold-lint: allow fake-key --   ", True),  # empty reason
    (b"x = 'FAKEKEY' // scaffold-lint: allow other-rule -- why", False),  # wrong rule
    (b"x = 'FAKEKEY' // scaffold-lint: allow fake-key sha256:ffffffffffffffff -- why", False),
    (b"// scaffold-lint: allow fake-key -- why\n\nFAKEKEY", False),  # two lines above
    (b"FAKEKEY\n// scaffold-lint: allow fake-key -- why", False),  # the line below
    (b"x = 'FAKEKEY' // scaffold-lint allow fake-key -- why", False),  # no colon
]


@pytest.mark.parametrize(("text", "bare"), NOT_MARKED)
def test_marker_without_rule_reason_or_right_place_does_not_suppress(text, bare):
    assert inline_reason(text, text.index(FAKE), "fake-key", FP) == (None, bare)


def test_reason_never_carries_a_long_encoded_run():
    text = b"FAKEKEY // scaffold-lint: allow fake-key -- see " + b"QUJD" * 20
    reason, _ = inline_reason(text, 0, "fake-key", FP)
    assert reason == "see [redacted]"


def _finding(path: str, rule: str = "fake-key", fp: str = FP) -> Finding:
    return Finding(rule, Location.parse(path), 1, "m", None, fp, "", Severity.ERROR, False)


def test_config_entry_suppresses_by_glob_rule_and_fingerprint():
    entries = load_config(b"""
[[allow]]
path = "tests/corpus/**"
rules = ["fake-key"]
reason = "generated negatives"

[[allow]]
path = "*.resource"
rules = ["fake-key"]
reason = "vendor bundle, key is a public test vector"
fingerprints = ["sha256:0123456789abcdef"]

[[allow]]
path = "never/**"
rules = ["fake-key"]
reason = "unused"
""", {"fake-key"})
    findings = [_finding("tests/corpus/a.pem"), _finding("x/lib.resource!k.pem"),
                _finding("x/lib.resource!j.pem", fp="sha256:ffffffffffffffff"),
                _finding("src/a.cls"), _finding("tests/corpus/b", rule="other")]
    kept, hidden, unused = apply_config(findings, entries, ".scaffold-lint.toml")
    assert [f.path for f in kept] == ["x/lib.resource!j.pem", "src/a.cls", "tests/corpus/b"]
    assert [(s.finding.path, s.source, s.where) for s in hidden] == [
        ("tests/corpus/a.pem", "config", ".scaffold-lint.toml allow[1]"),
        ("x/lib.resource!k.pem", "config", ".scaffold-lint.toml allow[2]")]
    assert unused == [3]


@pytest.mark.parametrize(("toml", "message"), [
    (b'[[allow]]\npath = "a"\nrules = ["fake-key"]\n', "'reason' is required"),
    (b'[[allow]]\npath = "a"\nrules = ["fake-key"]\nreason = "  "\n', "'reason' is required"),
    (b'[[allow]]\npath = "a"\nreason = "r"\n', "'rules' must be a non-empty list"),
    (b'[[allow]]\npath = "a"\nrules = []\nreason = "r"\n', "'rules' must be a non-empty list"),
    (b'[[allow]]\nrules = ["fake-key"]\nreason = "r"\n', "'path' (a glob) is required"),
    (b'[[allow]]\npath = "a"\nrules = ["nope"]\nreason = "r"\n', "unknown rule id 'nope'"),
    (b'[[allow]]\npath = "a"\nrules = ["fake-key"]\nreason = "r"\npaths = 1\n', "unknown key"),
    (b'allow = 3\n', "array of tables"),
    (b'[[allow]\n', "not valid TOML"),
])
def test_bad_config_is_a_usage_error(toml, message):
    with pytest.raises(LintUsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(toml, {"fake-key"})


def test_scan_reports_inline_and_config_suppressions(tmp_path, fake_detector):
    make_tree(tmp_path, {
        "a.cls": b"x = 'FAKEKEY'; // scaffold-lint: allow fake-key -- decoy for the parser test\n",
        "b.cls": b"FAKEKEY // scaffold-lint: allow fake-key\n",
        "vendor/k.txt": FAKE,
        ".scaffold-lint.toml": '[[allow]]\npath = "vendor/"\nrules = ["fake-key"]\n'
                               'reason = "vendored test vector"\n',
    })
    result = scan([], tmp_path)
    assert [f.path for f in result.findings] == ["b.cls"]
    assert [(s.finding.path, s.source, s.reason) for s in result.suppressed] == [
        ("a.cls", "inline", "decoy for the parser test"),
        ("vendor/k.txt", "config", "vendored test vector")]
    assert any("b.cls:1: allow marker for fake-key has no reason" in n for n in result.notes)
