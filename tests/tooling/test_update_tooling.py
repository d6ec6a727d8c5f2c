"""A project edited by its user, then brought along by `scaffold update`, still passes
Salesforce's own tooling (tools/sf/sf-validate.sh, default stages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sftooling import REPO_ROOT, run_sf_validate

pytestmark = [pytest.mark.tooling, pytest.mark.usefixtures("sf_tools")]

CONFIG = "force-app/main/default/classes/AcmeIntegrationConfig.cls"
METHOD = "  public static String userAddedMethod() {\n    return 'mine';\n  }\n"
TEST = ("  @IsTest\n  static void userAddedMethodReturnsMine() {\n"
        "    Assert.areEqual('mine', AcmeIntegrationConfig.userAddedMethod());\n  }\n")
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env=GIT_ENV, capture_output=True, text=True,
                          timeout=300, check=False, stdin=subprocess.DEVNULL)


def _scaffold(*args: str) -> subprocess.CompletedProcess[str]:
    return _run(REPO_ROOT, sys.executable, "-m", "generator", *args)


def _commit(project: Path) -> None:
    for args in (("git", "add", "-A"), ("git", "commit", "-qm", "work")):
        assert _run(project, *args).returncode == 0


def _append_member(path: Path, member: str) -> None:
    text = path.read_text()
    cut = text.rindex("}")
    path.write_text(text[:cut] + "\n" + member + text[cut:])


def test_updated_project_passes_default_stages(tmp_path: Path) -> None:
    project = tmp_path / "project"
    assert _scaffold("new", str(project), "--no-interactive").returncode == 0
    assert _run(project, "git", "init", "-q").returncode == 0
    _commit(project)
    cls = project / CONFIG
    _append_member(cls, METHOD)
    _append_member(project / CONFIG.replace(".cls", "Test.cls"), TEST)  # and its test
    with (project / "README.md").open("a") as f:
        f.write("\nOur team's own note.\n")
    sfdx = json.loads((project / "sfdx-project.json").read_text())
    sfdx["packageAliases"] = {"Acme Integration": "0Ho000000000001AAA"}
    (project / "sfdx-project.json").write_text(json.dumps(sfdx, indent=2) + "\n")
    _commit(project)

    update = _scaffold("update", str(project), "--set", "api_version=66.0",
                       "--set", "description=Syncs widgets with an external API.")
    assert update.returncode == 0, update.stderr
    assert METHOD in cls.read_text()
    merged = json.loads((project / "sfdx-project.json").read_text())
    assert merged["sourceApiVersion"] == "66.0" and "packageAliases" in merged

    result = run_sf_validate([str(project)])
    assert result.returncode == 0 and result.failed == 0, result.explain("updated project")
    assert result.passed > 0 and result.skipped == 0, result.explain("updated project")
