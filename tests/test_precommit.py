"""The real pre-commit framework on temporary git repositories: our hook manifest, this
repository's config, and the config a generated project ships."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import keygen

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """scaffold and pre-commit from this venv first on PATH; git identity; no user config."""
    if shutil.which("pre-commit", path=str(BIN)) is None:
        pytest.skip("pre-commit is not installed in this environment (pip install -e '.[dev]')")
    home = tmp_path / "home"
    home.mkdir()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    return {**keep, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def git_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    assert run(["git", "init", "-q", "-b", "main"], path, env).returncode == 0
    return path


def commit(repo: Path, env: dict[str, str], *paths: str) -> subprocess.CompletedProcess[str]:
    assert run(["git", "add", *paths], repo, env).returncode == 0
    return run(["git", "commit", "-q", "-m", "change"], repo, env)


def head(repo: Path, env: dict[str, str]) -> str:
    return run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()


def test_manifest_and_configs_are_valid(env, tmp_path):
    pc = str(BIN / "pre-commit")
    assert run([pc, "validate-manifest", ".pre-commit-hooks.yaml"], REPO, env).returncode == 0
    for config in (".pre-commit-config.yaml", "templates/.pre-commit-config.yaml"):
        proc = run([pc, "validate-config", config], REPO, env)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_manifest_scans_every_file_type():
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "id: scaffold-lint" in text and "entry: scaffold lint" in text
    assert "language: python" in text
    assert "types" not in text and "pass_filenames" not in text  # defaults: all files, names


def test_local_hook_blocks_a_key_and_passes_clean_commits(env, tmp_path):
    repo = git_repo(tmp_path / "r", env)
    shutil.copy(REPO / "templates" / ".pre-commit-config.yaml", repo / ".pre-commit-config.yaml")
    assert run([str(BIN / "pre-commit"), "install"], repo, env).returncode == 0
    (repo / "README.md").write_text("hello\n")
    clean = commit(repo, env, "-A")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    before = head(repo, env)

    (repo / "logo.png").write_bytes(keygen.der(keygen.ec_key()))  # any name
    blocked = commit(repo, env, "logo.png")
    assert blocked.returncode != 0
    assert "der-private-key" in blocked.stdout + blocked.stderr
    assert head(repo, env) == before

    # staged key, unstaged "fix": pre-commit stashes the fix, the hook sees the commit's content
    (repo / "logo.png").unlink()
    (repo / "k.txt").write_bytes(keygen.pem(keygen.rsa_key()))
    run(["git", "add", "k.txt"], repo, env)
    run(["git", "rm", "-q", "--cached", "logo.png"], repo, env)
    (repo / "k.txt").write_text("removed in the working tree only\n")
    staged = run(["git", "commit", "-q", "-m", "sneaky"], repo, env)
    assert staged.returncode != 0
    assert "pem-private-key" in staged.stdout + staged.stderr
    assert head(repo, env) == before
    assert (repo / "k.txt").read_text() == "removed in the working tree only\n"


def test_generated_project_config_runs_scaffold_lint(env, tmp_path):
    project = tmp_path / "p"
    proc = run([str(BIN / "scaffold"), "new", str(project), "--no-interactive"], tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    assert "id: scaffold-lint" in (project / ".pre-commit-config.yaml").read_text()
    git_repo(project, env)
    assert run([str(BIN / "pre-commit"), "install"], project, env).returncode == 0
    first = commit(project, env, "-A")
    assert first.returncode == 0, first.stdout + first.stderr
    key = project / "force-app" / "main" / "default" / "staticresources" / "jwt.resource"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(keygen.p12())
    blocked = commit(project, env, "-A")
    assert blocked.returncode != 0
    assert "pkcs12-private-key" in blocked.stdout + blocked.stderr


def _copy_of_this_repository(dest: Path, env: dict[str, str]) -> Path:
    """A committed copy of the files a pip install needs (the real repo's HEAD may lag)."""
    for name in ("generator", "templates"):
        shutil.copytree(REPO / name, dest / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, dest / name)
    git_repo(dest, env)
    proc = commit(dest, env, "-A")
    assert proc.returncode == 0, proc.stderr
    return dest


def test_try_repo_installs_and_runs_the_published_hook(env, tmp_path):
    """`pre-commit try-repo` builds the hook from our manifest (language: python, pip install)."""
    hook_repo = _copy_of_this_repository(tmp_path / "scaffold", env)
    repo = git_repo(tmp_path / "r", env)
    (repo / "clean.txt").write_text("nothing to see\n")
    (repo / "jwt.resource").write_bytes(keygen.pem(keygen.ec_key()))
    run(["git", "add", "-A"], repo, env)
    proc = run([str(BIN / "pre-commit"), "try-repo", str(hook_repo), "scaffold-lint",
                "--files", "clean.txt", "jwt.resource"], repo, env, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "jwt.resource" in out and "pem-private-key" in out
    ok = run([str(BIN / "pre-commit"), "try-repo", str(hook_repo), "scaffold-lint",
              "--files", "clean.txt"], repo, env, timeout=900)
    assert ok.returncode == 0, ok.stdout + ok.stderr
