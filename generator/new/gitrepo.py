"""The few git operations `scaffold update` needs, run with the real git in the project.

Bases are read back by blob id (`git cat-file --batch`). After an update the new render is
stored in the object database and kept reachable from one ref, REF, pointing at a tree of
every rendered file: the base of a merged file is not what the project commits (that holds
your edits), so without the ref `git gc` could prune it and the next update would have no base.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.errors import ScaffoldError
from generator.new.answers import ANSWERS_FILE

REF = "refs/scaffold/render"


class GitError(ScaffoldError):
    """The project is not a usable git repository for `scaffold update`."""


def _git(target: Path, *args: str, data: bytes | None = None,
         env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(target), *args], input=data, capture_output=True, check=False,
            env={**os.environ, **env} if env else None)
    except FileNotFoundError:
        raise GitError("git: not found (scaffold update needs git on PATH; install git and "
                       "rerun)") from None


def _checked(proc: subprocess.CompletedProcess[bytes], what: str) -> bytes:
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"{what}: git failed: {detail[-1] if detail else proc.returncode}")
    return proc.stdout


def check_clean(target: Path, *, allow_dirty: bool) -> None:
    """Refuse a target outside a git work tree, or one with uncommitted changes (tracked or
    untracked) below it unless `allow_dirty`: an update must be reviewable with `git diff`.
    scaffold.toml may be edited (that is one way to change an answer): update rewrites it."""
    inside = _git(target, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise GitError(f"{target}: not in a git repository (scaffold update reads what scaffold "
                       "wrote from git history: run `git init && git add -A && git commit` "
                       "first)")
    if allow_dirty:
        return
    status = _checked(_git(target, "status", "--porcelain", "--untracked-files=all", "--",
                           ".", f":(exclude){ANSWERS_FILE}"), f"{target}")
    if status.strip():
        count = len(status.splitlines())
        raise GitError(f"{target}: {count} uncommitted change(s) (commit or stash them first, "
                       "so that the update can be reviewed and undone with git; or pass "
                       "--allow-dirty)")


def read_blobs(target: Path, ids: Iterable[str]) -> dict[str, bytes]:
    """The blobs of `ids` that the repository holds (a missing id is simply absent)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    out = _checked(_git(target, "cat-file", "--batch", data="".join(
        f"{i}\n" for i in wanted).encode()), "reading the files scaffold wrote")
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<id> missing" (or ambiguous)
            continue
        size = int(header[2])
        if header[1] == b"blob":
            blobs[oid] = out[pos:pos + size]
        pos += size + 1
    return blobs


def _prefix(target: Path) -> str:
    """The project's path inside its repository ("" at the root, else ending in "/")."""
    return _checked(_git(target, "rev-parse", "--show-prefix"),
                    "finding the project").decode().strip("\n")


def hash_files(target: Path, paths: Iterable[str]) -> dict[str, str]:
    """The blob id git would commit for each file (`git hash-object`, after the repository's
    clean filters and line-ending conversion, so a CRLF checkout of an LF blob matches it)."""
    rels = sorted(paths)
    if not rels:
        return {}
    prefix = _prefix(target)  # --stdin-paths reads paths from the top of the work tree
    out = _checked(_git(target, "hash-object", "--stdin-paths",
                        data="".join(f"{prefix}{rel}\n" for rel in rels).encode()),
                   "hashing the project's files").decode().split()
    if len(out) != len(rels):
        raise GitError(f"{target}: git hash-object returned {len(out)} ids for {len(rels)} files")
    return dict(zip(rels, out, strict=True))


def _other_projects(target: Path, prefix: str) -> list[str]:
    """Index lines of REF's entries outside this project (another scaffold project in the same
    repository keeps its render); none when the project is the repository root."""
    if not prefix or _git(target, "rev-parse", "-q", "--verify", f"{REF}^{{tree}}").returncode:
        return []
    listing = _checked(_git(target, "ls-tree", "-r", "-z", "--full-tree", REF),
                       "reading the previous render").decode()
    return [f"{entry}\n" for entry in listing.split("\0")
            if entry and not entry.split("\t", 1)[1].startswith(prefix)]


def store_render(target: Path, files: Mapping[str, str]) -> None:
    """Point REF at a tree of `files` (project path -> blob id; each blob already written),
    placed at the project's path in the repository."""
    prefix = _prefix(target)
    lines = _other_projects(target, prefix) + [
        f"100644 blob {oid}\t{prefix}{path}\n" for path, oid in sorted(files.items())]
    with tempfile.TemporaryDirectory(prefix="scaffold-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _checked(_git(target, "update-index", "--add", "--index-info",
                      data="".join(lines).encode(), env=env), "recording the render")
        tree = _checked(_git(target, "write-tree", env=env), "recording the render").strip()
    _checked(_git(target, "update-ref", REF, tree.decode()), "recording the render")


def write_blobs(target: Path, blobs: Iterable[bytes]) -> None:
    """Write each blob into the repository's object database."""
    for data in blobs:
        _checked(_git(target, "hash-object", "-w", "--stdin", data=data),
                 "storing the render")
