"""The commands the generated README gives for CI and for handing the subscriber kit over, run
as written on a real git repository of a generated project: the GitHub Actions workflow parses,
its `scaffold lint` steps pass on a clean tree, fail on a committed key (and, for `--history`,
after the key was deleted again), and the SARIF step writes SARIF; the kit archive holds the
tracked subscriber files only, so a filled-in certificate copy never ships."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import keygen
from tests.gitrepo import Repo, git

pytestmark = [pytest.mark.tooling]

SCAFFOLD_BIN = Path(sys.executable).parent
GLOBAL_OAUTH_DIR = "subscriber-eca/eca/main/default/extlClntAppGlobalOauthSets"


def _section(readme: str, heading: str) -> str:
    start = readme.index(heading + "\n")
    end = readme.find("\n#", start + len(heading))
    return readme[start:end if end >= 0 else len(readme)]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, re.S | re.M)


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{SCAFFOLD_BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def _workflow(project: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the workflow, the optional SARIF job) from the README's CI section."""
    ci = _section((project / "README.md").read_text(), "## CI")
    workflow_text, sarif_text = _blocks(ci, "yaml")
    workflow = yaml.safe_load(workflow_text)
    sarif = yaml.safe_load("jobs:\n" + sarif_text)["jobs"]["sarif"]
    return workflow, sarif


def _lint_steps(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"]
            if str(step.get("run", "")).startswith("scaffold lint")]


@pytest.fixture(params=["default", "combined"])
def repo(request: pytest.FixtureRequest, generated: Callable[[str], Path],
         tmp_path: Path) -> Repo:
    project = tmp_path / "project"
    shutil.copytree(generated(request.param), project)
    repository = Repo(project)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    return repository


def test_workflow_is_least_privilege_and_scans_history(repo: Repo) -> None:
    workflow, sarif = _workflow(repo.path)
    assert workflow["permissions"] == {"contents": "read"}
    lint = workflow["jobs"]["lint"]
    checkout = next(s for s in lint["steps"] if str(s.get("uses", "")).startswith(
        "actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "--history needs the whole history"
    assert _lint_steps(lint) == ["scaffold lint --format github .",
                                 "scaffold lint --history --format github ."]
    assert sarif["permissions"] == {"contents": "read", "security-events": "write"}
    upload = next(s for s in sarif["steps"] if str(s.get("uses", "")).startswith(
        "github/codeql-action/upload-sarif@"))
    assert upload["if"] == "always()", "findings are uploaded even when the lint fails"


def test_workflow_steps_pass_clean_and_fail_on_a_key(repo: Repo) -> None:
    workflow, sarif = _workflow(repo.path)
    tree, history = _lint_steps(workflow["jobs"]["lint"])
    for command in (tree, history):
        clean = _run(command, repo.path)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert clean.stdout.startswith("::notice title=scaffold lint::"), clean.stdout
    (sarif_step,) = _lint_steps(sarif)
    assert _run(sarif_step, repo.path).returncode == 0
    report = json.loads((repo.path / "scaffold-lint.sarif").read_text())
    assert report["version"] == "2.1.0" and report["runs"][0]["results"] == []
    (repo.path / "scaffold-lint.sarif").unlink()

    leaked = "notes/jwt-signing.txt"  # a name .gitignore does not exclude
    repo.commit({leaked: keygen.pem(keygen.rsa_key())}, "leak")
    for command in (tree, history):
        found = _run(command, repo.path)
        assert found.returncode == 1, found.stdout + found.stderr
        assert f"::error file={leaked}," in found.stdout
        assert "BEGIN" not in found.stdout and "MII" not in found.stdout
    assert _run(sarif_step, repo.path).returncode == 1
    results = json.loads((repo.path / "scaffold-lint.sarif").read_text())["runs"][0]["results"]
    assert results, "the SARIF file holds the finding the upload step sends"

    repo.commit({leaked: None}, "remove the key")
    assert _run(tree, repo.path).returncode == 0
    still = _run(history, repo.path)
    assert still.returncode == 1, "a deleted key is still in every clone"
    assert f"::error file={leaked}," in still.stdout


def test_subscriber_kit_holds_tracked_files_only(repo: Repo) -> None:
    readme = (repo.path / "README.md").read_text()
    (kit_commands,) = _blocks(_section(readme, "### Hand the subscriber kit over"), "sh")
    template = next((repo.path / "subscriber-eca" / "templates").glob("*.template"))
    filled = repo.path / GLOBAL_OAUTH_DIR / template.name.removesuffix(".template")
    filled.parent.mkdir(parents=True, exist_ok=True)
    filled.write_text(template.read_text().replace(
        "__PASTE_PUBLIC_X509_PEM_HERE__", keygen.certificate_pem().decode()))
    assert git(repo.path, "status", "--porcelain") == "", "git ignores the filled copy"

    result = _run(kit_commands, repo.path)
    assert result.returncode == 0, result.stdout + result.stderr
    (archive,) = repo.path.glob("*-subscriber-kit.zip")
    names = zipfile.ZipFile(archive).namelist()
    prefix = names[0].split("/")[0] + "/"
    assert all(n.startswith(prefix) for n in names)
    assert prefix + "docs/SUBSCRIBER-SETUP.md" in names
    assert prefix + f"subscriber-eca/templates/{template.name}" in names
    assert not [n for n in names if "extlClntAppGlobalOauthSets" in n], names
    assert not [n for n in names if n.startswith(prefix + "force-app/")], "package not shipped"
