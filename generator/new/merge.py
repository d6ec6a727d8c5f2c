"""`scaffold update`'s per-file decision and three-way merge. Pure: bytes in, bytes out.

Three sides per path: *base* (what scaffold wrote last, read back by its git blob id), *ours*
(the file in the project now) and *theirs* (what the installed scaffold renders now).
`decide` applies the decision table (issue 9) to the blob ids; `merge_file` merges the
bytes of a path both sides changed: JSON project files key by key (`jsonmerge`), every other
text file line by line with `git merge-file`, which writes standard conflict markers:

    <<<<<<< yours
    (the project's lines)
    =======
    (scaffold's new lines)
    >>>>>>> scaffold 1.2.0
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath

from generator.new.blobid import git_blob_id as git_blob_id  # re-exported (tests/test_merge.py)

OURS_LABEL = "yours"
BASE_LABEL = "base"
JSON_FILES = frozenset({"sfdx-project.json", "package.json"})  # merged as JSON, by file name
_GIT_CONFLICT_LIMIT = 127  # git merge-file's exit status counts conflicts up to this


@dataclass(frozen=True, slots=True)
class Merged:
    """A merge result: the bytes to write and one line per conflict (empty: clean)."""

    data: bytes
    conflicts: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


class Action(Enum):
    """What `scaffold update` does with one path."""

    ADD = "add"  # new template file, nothing there yet
    REPLACE = "replace"  # you never changed it: scaffold's new version replaces it
    KEEP = "keep"  # scaffold's version did not change: yours is kept as it is
    MERGE = "merge"  # both changed (or the base is unknown): three-way merge
    UNCHANGED = "unchanged"  # already what scaffold writes now (or gone on all sides)
    DELETE = "delete"  # scaffold no longer writes it and you never changed it
    KEEP_REMOVED = "keep-removed"  # scaffold no longer writes it, you changed it: kept, reported
    STAY_DELETED = "stay-deleted"  # you deleted it: not recreated (reported if scaffold changed it)
    KEEP_FOREIGN = "keep-foreign"  # scaffold now writes a path holding a file it never wrote

    @property
    def writes(self) -> bool:
        return self in (Action.ADD, Action.REPLACE, Action.MERGE)


@dataclass(frozen=True, slots=True)
class Sides:
    """Blob ids of one path's three sides; None where that side has no file.

    `recorded` says whether the previous scaffold.toml lists the path as generated; a recorded
    path with `base` None is one whose base cannot be read (no id recorded, or the blob is not
    in the repository), so both sides count as changed.
    """

    recorded: bool
    base: str | None
    ours: str | None
    theirs: str | None


def decide(sides: Sides) -> Action:
    """The decision table: what to do with one path, from its three blob ids alone."""
    base, ours, theirs = sides.base, sides.ours, sides.theirs
    if not sides.recorded:  # scaffold never wrote this path
        if theirs is None or ours == theirs:
            return Action.UNCHANGED  # not scaffold's file: never touched
        return Action.ADD if ours is None else Action.KEEP_FOREIGN
    if theirs is None:  # the new render no longer writes it
        if ours is None:
            return Action.UNCHANGED
        return Action.DELETE if ours == base else Action.KEEP_REMOVED
    if ours is None:
        return Action.STAY_DELETED
    if ours == theirs:
        return Action.UNCHANGED
    if base is not None and ours == base:
        return Action.REPLACE
    if base is not None and theirs == base:
        return Action.KEEP
    return Action.MERGE


def merge_file(path: str, base: bytes | None, ours: bytes, theirs: bytes, *,
               theirs_label: str) -> Merged:
    """Merge one path both sides changed. `base` None: unknown, so every difference between
    ours and theirs is a conflict. sfdx-project.json and package.json are merged as JSON
    (falling back to lines when one side is not a JSON object); anything else line by line."""
    if b"\r\n" in ours and b"\r\n" not in theirs and (base is None or b"\r\n" not in base):
        # A CRLF checkout (core.autocrlf) of LF files: merge as LF, write back as CRLF.
        lf = merge_file(path, base, ours.replace(b"\r\n", b"\n"), theirs,
                        theirs_label=theirs_label)
        return Merged(lf.data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), lf.conflicts)
    if PurePosixPath(path).name in JSON_FILES:
        from generator.new import jsonmerge

        merged = jsonmerge.merge_json(base, ours, theirs)
        if merged is not None:
            return merged
    return merge_text(base if base is not None else b"", ours, theirs, theirs_label=theirs_label)


def merge_text(base: bytes, ours: bytes, theirs: bytes, *, theirs_label: str) -> Merged:
    """Line-by-line three-way merge with `git merge-file`; conflicts get standard markers.

    A binary side (a NUL byte) cannot be merged: ours is kept and that is the conflict.
    """
    if any(b"\0" in side for side in (base, ours, theirs)):
        return Merged(ours, ("binary file changed on both sides: yours kept",))
    import subprocess  # only when merging
    import tempfile

    from generator.new.gitrepo import GitError

    with tempfile.TemporaryDirectory(prefix="scaffold-merge-") as tmp:
        names = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            (Path(tmp) / name).write_bytes(data)
            names.append(str(Path(tmp) / name))
        argv = ["git", "-c", "merge.conflictStyle=merge", "merge-file", "-p",
                "-L", OURS_LABEL, "-L", BASE_LABEL, "-L", theirs_label, *names]
        try:
            proc = subprocess.run(argv, capture_output=True, check=False)  # noqa: S603
        except FileNotFoundError:
            raise GitError("git: not found (scaffold update needs git on PATH; "
                             "install git and rerun)") from None
    if not 0 <= proc.returncode <= _GIT_CONFLICT_LIMIT:
        detail = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"git merge-file failed ({proc.returncode}): {detail}")
    count = proc.returncode
    conflicts = () if count == 0 else (
        f"{count}{'+' if count == _GIT_CONFLICT_LIMIT else ''} conflicting "
        f"hunk{'s' if count != 1 else ''} marked with <<<<<<< {OURS_LABEL} / "
        f">>>>>>> {theirs_label}",)
    return Merged(proc.stdout, conflicts)
