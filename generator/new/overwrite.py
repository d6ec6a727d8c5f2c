"""What `scaffold new EXISTING --force` does to each file, decided before anything is written.

scaffold.toml's manifest records the git blob id of every file scaffold wrote; a file on disk
whose id differs from its record (or that scaffold never recorded writing) was edited by the
user, and --force would lose that edit. `scaffold update` keeps it instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath

from generator.new.answers import ANSWERS_FILE
from generator.new.blobid import git_blob_id
from generator.new.write import read_manifest


class Change(Enum):
    """What --force does to one path. The EDITED kinds lose the user's edits."""

    NEW = "new"  # not on disk: written
    UNCHANGED = "unchanged"  # on disk with the same bytes
    CHANGED = "changed"  # replaced; the user had not edited it
    DELETED = "deleted"  # generated before, no longer: deleted; the user had not edited it
    EDITED = "edited-by-you"  # replaced, though the user edited it
    EDITED_DELETED = "edited-by-you, deleted"  # deleted, though the user edited it

    @property
    def loses_edits(self) -> bool:
        return self in (Change.EDITED, Change.EDITED_DELETED)


@dataclass(frozen=True, slots=True)
class Overwrite:
    path: str
    change: Change


def _on_disk(target: Path, rel: str) -> bytes | None:
    """The bytes of a regular file at rel below target; None when there is none. A symlink
    reads as b"" (scaffold never writes one, so it always counts as the user's)."""
    path = target / PurePosixPath(rel)
    if path.is_symlink():
        return b""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return b""  # unreadable: cannot be shown unedited


def plan_overwrite(target: Path, files: Mapping[str, bytes]) -> tuple[Overwrite, ...]:
    """Every path --force would write or delete below `target`, sorted, with what happens to
    it. Deleted are the files the manifest lists that `files` no longer holds (as write_tree
    deletes them)."""
    recorded = read_manifest(target).files
    out: list[Overwrite] = []
    for rel, data in files.items():
        disk = _on_disk(target, rel)
        if disk is None:
            change = Change.NEW
        elif disk == data:
            change = Change.UNCHANGED
        else:  # scaffold.toml is scaffold's own record: the answers of this run and its ids
            mine = rel != ANSWERS_FILE and (
                recorded.get(rel) is None or git_blob_id(disk) != recorded[rel])
            change = Change.EDITED if mine else Change.CHANGED
        out.append(Overwrite(rel, change))
    for rel in recorded.keys() - files.keys():
        disk = _on_disk(target, rel)
        if disk is not None:
            mine = recorded[rel] is None or git_blob_id(disk) != recorded[rel]
            out.append(Overwrite(rel, Change.EDITED_DELETED if mine else Change.DELETED))
    return tuple(sorted(out, key=lambda o: o.path))
