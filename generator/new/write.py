"""Write a rendered project: atomic write_tree() and replace_files(), and the manifest.

scaffold.toml records the answers and, under [generated], the scaffold version and every file
scaffold wrote with the git blob id of its bytes, so that `scaffold update` can read each base
back from the project's repository, and `scaffold new DIR --answers DIR/scaffold.toml --force`
can delete the files a new run no longer writes (and only those).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.errors import TargetError
from generator.new.answers import ANSWERS_FILE
from generator.new.blobid import git_blob_id

MANIFEST_TABLE = "generated"
_BLOB_ID = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True, slots=True)
class Manifest:
    """The [generated] table as read back: who wrote the project, and path -> blob id (None
    when not recorded, as in manifests written before scaffold 0.1.0 recorded ids)."""

    version: str | None
    files: dict[str, str | None]


def format_manifest(files: Mapping[str, bytes], version: str) -> str:
    """The [generated] table of scaffold.toml: the scaffold version and every other file of
    the project with the git blob id of its bytes."""
    lines = ["", "# Every file scaffold wrote and the git blob id of its bytes: `scaffold update`",
             "# reads each back from this repository to merge your edits with a new render, and",
             "# `scaffold new --force` deletes the ones a new run no longer writes.",
             f"[{MANIFEST_TABLE}]", f"scaffold_version = {json.dumps(version)}", "",
             f"[{MANIFEST_TABLE}.files]"]
    lines += [f"{json.dumps(path)} = \"{git_blob_id(files[path])}\"" for path in sorted(files)]
    return "\n".join(lines) + "\n"


def _safe_relative(rel: object) -> PurePosixPath | None:
    """`rel` as a plain relative path inside the project, or None (absolute, `..`, odd)."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return None
    path = PurePosixPath(rel)
    if path.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        return None
    return path


def read_manifest(target: Path) -> Manifest:
    """target/scaffold.toml's [generated] table; empty when there is none.

    A missing, unreadable or hand-broken manifest means "nothing was generated": delete
    nothing. Unsafe paths (absolute, `..`) and malformed ids are dropped.
    """
    import tomllib  # only when overwriting or updating an existing project

    try:
        data = tomllib.loads((target / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Manifest(None, {})
    table = data.get(MANIFEST_TABLE)
    if not isinstance(table, dict):
        return Manifest(None, {})
    version = table.get("scaffold_version")
    listed = table.get("files")
    pairs: Iterable[tuple[object, object]] = (
        listed.items() if isinstance(listed, dict)
        else ((rel, None) for rel in listed) if isinstance(listed, list) else ())
    files = {str(p): oid if isinstance(oid, str) and _BLOB_ID.fullmatch(oid) else None
             for rel, oid in pairs if (p := _safe_relative(rel)) is not None}
    return Manifest(version if isinstance(version, str) else None, dict(sorted(files.items())))


def previously_generated(target: Path) -> frozenset[str]:
    """Paths listed in target/scaffold.toml's [generated] table; empty when there is none."""
    return frozenset(read_manifest(target).files)


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


def _write_staged(root: Path, files: Mapping[str, bytes]) -> None:
    root.mkdir()
    made = {root}
    for rel, data in files.items():
        dest = root / PurePosixPath(rel)
        if dest.parent not in made:  # one mkdir per directory, not one per file
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        dest.write_bytes(data)


def _move_into(target: Path, root: Path, files: Iterable[str], stale: Iterable[str]) -> None:
    """Move each staged file over its place in `target` (one atomic replace each), then delete
    the stale generated files."""
    for rel in files:
        dest = target / PurePosixPath(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        (root / PurePosixPath(rel)).replace(dest)
    _remove_stale(target, stale)


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
        stale = previously_generated(target) - set(files)
        _via_staging(target, files, "write",
                     lambda root: _move_into(target, root, files, stale))
        return

    def place(root: Path) -> None:
        if target.exists():
            target.rmdir()
        root.rename(target)

    _via_staging(target, files, "write", place)


def replace_files(target: Path, files: Mapping[str, bytes], delete: Iterable[str] = ()) -> None:
    """Update an existing project as `write_tree` overwrites one (staged beside it, then one
    atomic replace per file), then delete the generated files in `delete` (`scaffold update`
    has decided them one by one)."""
    if not files and not delete:
        return
    _check_blocked(target, files)
    _via_staging(target, files, "update", lambda root: _move_into(target, root, files, delete))


def _via_staging(target: Path, files: Mapping[str, bytes], what: str,
                 place: Callable[[Path], None]) -> None:
    """Write `files` into a staging directory beside `target`, then `place` them from there;
    the staging directory is removed whatever happens, and an OSError names the target."""
    resolved = target.resolve()
    staging = _stage(resolved.parent, resolved.name)
    try:
        root = staging / "project"
        _write_staged(root, files)
        place(root)
    except OSError as exc:
        raise TargetError(f"{target}: cannot {what} the project ({exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
