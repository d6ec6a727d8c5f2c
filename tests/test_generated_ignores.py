"""The generated .gitignore, checked with real git: what a retrieve or a CLI login writes is
ignored, and nothing scaffold generates is (in particular the global OAuth settings template)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.new.render import render
from generator.new.spec import build_spec
from generator.new.write import write_tree

GLOBAL_OAUTH = "subscriber-eca/eca/main/default/extlClntAppGlobalOauthSets/" \
    "Acme_Integration_glbloauth.ecaGlblOauth-meta.xml"
# Files a retrieve, `sf org display --verbose`, `sf org login` or a JWT setup leaves behind.
MUST_IGNORE = (
    GLOBAL_OAUTH,
    "force-app/main/default/extlClntAppGlobalOauthSets/Other_glbloauth.ecaGlblOauth-meta.xml",
    "authFile.json", "config/devhub-authFile.json", "prod.sfdxurl", "sfdxAuthUrl.txt",
    ".sf/config.json", ".sfdx/sfdx-config.json", "server.key", "server.key.enc", "jwt/server.key",
    "certs/jwt.pem", "keystore.p12",
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    target = tmp_path_factory.mktemp("ignores") / "project"
    files = render(build_spec({}))
    write_tree(target, files)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(target.parent)}
    subprocess.run(["git", "init", "-q"], cwd=target, env=env, check=True, timeout=60)
    return target


def _ignored(project: Path, paths: list[str]) -> set[str]:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(project.parent)}
    proc = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=project,
                          input="\n".join(paths) + "\n", capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return set(proc.stdout.split())


def test_credentials_a_retrieve_or_login_writes_are_ignored(project: Path) -> None:
    assert _ignored(project, list(MUST_IGNORE)) == set(MUST_IGNORE)


def test_no_generated_file_is_ignored(project: Path) -> None:
    generated = [str(p.relative_to(project)) for p in project.rglob("*")
                 if p.is_file() and ".git" not in p.relative_to(project).parts]
    assert "subscriber-eca/templates/Acme_Integration_glbloauth.ecaGlblOauth-meta.xml.template" \
        in generated
    assert _ignored(project, generated) == set()
