"""Write a rendered project: atomic write_tree() and the manifest of generated files.

scaffold.toml records the answers and, under [generated], every file scaffold wrote, so that
`scaffold new DIR --answers DIR/scaffold.toml --force` can delete the files a new run no longer
writes (and only those).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from generator.errors import TargetError
from generator.new.answers import ANSWERS_FILE

MANIFEST_TABLE = "generated"


def format_manifest(paths: Iterable[str]) -> str:
    """The [generated] table of scaffold.toml: every other file of the project."""
    lines = ["", "# Every file scaffold wrote. `scaffold new --force` deletes the ones a new run",
             "# no longer writes, and never touches any other file.", f"[{MANIFEST_TABLE}]",
             "files = ["]
    lines += [f"    {json.dumps(path)}," for path in sorted(paths)]
    return "\n".join([*lines, "]"]) + "\n"


def _safe_relative(rel: object) -> PurePosixPath | None:
    """`rel` as a plain relative path inside the project, or None (absolute, `..`, odd)."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return None
    path = PurePosixPath(rel)
    if path.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        return None
    return path


def previously_generated(target: Path) -> frozenset[str]:
    """Paths listed in target/scaffold.toml's [generated] table; empty when there is none.

    A missing, unreadable or hand-broken manifest means "delete nothing".
    """
    import tomllib  # only when overwriting an existing project

    try:
        data = tomllib.loads((target / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return frozenset()
    table = data.get(MANIFEST_TABLE)
    listed = table.get("files") if isinstance(table, dict) else None
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(str(p) for rel in listed if (p := _safe_relative(rel)) is not None)


def _remove_stale(target: Path, stale: Iterable[str]) -> None:
    """Delete stale generated files (never directories or anything outside target), then the
    directories that this leaves empty."""
    root = target.resolve()
    for rel in sorted(stale):
        path = target / PurePosixPath(rel)
        if path.is_dir() and not path.is_symlink():
            continue
        if not path.parent.resolve().is_relative_to(root) or not path.is_symlink() \
                and not path.is_file():
            continue
        path.unlink()
        parent = path.parent
        while parent.resolve() != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def check_target(target: Path, *, force: bool) -> bool:
    """Refuse a target that cannot be written as asked; True when it is a non-empty directory
    that --force will overwrite. Cheap: `scaffold new` calls it before the first prompt."""
    if target.exists() and not target.is_dir():
        raise TargetError(f"{target}: exists and is not a directory (choose another path)")
    overwrite = target.is_dir() and not _is_empty_dir(target)
    if overwrite and not force:
        raise TargetError(f"{target}: directory is not empty (use --force to overwrite)")
    return overwrite


def _check_blocked(target: Path, files: Mapping[str, bytes]) -> None:
    """Refuse, before writing anything, when a directory sits where a file goes or a file sits
    where a directory goes."""
    for rel in files:
        path = PurePosixPath(rel)
        if (target / path).is_dir():
            raise TargetError(f"{target / path}: is a directory where scaffold writes a file "
                              "(move it away and rerun)")
        for parent in list(path.parents)[:-1]:
            where = target / parent
            if where.exists() and not where.is_dir():
                raise TargetError(f"{where}: is a file where scaffold needs a directory "
                                  "(move it away and rerun)")


def _stage(parent: Path, name: str) -> Path:
    """A private staging directory beside the target (mode 0700 from mkdtemp)."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{name}.scaffold-", dir=parent))
    except OSError as exc:
        raise TargetError(f"{parent}: cannot create the project here ({exc.strerror})") from None


def write_tree(target: Path, files: Mapping[str, bytes], *, force: bool = False) -> None:
    """Write `files` below `target` all-or-nothing.

    Everything is first written into a staging directory beside `target`; only when that has
    fully succeeded is it moved into place (one rename for a new directory, one atomic replace
    per file when overwriting with --force). A failure leaves the target as it was. The project
    root is made with mkdir inside the staging directory, so its mode honours the umask.
    When overwriting, files that the previous scaffold.toml lists as generated and that `files`
    no longer contains are deleted; no other file is ever deleted.
    """
    overwrite = check_target(target, force=force)
    if overwrite:
        _check_blocked(target, files)
    resolved = target.resolve()
    staging = _stage(resolved.parent, resolved.name)
    try:
        root = staging / "project"
        root.mkdir()
        for rel, data in files.items():
            dest = root / PurePosixPath(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        if not overwrite:
            if target.exists():
                target.rmdir()
            root.rename(target)
            return
        stale = previously_generated(target) - set(files)
        for rel in files:
            dest = target / PurePosixPath(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            (root / PurePosixPath(rel)).replace(dest)
        _remove_stale(target, stale)
    except OSError as exc:
        raise TargetError(f"{target}: cannot write the project ({exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
