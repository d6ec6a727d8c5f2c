"""The update merge: blob ids, the per-file decision table, line and JSON three-way merges."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.new.jsonmerge import merge_json
from generator.new.merge import Action, Sides, decide, git_blob_id, merge_file, merge_text

SAMPLE = Path(__file__).resolve().parent.parent / "sample-output"
LABEL = "scaffold 9.9.9"
MARKERS = (b"<<<<<<< yours", b"=======", b">>>>>>> " + LABEL.encode())


@pytest.mark.parametrize("data", [b"", b"hello\n", b"\0\xff binary", "é\n".encode()])
def test_blob_id_is_what_git_hash_object_prints(data: bytes) -> None:
    out = subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True,
                         check=True)
    assert git_blob_id(data) == out.stdout.decode().strip()


# recorded, base, ours, theirs -> action. "A"/"B"/"C" are blob ids; None: no file.
TABLE = [
    ((True, "A", "A", "B"), Action.REPLACE),  # unchanged by the user: replaced
    ((True, "A", "B", "A"), Action.KEEP),  # unchanged by the template: kept
    ((True, "A", "B", "C"), Action.MERGE),  # both changed: merged
    ((True, "A", "B", "B"), Action.UNCHANGED),  # both made the same change
    ((True, "A", "A", "A"), Action.UNCHANGED),
    ((True, "A", "A", None), Action.DELETE),  # removed from the template, never changed
    ((True, "A", "B", None), Action.KEEP_REMOVED),  # removed from the template, changed: kept
    ((True, "A", None, None), Action.UNCHANGED),
    ((True, "A", None, "A"), Action.STAY_DELETED),  # deleted by the user: not recreated
    ((True, "A", None, "B"), Action.STAY_DELETED),
    ((True, None, "B", "C"), Action.MERGE),  # base unknown: both count as changed
    ((True, None, "B", "B"), Action.UNCHANGED),
    ((True, None, "B", None), Action.KEEP_REMOVED),  # base unknown: never deleted
    ((False, None, None, "A"), Action.ADD),  # new template file
    ((False, None, "B", "A"), Action.KEEP_FOREIGN),  # a file scaffold never wrote is there
    ((False, None, "A", "A"), Action.UNCHANGED),
    ((False, None, "B", None), Action.UNCHANGED),  # not scaffold's file: never touched
]


@pytest.mark.parametrize(("sides", "action"), TABLE)
def test_decision_table(sides: tuple[bool, str | None, str | None, str | None],
                        action: Action) -> None:
    assert decide(Sides(*sides)) is action


def test_only_add_replace_and_merge_write() -> None:
    assert {a for a in Action if a.writes} == {Action.ADD, Action.REPLACE, Action.MERGE}


def test_text_merge_takes_both_sides_changes_cleanly() -> None:
    base = b"a\nb\nc\nd\ne\nf\n"
    ours = b"a\nb\nmine\nc\nd\ne\nf\n"
    theirs = b"a\nb\nc\nd\ne\nTHEIRS\n"
    merged = merge_text(base, ours, theirs, theirs_label=LABEL)
    assert merged.clean
    assert merged.data == b"a\nb\nmine\nc\nd\ne\nTHEIRS\n"


def test_text_conflict_has_standard_markers_and_is_reported() -> None:
    merged = merge_text(b"a\nb\nc\n", b"a\nmine\nc\n", b"a\ntheirs\nc\n", theirs_label=LABEL)
    assert not merged.clean
    assert merged.data == (b"a\n<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> scaffold 9.9.9\n"
                           b"c\n")
    assert merged.conflicts == ("1 conflicting hunk marked with <<<<<<< yours / "
                                ">>>>>>> scaffold 9.9.9",)


def test_text_merge_ignores_the_users_conflict_style(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gitconfig").write_text("[merge]\n\tconflictStyle = diff3\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    merged = merge_text(b"a\nb\nc\n", b"a\nmine\nc\n", b"a\ntheirs\nc\n", theirs_label=LABEL)
    assert b"|||||||" not in merged.data


def test_unknown_base_makes_every_difference_a_conflict() -> None:
    merged = merge_file("README.md", None, b"# T\nmine\n", b"# T\ntheirs\n", theirs_label=LABEL)
    assert not merged.clean
    assert all(m in merged.data for m in MARKERS)
    assert b"mine\n" in merged.data and b"theirs\n" in merged.data


def test_crlf_checkout_of_lf_files_merges_as_lf_and_stays_crlf() -> None:
    base = b"a\nb\nc\nd\ne\n"
    ours = b"a\r\nmine\r\nb\r\nc\r\nd\r\ne\r\n"
    merged = merge_file("README.md", base, ours, b"a\nb\nc\nd\nE\n", theirs_label=LABEL)
    assert merged.clean
    assert merged.data == b"a\r\nmine\r\nb\r\nc\r\nd\r\nE\r\n"


def test_binary_both_changed_keeps_yours_as_a_conflict() -> None:
    merged = merge_text(b"\0a", b"\0b", b"\0c", theirs_label=LABEL)
    assert merged.data == b"\0b" and not merged.clean


SFDX = {
    "packageDirectories": [{"path": "force-app", "default": True, "package": "Acme",
                            "versionNumber": "0.1.0.NEXT"}],
    "name": "acme",
    "namespace": "",
    "sourceApiVersion": "66.0",
}


def _j(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def test_json_keeps_user_keys_and_applies_template_changes() -> None:
    ours = {**SFDX, "packageAliases": {"Acme": "0Ho000000000001", "Acme@0.1.0-1": "04t0001"}}
    ours["packageDirectories"] = [{**SFDX["packageDirectories"][0],  # type: ignore[dict-item]
                                   "versionNumber": "0.2.0.NEXT"}]
    theirs = {**SFDX, "sourceApiVersion": "67.0", "sfdcLoginUrl": "https://login.salesforce.com"}
    merged = merge_json(_j(SFDX), _j(ours), _j(theirs))
    assert merged is not None and merged.clean
    result = json.loads(merged.data)
    assert result["packageAliases"] == ours["packageAliases"]
    assert result["packageDirectories"][0]["versionNumber"] == "0.2.0.NEXT"
    assert result["sourceApiVersion"] == "67.0"
    # The project's key order; the new key after the one it follows in the new render.
    assert list(result) == ["packageDirectories", "name", "namespace", "sourceApiVersion",
                            "sfdcLoginUrl", "packageAliases"]
    assert merged.data == _j(result)


def test_json_conflict_keeps_yours_and_names_the_key() -> None:
    ours = {**SFDX, "sourceApiVersion": "65.0"}
    theirs = {**SFDX, "sourceApiVersion": "67.0"}
    merged = merge_json(_j(SFDX), _j(ours), _j(theirs))
    assert merged is not None
    assert json.loads(merged.data)["sourceApiVersion"] == "65.0"
    assert merged.conflicts == ('sourceApiVersion: kept yours ("65.0"); '
                                'scaffold now writes "67.0"',)


def test_json_key_removed_by_template_and_untouched_is_removed() -> None:
    theirs = {k: v for k, v in SFDX.items() if k != "namespace"}
    merged = merge_json(_j(SFDX), _j({**SFDX, "x": 1}), _j(theirs))
    assert merged is not None and merged.clean
    assert "namespace" not in json.loads(merged.data)


def test_json_user_bytes_kept_when_the_result_is_theirs_unchanged() -> None:
    ours = b'{"name":   "acme", "x": 1}\n'  # the user's own formatting
    merged = merge_json(b'{"name": "acme"}\n', ours, b'{"name": "acme"}\n')
    assert merged is not None and merged.data == ours


def test_json_merge_keeps_the_projects_indent() -> None:
    ours = (json.dumps({**SFDX, "x": 1}, indent=4) + "\n").encode()
    merged = merge_json(_j(SFDX), ours, _j({**SFDX, "sourceApiVersion": "67.0"}))
    assert merged is not None and merged.clean
    assert merged.data == (json.dumps({**SFDX, "sourceApiVersion": "67.0", "x": 1},
                                      indent=4) + "\n").encode()


def test_json_file_that_does_not_parse_is_merged_as_lines() -> None:
    base = _j(SFDX)
    ours = base.replace(b'"name"', b'"name" oops', 1)
    merged = merge_file("sfdx-project.json", base, ours, _j({**SFDX, "name": "x"}),
                        theirs_label=LABEL)
    assert not merged.clean and all(m in merged.data for m in MARKERS)


def test_nested_package_json_is_merged_as_json() -> None:
    base = {"scripts": {"lint": "eslint"}, "devDependencies": {"eslint": "9.0.0"}}
    ours = {"scripts": {"lint": "eslint", "mine": "x"}, "devDependencies": {"eslint": "9.0.0"}}
    theirs = {"scripts": {"lint": "eslint ."}, "devDependencies": {"eslint": "9.1.0"}}
    merged = merge_file("sub/package.json", _j(base), _j(ours), _j(theirs), theirs_label=LABEL)
    assert merged.clean
    assert json.loads(merged.data) == {"scripts": {"lint": "eslint .", "mine": "x"},
                                       "devDependencies": {"eslint": "9.1.0"}}


# Property: random edits to random generated files never lose a user line silently.
TEXT_FILES = sorted(p for p in SAMPLE.rglob("*") if p.is_file() and p.suffix != ".json")


@st.composite
def _edited(draw: st.DrawFn, lines: list[bytes], tag: str) -> list[bytes]:
    """`lines` with a few random insertions, deletions and replacements; new lines carry
    unique `tag` tokens."""
    out = list(lines)
    for n in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        at = draw(st.integers(0, len(out)))
        if kind == "insert" or not out:
            out.insert(at, f"{tag} {n}\n".encode())
        elif kind == "delete":
            del out[min(at, len(out) - 1)]
        else:
            out[min(at, len(out) - 1)] = f"{tag} {n} replaced\n".encode()
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_user_line_disappears_without_a_conflict_marker(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(TEXT_FILES))
    base_lines = path.read_bytes().splitlines(keepends=True)
    ours_lines = data.draw(_edited(base_lines, "USER-EDIT"))
    theirs_lines = data.draw(_edited(base_lines, "TEMPLATE-EDIT"))
    ours, theirs = b"".join(ours_lines), b"".join(theirs_lines)
    merged = merge_file(path.name, b"".join(base_lines), ours, theirs, theirs_label=LABEL)
    out = merged.data.splitlines(keepends=True)
    for line in ours_lines:
        if line.startswith(b"USER-EDIT"):
            assert line in out, f"user line {line!r} lost from {path.name}"
    if merged.clean:
        assert not any(line.startswith(b"<<<<<<<") for line in out)
        assert all(line in out for line in theirs_lines if line.startswith(b"TEMPLATE-EDIT"))
    else:
        assert all(m in merged.data for m in MARKERS)


_keys = st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=8)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10))


@settings(max_examples=150, deadline=None)
@given(added=st.dictionaries(_keys.map(lambda k: "user_" + k), _scalars, max_size=4),
       changed=st.dictionaries(st.sampled_from(sorted(SFDX)), _scalars, max_size=3),
       template=st.dictionaries(st.sampled_from(sorted(SFDX)), _scalars, max_size=3))
def test_json_user_keys_survive_or_are_reported(added: dict[str, object],
                                                changed: dict[str, object],
                                                template: dict[str, object]) -> None:
    ours = {**SFDX, **changed, **added}
    theirs = {**SFDX, **template}
    merged = merge_json(_j(SFDX), _j(ours), _j(theirs))
    assert merged is not None
    result = json.loads(merged.data)
    edits = {k: v for k, v in changed.items() if v != SFDX[k]} | added
    for key, value in edits.items():
        reported = any(c.startswith(f"{key}:") for c in merged.conflicts)
        assert result.get(key) == value or reported
    for key, value in template.items():
        if key not in edits:
            assert result[key] == value
