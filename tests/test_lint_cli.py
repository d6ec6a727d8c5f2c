"""`scaffold lint` end to end: exit codes, formats, --staged on real git repositories, the
README rule reference, and linting this repository and a generated project."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.lint import registry
from tests import keygen
from tests.conftest import make_tree
from tests.lint.conftest import FAKE_REGISTRY, RAISING_DETECTOR, deny_open, use_registry

REPO = Path(__file__).resolve().parent.parent


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "config", "user.email", "t@example.com")
    _git(path, "config", "user.name", "t")
    _git(path, "config", "commit.gpgsign", "false")
    return path


@pytest.fixture
def in_dir(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    use_registry(monkeypatch, FAKE_REGISTRY)


# --- exit codes -----------------------------------------------------------------------------

def test_exit_0_when_clean(cli, in_dir):
    make_tree(in_dir, {"force-app/main/default/classes/A.cls": "public class A {}",
                       "certs/server.crt": keygen.certificate_pem()})
    result = cli(["lint"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "No private key or credential found" in result.stdout


def test_exit_1_on_a_key_with_path_rule_type_and_fingerprint(cli, in_dir):
    make_tree(in_dir, {"force-app/jwt/server.txt": keygen.pem(keygen.rsa_key())})
    result = cli(["lint"])
    assert result.exit_code == 1
    assert "force-app/jwt/server.txt" in result.stdout
    assert "pem-private-key" in result.stdout
    assert "RSA 2048" in result.stdout
    assert re.search(r"sha256:[0-9a-f]{16}", result.stdout)


PACKAGED = '{"packageDirectories": [{"path": "force-app", "package": "P"}]}'


def test_warnings_alone_exit_1(cli, in_dir, fake):
    make_tree(in_dir, {"sfdx-project.json": PACKAGED,
                       "force-app/server.key": b""})
    result = cli(["lint", "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["warnings"] == 1


def test_exit_2_when_a_file_cannot_be_read_even_with_findings(cli, in_dir, fake, monkeypatch):
    make_tree(in_dir, {"a.txt": b"FAKEKEY", "locked.bin": b"x"})
    deny_open(monkeypatch, "locked.bin")
    result = cli(["lint", "--format", "json"])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert [f["rule_id"] for f in doc["findings"]] == ["fake-key", "unreadable-file"]


def test_a_raising_detector_exits_2_through_the_real_cli(tmp_path):
    """Fail closed: a detector bug is a detector-error finding and exit 2, never a clean 0.
    The real entry point (generator.cli.main) in its own process, with one buggy detector
    added to the real registry; the finding names detector and exception type, no content."""
    make_tree(tmp_path, {"boom.txt": b"BOOM and more text", "ok.txt": b"fine"})
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from generator.lint import registry\n"
        "from tests.lint.conftest import RAISING_DETECTOR\n"
        "registry.DEFAULT = registry.build((*registry.DETECTORS, RAISING_DETECTOR))\n"
        "from generator.cli import main\n"
        "sys.exit(main(['lint', '--format', 'json']))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["rule_id"], f["path"], f["line"]) for f in findings] == [
        ("detector-error", "boom.txt", 0)]
    assert findings[0]["message"] == "detector boom raised ValueError; file not fully checked"
    assert "deliberate" not in proc.stdout + proc.stderr
    assert "BOOM" not in proc.stdout + proc.stderr


def test_a_detector_raising_in_a_forked_process_exits_2(cli, in_dir, monkeypatch):
    # enough files to split the walk; thirty that break the detector, so that every process
    # (each reads a share of the files by name) meets some
    boom = {f"src/f{i:03}.txt" for i in range(5, 300, 10)}
    make_tree(in_dir, {f"src/f{i:03}.txt": b"BOOM" if f"src/f{i:03}.txt" in boom else b"plain"
                       for i in range(300)})
    use_registry(monkeypatch, registry.build((*registry.DETECTORS, RAISING_DETECTOR)))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    result = cli(["lint", "--format", "json"])
    assert result.exit_code == 2, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert [(f["rule_id"], f["path"]) for f in doc["findings"]] == [
        ("detector-error", path) for path in sorted(boom)]
    assert doc["summary"]["files_scanned"] == 300


@pytest.mark.parametrize(("args", "files", "message"), [
    (["--format", "xml"], {}, "choose one of"),
    (["missing.txt"], {}, "no such file"),
    ([], {".scaffold-lint.toml": '[[allow]]\npath = "x"\nrules = ["pem-private-key"]\n'},
     "'reason' is required"),
    (["--staged"], {}, "--staged"),  # not a git repository
])
def test_exit_2_on_usage_errors(cli, in_dir, args, files, message):
    make_tree(in_dir, files)
    result = cli(["lint", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_explicit_files_are_scanned_as_given(cli, in_dir, fake):
    make_tree(in_dir, {"node_modules/x/k.txt": b"FAKEKEY", "ok.txt": b"fine"})
    assert cli(["lint"]).exit_code == 0
    assert cli(["lint", "ok.txt", "node_modules/x/k.txt"]).exit_code == 1


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "text"])
def test_formats_write_only_the_report_to_stdout(cli, in_dir, fmt):
    make_tree(in_dir, {"k.pem": keygen.pem(keygen.ec_key())})
    result = cli(["lint", "--format", fmt])
    assert result.exit_code == 1
    if fmt in ("json", "sarif"):
        json.loads(result.stdout)
    assert result.stderr == ""


def _secret_fragments(blob: bytes) -> list[str]:
    """Pieces of a key that must never be printed: base64 body lines and hex/base64 of DER."""
    if not blob.startswith(b"-----"):
        return [blob[16:40].hex(), base64.b64encode(blob[16:64]).decode()[8:40]]
    return [line.decode() for line in blob.splitlines()
            if len(line) >= 20 and not line.startswith(b"-----")]


KEYS = {
    "rsa-pkcs1.pem": lambda: keygen.pem(keygen.rsa_key(), "pkcs1"),
    "ec-pkcs8.pem": lambda: keygen.pem(keygen.ec_key()),
    "enc.pem": lambda: keygen.pem(keygen.rsa_key(), password=keygen.PASSWORD),
    "ed.openssh": lambda: keygen.pem(keygen.ed25519_key(), "openssh"),
    "k.der": lambda: keygen.der(keygen.rsa_key()),
    "k.p12": lambda: keygen.p12(),
}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_report_contains_key_bytes(cli, in_dir, fmt):
    blobs = {name: make() for name, make in KEYS.items()}
    make_tree(in_dir, blobs)
    result = cli(["lint", "--format", fmt])
    assert result.exit_code == 1
    shown = result.stdout + result.stderr
    assert shown.count("private-key") >= len(blobs)
    for name, blob in blobs.items():
        for piece in _secret_fragments(blob):
            assert piece not in shown, f"{fmt} report shows bytes of {name}"


# --- --staged: the git index, not the working tree --------------------------------------

def test_staged_sees_a_key_that_an_unstaged_edit_removed(cli, monkeypatch, tmp_path):
    repo = git_repo(tmp_path / "r")
    make_tree(repo, {"force-app/k.txt": keygen.pem(keygen.rsa_key()), "ok.cls": "class A {}"})
    _git(repo, "add", "-A")
    (repo / "force-app/k.txt").write_text("fixed in the working tree only\n")
    monkeypatch.chdir(repo)
    assert cli(["lint"]).exit_code == 0
    staged = cli(["lint", "--staged", "--format", "json"])
    assert staged.exit_code == 1
    assert [f["path"] for f in json.loads(staged.stdout)["findings"]] == ["force-app/k.txt"]


def test_staged_ignores_an_unstaged_key(cli, monkeypatch, tmp_path):
    repo = git_repo(tmp_path / "r")
    make_tree(repo, {"a.txt": "clean\n"})
    _git(repo, "add", "-A")
    (repo / "a.txt").write_bytes(keygen.pem(keygen.ec_key()))
    monkeypatch.chdir(repo)
    assert cli(["lint", "--staged"]).exit_code == 0
    assert cli(["lint"]).exit_code == 1


def test_staged_is_not_fooled_by_gitattributes(cli, monkeypatch, tmp_path):
    repo = git_repo(tmp_path / "r")
    make_tree(repo, {".gitattributes": "*.dat -diff binary -text\n",
                     "blob.dat": keygen.pem(keygen.rsa_key()),
                     "bin.dat": keygen.der(keygen.ec_key())})
    _git(repo, "add", "-A")
    monkeypatch.chdir(repo)
    result = cli(["lint", "--staged", "--format", "json"])
    assert result.exit_code == 1
    assert {f["path"] for f in json.loads(result.stdout)["findings"]} == {"blob.dat", "bin.dat"}


def test_staged_limits_to_given_paths_and_reads_project_from_index(cli, monkeypatch, tmp_path,
                                                                   fake):
    repo = git_repo(tmp_path / "r")
    make_tree(repo, {"sfdx-project.json": PACKAGED,
                     "force-app/a.key": b"", "other/b.txt": b"FAKEKEY"})
    _git(repo, "add", "-A")
    (repo / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "nothing"}]}')
    monkeypatch.chdir(repo)
    only_pkg = cli(["lint", "--staged", "--format", "json", "force-app"])
    assert [(f["path"], f["in_package"]) for f in json.loads(only_pkg.stdout)["findings"]] == [
        ("force-app/a.key", True)]
    every = cli(["lint", "--staged", "--format", "json"])
    assert [f["rule_id"] for f in json.loads(every.stdout)["findings"]] == [
        "fake-package-file", "fake-key"]


def test_staged_symlink_out_of_the_repository_is_reported(cli, monkeypatch, tmp_path):
    repo = git_repo(tmp_path / "r")
    (repo / "id_rsa").symlink_to("/etc/hostname")
    _git(repo, "add", "-A")
    monkeypatch.chdir(repo)
    result = cli(["lint", "--staged", "--format", "json"])
    assert [f["rule_id"] for f in json.loads(result.stdout)["findings"]] == [
        "symlink-outside-root"]


# --- docs and self-checks -------------------------------------------------------------------

def test_every_registered_rule_is_documented_in_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## Rules" in readme
    rules_part = readme.split("## Rules", 1)[1]
    for rule in registry.all_rules():
        heading = f"### `{rule.id}`"
        assert heading in rules_part, f"README Rules section lacks {heading}"
        section = " ".join(rules_part.split(heading, 1)[1].split("\n### ", 1)[0].split())
        for part in ("Finds", "Why it matters", "Fix", "Suppress"):
            assert f"**{part}**" in section, f"{rule.id}: README section lacks **{part}**"


def test_lint_of_this_repository_exits_0():
    proc = subprocess.run([sys.executable, "-m", "generator", "lint", "."], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_lint_of_a_generated_project_exits_0(cli, tmp_path, monkeypatch):
    target = tmp_path / "p"
    assert cli(["new", str(target)]).exit_code == 0
    monkeypatch.chdir(target)
    result = cli(["lint"])
    assert result.exit_code == 0, result.stdout + result.stderr


# --- reports for CI -------------------------------------------------------------------------

def test_annotations_name_files_from_the_git_root(cli, monkeypatch, tmp_path):
    """A Salesforce project in a subfolder: SARIF and GitHub paths are the repository's."""
    repo = git_repo(tmp_path / "r")
    make_tree(repo, {"sfdx/sfdx-project.json": PACKAGED,
                     "sfdx/force-app/jwt/server.txt": keygen.pem(keygen.rsa_key())})
    monkeypatch.chdir(repo / "sfdx" / "force-app")
    github = cli(["lint", "--format", "github"])
    assert github.exit_code == 1
    assert "::error file=sfdx/force-app/jwt/server.txt," in github.stdout
    sarif = json.loads(cli(["lint", "--format", "sarif"]).stdout)["runs"][0]
    (uri,) = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
              for r in sarif["results"]}
    assert uri == "sfdx/force-app/jwt/server.txt"
    doc = json.loads(cli(["lint", "--format", "json"]).stdout)
    assert doc["findings"][0]["path"] == "force-app/jwt/server.txt"  # JSON: the project's
    assert doc["repo_prefix"] == "sfdx/"


def test_clean_github_run_says_so_in_one_notice(cli, in_dir):
    make_tree(in_dir, {"force-app/main/default/classes/A.cls": "public class A {}"})
    result = cli(["lint", "--format", "github"])
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()
    assert line.startswith("::notice title=scaffold lint::No private key or credential found")


def test_jobs_option_is_applied_and_reported(cli, in_dir):
    make_tree(in_dir, {"force-app/main/default/classes/A.cls": "public class A {}"})
    doc = json.loads(cli(["lint", "--format", "json", "--jobs", "1"]).stdout)
    assert doc["options"]["jobs"] == 1
    assert doc["complete"] is True
    assert doc["ruleset"]["rules"] == len(registry.RULES)
    assert cli(["lint", "--jobs", "-1"]).exit_code == 2


def test_package_only_rules_need_a_named_package(cli, in_dir):
    """An org-development project (no `package` in packageDirectories) ships nothing."""
    cert = ('<?xml version="1.0" encoding="UTF-8"?>\n<Certificate xmlns="http://soap.sforce.com/'
            '2006/04/metadata"><masterLabel>Jwt</masterLabel></Certificate>\n')
    make_tree(in_dir, {"sfdx-project.json": '{"packageDirectories": [{"path": "force-app"}]}',
                       "force-app/main/default/certs/Jwt.crt-meta.xml": cert})
    assert cli(["lint"]).exit_code == 0
    (in_dir / "sfdx-project.json").write_text(PACKAGED)
    packaged = cli(["lint", "--format", "json"])
    assert packaged.exit_code == 1
    assert [f["rule_id"] for f in json.loads(packaged.stdout)["findings"]] == [
        "certificate-in-package"]
