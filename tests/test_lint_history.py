"""`scaffold lint --history` end to end on real temporary git repositories: findings carry
their commit, the same rules, suppressions, formats and exit codes as a tree scan."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from tests import keygen
from tests.gitrepo import Repo
from tests.gitrepo import git as _git

AUTHOR = "Ada Dev <ada@example.com>"


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Repo:
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path / "repo")


def _json(cli, *args: str):
    result = cli(["lint", "--history", "--format", "json", *args])
    return result, json.loads(result.stdout)


def _only(doc, path: str):
    found = [f for f in doc["findings"] if f["path"] == path]
    assert len(found) == 1, doc["findings"]
    return found[0]


def test_a_deleted_key_is_found_with_its_commit_and_the_rotate_then_purge_fix(cli, repo):
    repo.commit({"README.md": "# app\n"})
    added = repo.commit({"config/server.key": keygen.pem(keygen.rsa_key(), "pkcs1")})
    repo.commit({"config/server.key": None})
    result, doc = _json(cli, str(repo.path))
    assert result.exit_code == 1
    f = _only(doc, "config/server.key")
    assert f["rule_id"] == "pem-private-key"
    assert f["commit"] == {"id": added, "author": AUTHOR, "date": "2026-01-01T00:02:00+00:00",
                           "path": "config/server.key", "in_head": False,
                           "shallow_boundary": False,
                           "blob": _git(repo.path, "rev-parse", f"{added}:config/server.key")}
    fix = f["fix"]
    assert fix.startswith("Only in git history") and "Rotate it first" in fix
    assert "`git filter-repo --invert-paths --path config/server.key`" in fix
    assert fix.index("Rotate") < fix.index("filter-repo")


def test_a_key_still_in_head_keeps_its_rule_fix_and_adds_the_purge(cli, repo):
    first = repo.commit({"a b/server.key": keygen.pem(keygen.rsa_key())})
    repo.commit({"README.md": "x\n"})
    result, doc = _json(cli, str(repo.path))
    f = _only(doc, "a b/server.key")
    assert f["commit"]["id"] == first and f["commit"]["in_head"] is True
    assert f["fix"].startswith("Delete the key from the tree")
    assert "rotate it first" in f["fix"] and "--path 'a b/server.key'" in f["fix"]


def test_a_key_in_many_versions_of_a_file_is_one_finding_from_its_first_commit(cli, repo):
    key = keygen.pem(keygen.ec_key(), "pkcs1").decode()
    first = repo.commit({".env.pem": key})
    for i in range(5):
        repo.commit({".env.pem": key + f"# rev {i}\n"})  # new blobs, same key, same line
    copied = repo.commit({"copy.pem": key + "# copy\n", "same.pem": key})  # same.pem: no new blob
    result, doc = _json(cli, str(repo.path))
    assert result.exit_code == 1
    f = _only(doc, ".env.pem")
    assert f["commit"]["id"] == first and f["commit"]["in_head"] is True  # the last version is
    assert _only(doc, "copy.pem")["commit"]["id"] == copied
    assert [f["path"] for f in doc["findings"]] == [".env.pem", "copy.pem"]
    assert doc["summary"]["files_scanned"] == 7


def test_a_key_only_on_another_branch_is_found_and_a_range_can_exclude_it(cli, repo):
    repo.commit({"README.md": "# app\n"})
    repo.git("checkout", "-q", "-b", "feature/jwt")
    wip = repo.commit({"jwt/server.key": keygen.pem(keygen.rsa_key())})
    repo.git("checkout", "-q", "main")
    result, doc = _json(cli, str(repo.path))
    assert result.exit_code == 1 and _only(doc, "jwt/server.key")["commit"]["id"] == wip
    assert _json(cli, str(repo.path), "main")[0].exit_code == 0
    assert _json(cli, str(repo.path), "main..feature/jwt")[0].exit_code == 1


def test_since_scans_only_later_commits_and_the_repository_defaults_to_the_cwd(cli, repo,
                                                                              monkeypatch):
    base = repo.commit({"old.key": keygen.pem(keygen.rsa_key())})
    monkeypatch.chdir(repo.path)
    assert _json(cli)[0].exit_code == 1
    assert _json(cli, "--since", base)[0].exit_code == 0
    repo.commit({"new.key": keygen.pem(keygen.ec_key())})
    result, doc = _json(cli, "--since", base)
    assert [f["path"] for f in doc["findings"]] == ["new.key"]


def test_a_shallow_clone_is_scanned_and_the_note_says_where_it_stops(cli, repo, tmp_path):
    repo.commit({"gone.key": keygen.pem(keygen.rsa_key())})
    repo.commit({"gone.key": None})
    repo.commit({"kept.key": keygen.pem(keygen.ec_key())})
    repo.commit({"a.txt": "a\n"})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True)
    result, doc = _json(cli, str(clone))
    assert result.exit_code == 1
    assert [f["path"] for f in doc["findings"]] == ["kept.key"]
    assert doc["findings"][0]["commit"]["shallow_boundary"] is True
    assert "shallow clone" in result.stderr and "git fetch --unshallow" in result.stderr


def test_a_missing_blob_exits_2_and_names_its_commit(cli, repo):
    repo.commit({"a.txt": "a\n"})
    commit = repo.commit({"b.txt": "b\n"})
    repo.object_file("HEAD:b.txt").unlink()
    result, doc = _json(cli, str(repo.path))
    assert result.exit_code == 2
    f = _only(doc, "b.txt")
    assert f["rule_id"] == "unreadable-file" and commit[:12] in f["message"]
    assert f["commit"]["id"] == commit


def test_a_missing_tree_exits_2_with_a_message(cli, repo):
    repo.commit({"d/a.txt": "a\n"})
    repo.commit({"d/b.txt": "b\n"})
    repo.object_file("HEAD~1:d").unlink()
    result = cli(["lint", "--history", str(repo.path)])
    assert result.exit_code == 2
    assert "git log" in result.stderr and "git fsck" in result.stderr
    assert result.stdout == ""


def test_inline_markers_and_heads_allowlist_suppress_history_findings(cli, repo):
    key = keygen.pem(keygen.rsa_key()).decode()
    repo.commit({"fixtures/a.pem": key, "docs/b.pem":
                 "# scaffold-lint: allow pem-private-key -- decoy for the parser docs\n" + key})
    repo.commit({"fixtures/a.pem": None, "docs/b.pem": None, ".scaffold-lint.toml":
                 '[[allow]]\npath = "fixtures/**"\nrules = ["pem-private-key"]\n'
                 'reason = "generated at test time"\n'})
    result, doc = _json(cli, str(repo.path))
    assert result.exit_code == 0, doc["findings"]
    assert sorted((s["path"], s["source"]) for s in doc["suppressions"]) == [
        ("docs/b.pem", "inline"), ("fixtures/a.pem", "config")]
    assert all(s["commit"]["in_head"] is False for s in doc["suppressions"])


def test_in_package_follows_heads_project_layout(cli, repo):
    project = json.dumps({"packageDirectories": [{"path": "force-app", "default": True,
                                                  "package": "P"}]})
    repo.commit({"sfdx-project.json": project,
                 "force-app/main/default/staticresources/k.pem": keygen.pem(keygen.rsa_key()),
                 "scripts/k.pem": keygen.pem(keygen.ec_key())})
    _, doc = _json(cli, str(repo.path))
    verdict = {f["path"]: f["in_package"] for f in doc["findings"]
               if f["rule_id"] == "pem-private-key"}
    assert verdict == {"force-app/main/default/staticresources/k.pem": True,
                       "scripts/k.pem": False}


def test_sarif_text_and_github_carry_the_commit(cli, repo):
    added = repo.commit({"server.key": keygen.pem(keygen.rsa_key())})
    repo.commit({"server.key": None})
    sarif = json.loads(cli(["lint", "--history", "--format", "sarif", str(repo.path)]).stdout)
    [res] = sarif["runs"][0]["results"]
    props = res["properties"]
    assert (props["commit"], props["commitAuthor"], props["inHead"]) == (added, AUTHOR, False)
    assert props["commitDate"] == "2026-01-01T00:01:00+00:00"
    assert "Rotate it first" in props["fix"]
    assert res["partialFingerprints"]["commitSha/v1"] == added
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "server.key"
    text = cli(["lint", "--history", str(repo.path)])
    assert text.exit_code == 1
    assert f"commit {added[:12]} by {AUTHOR}" in text.stdout and "no longer in HEAD" in text.stdout
    github = cli(["lint", "--history", "--format", "github", str(repo.path)])
    assert github.stdout.startswith("::error file=server.key")
    assert f"commit {added[:12]}" in github.stdout and "Rotate it first" in github.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_history_report_contains_key_bytes(cli, repo, fmt):
    der = keygen.der(keygen.rsa_key())
    pem = keygen.pem(keygen.rsa_key())
    repo.commit({"k.pem": pem, "K.cls": b"Blob k = EncodingUtil.base64Decode('"
                 + base64.b64encode(der) + b"');\n"})
    repo.commit({"k.pem": None, "K.cls": None})
    out = cli(["lint", "--history", "--format", fmt, str(repo.path)]).stdout
    body = b"".join(pem.splitlines()[1:-1]).decode()
    for i in range(0, len(body) - 24, 24):
        assert body[i:i + 24] not in out
    assert base64.b64encode(der).decode()[40:80] not in out


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "HEAD"], "--since REV needs --history"),
    (["--history", "--staged"], "choose one"),
    (["--history", "--since", "nope"], "--since 'nope'"),
    (["--history", "no-such-branch"], "git log"),
])
def test_usage_errors_exit_2(cli, repo, monkeypatch, args, message):
    repo.commit({"a.txt": "a\n"})
    monkeypatch.chdir(repo.path)
    result = cli(["lint", *args])
    assert result.exit_code == 2 and message in result.stderr


def test_history_outside_a_repository_exits_2(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli(["lint", "--history", str(tmp_path)])
    assert result.exit_code == 2 and "rev-parse" in result.stderr
