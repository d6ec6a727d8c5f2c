"""Reporters against golden files (order: path, line, rule id), and SARIF against the official
2.1.0 schema. Regenerate the golden files with: UPDATE_GOLDEN=1 pytest tests/report
(then review the diff)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import warnings
from pathlib import Path

import jsonschema
import pytest

from generator import __version__
from generator.lint import registry
from generator.lint.engine import LintResult, scan
from generator.lint.finding import Finding, Location, Rule, Severity
from generator.lint.report import REPORTERS
from generator.lint.result import PARTIAL, ScanInfo, Suppressed, ruleset_hash

HERE = Path(__file__).parent
GOLDEN = {"text": "golden.txt", "json": "golden.json", "sarif": "golden.sarif",
          "github": "golden.github.txt"}
# the npm package that ships the official SARIF 2.1.0 schema (sarif-2.1.0-rtm.5.json)
SARIF_PKG = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_INTEGRITY = ("sha512-A1fOhPd6Ic5iDk4F9YPw1qNB4XF+7+IviR7xl8r2F6QzQkx5cpY9LsGk2rExiFIEcBbjpVnS"
                   "mwWGBukASkiQ9A==")
SARIF_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"

RULES = (
    Rule("pem-private-key", "Armored private key", "It signs as you.", "Delete and rotate it."),
    Rule("key-file-in-package", "Key file name in a package directory", "It ships.",
         "Move it out of the package directory.", Severity.WARNING),
    Rule("archive-limit", "Archive over limits", "Not fully scanned.", "Unpack it.",
         Severity.WARNING),
    Rule("unreadable-file", "File that could not be read", "Cannot be proven clean.",
         "Fix the permissions."),
)
RULE_TABLE = {r.id: r for r in RULES}  # what a result carries: reporters read rules from it


def _f(rule, path, line, *, key_type=None, fp="", detail="", sev=Severity.ERROR, pkg=False,
       message=None):
    summary = next(r.summary for r in RULES if r.id == rule)
    text = message or (f"{summary} ({key_type})" if key_type else summary)
    return Finding(rule, Location.parse(path), line, text, key_type, fp, detail, sev, pkg)


SAMPLE = LintResult(
    findings=(
        _f("archive-limit", "force-app/main/default/staticresources/lib.resource!big.bin", 0,
           sev=Severity.WARNING, pkg=True, message="member larger than 67108864 bytes"),
        _f("pem-private-key", "force-app/main/default/staticresources/lib.resource!keys/a b.pem",
           3, key_type="RSA 2048", fp="sha256:00112233445566aa", detail="PEM", pkg=True),
        _f("key-file-in-package", "force-app/main/default/x/server.key", 0, sev=Severity.WARNING,
           pkg=True),
        _f("pem-private-key", "scripts/setup,[50%].sh", 12, key_type="EC P-256",
           fp="sha256:ffeeddccbbaa9988", detail="shell heredoc > PEM"),
        _f("unreadable-file", "secret.bin", 0, message="could not read file (Permission denied)"),
    ),
    suppressed=(
        Suppressed(_f("pem-private-key", "tests/corpus/neg.pem", 1, key_type="Ed25519",
                      fp="sha256:0000111122223333"), "config", "generated negative corpus",
                   ".scaffold-lint.toml allow[1]"),
        Suppressed(_f("pem-private-key", "force-app/main/default/classes/T.cls", 7,
                      fp="sha256:4444555566667777", pkg=True), "inline",
                   "decoy for the parser test", "force-app/main/default/classes/T.cls:7"),
    ),
    files_scanned=42,
    bytes_scanned=1_234_567,
    notes=("sfdx-project.json could not be read",),
    rules=RULE_TABLE,
    scan=ScanInfo({"staged": False, "config": ".scaffold-lint.toml", "paths": ["."], "jobs": 0}),
)


def _render(fmt: str, result: LintResult) -> str:
    stream = io.StringIO()
    REPORTERS[fmt](result, stream)
    return stream.getvalue()


@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_matches_golden_file(fmt, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    got = _render(fmt, SAMPLE).replace(f'"version": "{__version__}"', '"version": "VERSION"')
    got = got.replace(f'"tool_version": "{__version__}"', '"tool_version": "VERSION"')
    path = HERE / GOLDEN[fmt]
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_clean_result_reports_clean():
    clean = LintResult((), (), 3, 300, rules=RULE_TABLE)
    assert "No private key or credential found" in _render("text", clean)
    (line,) = _render("github", clean).splitlines()
    assert line.startswith("::notice title=scaffold lint::No private key or credential found: "
                           "3 files scanned")
    assert clean.ruleset_hash in line
    assert "complete: true" in line
    assert json.loads(_render("json", clean))["summary"]["findings"] == 0


def test_reports_state_version_ruleset_options_and_completeness():
    info = ScanInfo({"staged": True, "jobs": 1}, "sfdx/")
    clean = LintResult((), (), 3, 300, rules=RULE_TABLE, scan=info)
    doc = json.loads(_render("json", clean))
    assert doc["tool_version"] == __version__
    assert doc["ruleset"] == {"hash": clean.ruleset_hash, "rules": len(RULE_TABLE)}
    assert doc["options"] == {"staged": True, "jobs": 1}
    assert (doc["complete"], doc["repo_prefix"]) == (True, "sfdx/")
    run = json.loads(_render("sarif", clean))["runs"][0]
    assert run["tool"]["driver"]["version"] == __version__
    assert run["properties"]["rulesetHash"] == clean.ruleset_hash
    assert run["properties"]["options"] == {"staged": True, "jobs": 1}
    assert run["properties"]["complete"] is True
    assert run["invocations"][0]["properties"]["complete"] is True
    # an archive past its limits or an unreadable file: the scan did not see everything
    assert json.loads(_render("json", SAMPLE))["complete"] is False


def test_ruleset_hash_changes_with_any_rule():
    changed = {**RULE_TABLE, "pem-private-key": Rule("pem-private-key", "Armored private key",
                                                      "It signs as you.", "Delete and rotate it.",
                                                      Severity.WARNING)}
    assert ruleset_hash(changed) != ruleset_hash(RULE_TABLE)
    assert ruleset_hash(dict(reversed(list(RULE_TABLE.items())))) == ruleset_hash(RULE_TABLE)


def test_partial_rule_ids_are_registered():
    assert PARTIAL <= registry.RULES.keys()


def test_sarif_and_github_paths_are_relative_to_the_git_root():

    result = SAMPLE._replace(scan=ScanInfo({}, "sfdx/"))
    run = json.loads(_render("sarif", result))["runs"][0]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"] for loc in r["locations"]}
    assert uris and all(u.startswith("sfdx/") for u in uris)
    lines = _render("github", result).splitlines()
    props = [line.split("::")[1].split(" ", 1)[1] for line in lines]
    files = [p.split("=", 1)[1] for ps in props for p in ps.split(",") if p.startswith("file=")]
    assert files and all(f.startswith("sfdx/") for f in files)
    assert all('"path": "sfdx/' not in line for line in _render("json", result).splitlines())


def test_json_is_key_sorted_and_versioned():
    doc = json.loads(_render("json", SAMPLE))
    assert doc["version"] == 1
    assert list(doc) == sorted(doc)
    assert [(f["path"], f["line"], f["rule_id"]) for f in doc["findings"]] == sorted(
        (f["path"], f["line"], f["rule_id"]) for f in doc["findings"])
    assert doc["summary"]["unreadable"] is True
    assert {s["source"] for s in doc["suppressions"]} == {"inline", "config"}


def test_github_escapes_properties_and_data():
    text = _render("github", SAMPLE)
    assert "file=scripts/setup%2C[50%25].sh,line=12," in text
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in
               text.splitlines())


def npm_env(request) -> dict[str, str]:
    """npm's environment for the one fetch: its download cache and logs in the toolchain cache
    ($SF_TOOLS_DIR/npm-cache, as tools/sf/sf-validate.sh) or else pytest's cache, never in
    ~/.npm; no update check, audit or funding calls."""
    if os.environ.get("npm_config_cache"):
        cache = Path(os.environ["npm_config_cache"])
    elif os.environ.get("SF_TOOLS_DIR"):
        cache = Path(os.environ["SF_TOOLS_DIR"]) / "npm-cache"
    else:
        cache = Path(request.config.cache.mkdir("npm-cache"))
    return {**os.environ, "npm_config_cache": str(cache), "npm_config_update_notifier": "false",
            "npm_config_audit": "false", "npm_config_fund": "false"}


@pytest.fixture(scope="session")
def sarif_schema(request) -> dict:
    """The official SARIF 2.1.0 schema from a pinned npm package, checked against its
    registry integrity hash and cached in the pytest cache. The one fetch from the npm
    registry says so (a warning in pytest's summary); the tests using it are marked `network`."""
    cache = Path(request.config.cache.mkdir("sarif-schema"))
    schema = cache / "sarif-2.1.0-rtm.5.json"
    if not schema.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot fetch the SARIF 2.1.0 schema package")
        env = npm_env(request)
        warnings.warn(f"fetching {SARIF_PKG} from the npm registry for the SARIF schema (once: "
                      f"kept in {cache}; npm cache {env['npm_config_cache']})", stacklevel=1)
        subprocess.run([npm, "pack", SARIF_PKG, "--pack-destination", str(cache)],
                       check=True, capture_output=True, cwd=cache, env=env, timeout=300)
        tarball = next(cache.glob("microsoft-jest-sarif-*.tgz"))
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        assert f"sha512-{digest}" == SARIF_INTEGRITY, "npm tarball does not match the pin"
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(SARIF_MEMBER)
            assert member is not None
            schema.write_bytes(member.read())
    return json.loads(schema.read_text(encoding="utf-8"))


@pytest.mark.network
def test_golden_sarif_is_valid_sarif_2_1_0(sarif_schema):
    jsonschema.Draft4Validator(sarif_schema).validate(json.loads(_render("sarif", SAMPLE)))


@pytest.mark.network
def test_real_scan_sarif_is_valid_and_lists_every_registered_rule(sarif_schema, tmp_path):
    from tests.keygen import pem, rsa_key

    (tmp_path / "force-app").mkdir()
    (tmp_path / "force-app" / "k.pem").write_bytes(pem(rsa_key()))
    doc = json.loads(_render("sarif", scan([], tmp_path)))
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    run = doc["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {
        r.id for r in registry.all_rules()}
    assert [r["ruleId"] for r in run["results"]] == ["pem-private-key"]


def test_npm_keeps_its_cache_out_of_home(request, monkeypatch, tmp_path):
    monkeypatch.delenv("npm_config_cache", raising=False)
    monkeypatch.delenv("SF_TOOLS_DIR", raising=False)
    env = npm_env(request)
    assert Path(env["npm_config_cache"]) == Path(request.config.cache.mkdir("npm-cache"))
    assert env["npm_config_update_notifier"] == "false"
    monkeypatch.setenv("SF_TOOLS_DIR", str(tmp_path))
    assert npm_env(request)["npm_config_cache"] == str(tmp_path / "npm-cache")
