"""Real temporary git repositories for tests: commits from dicts of files, fixed dates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

START = 1767225600  # 2026-01-01T00:00:00Z; commit n is n minutes later


def git(repo: Path, *args: str, date: int = 0) -> str:
    stamp = f"{START + 60 * date} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


class Repo:
    """A repository whose `commit` takes {path: content} (None deletes the file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.n = 0
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", "-b", "main")
        for key, value in (("user.name", "Ada Dev"), ("user.email", "ada@example.com"),
                           ("commit.gpgsign", "false"), ("gc.auto", "0")):
            git(path, "config", key, value)

    def commit(self, files: dict[str, bytes | str | None], message: str = "change") -> str:
        for rel, content in files.items():
            if content is None:
                git(self.path, "rm", "-q", rel)
                continue
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
            git(self.path, "add", rel)
        self.n += 1
        git(self.path, "commit", "-q", "--allow-empty", "-m", message, date=self.n)
        return git(self.path, "rev-parse", "HEAD")

    def git(self, *args: str) -> str:
        self.n += 1
        return git(self.path, *args, date=self.n)

    def object_file(self, rev: str) -> Path:
        sha = git(self.path, "rev-parse", rev)
        return self.path / ".git" / "objects" / sha[:2] / sha[2:]
