"""`scaffold update`: re-render a project with the installed scaffold, then merge file by file.

`plan_update` reads the recorded answers and manifest from the project's scaffold.toml,
renders again (answers changed by `--set`, validated as `scaffold new` validates them), reads
each base back from the project's git repository by the blob id the manifest records, and
decides per file (merge.decide). Nothing is written until `apply_update`, which stores the new
render in git (gitrepo.REF) and writes the changed files atomically, as `scaffold new` does.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.errors import Problem, SpecError, TargetError
from generator.new import gitrepo
from generator.new.answers import ANSWERS_FILE, problems, read_answers
from generator.new.blobid import git_blob_id
from generator.new.merge import Action, Sides, decide, merge_file

_NOT_A_FILE = "-"  # the "blob id" of a symlink or directory: equal to no real id


@dataclass(frozen=True, slots=True)
class FileChange:
    """What the update does with one path: its bytes before and after (None: no file)."""

    path: str
    action: Action
    before: bytes | None
    after: bytes | None
    conflicts: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Update:
    """The planned update of one project; `apply_update` carries it out."""

    target: Path
    version: str  # the scaffold that renders now
    previous_version: str | None  # the scaffold that wrote the project last, if recorded
    changes: tuple[FileChange, ...]  # every path considered, sorted; scaffold.toml last
    rendered: Mapping[str, bytes]  # the new render (theirs), without scaffold.toml

    @property
    def writes(self) -> dict[str, bytes]:
        return {c.path: c.after for c in self.changes
                if c.after is not None and c.after != c.before}

    @property
    def deletes(self) -> tuple[str, ...]:
        return tuple(c.path for c in self.changes if c.action is Action.DELETE)

    @property
    def conflicts(self) -> tuple[tuple[str, str], ...]:
        return tuple((c.path, msg) for c in self.changes for msg in c.conflicts)

    @property
    def notes(self) -> tuple[tuple[str, str], ...]:
        return tuple((c.path, c.note) for c in self.changes if c.note)


def _read(target: Path, rel: str) -> bytes | None:
    path = target / PurePosixPath(rel)
    if path.is_symlink() or path.exists() and not path.is_file():
        return None
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TargetError(f"{path}: cannot read ({exc.strerror}; fix its permissions and "
                          "rerun)") from None


def _ours_ids(target: Path, ours: Mapping[str, bytes | None]) -> dict[str, str | None]:
    """Each path's blob id as git would commit it; _NOT_A_FILE for a symlink or directory."""
    ids: dict[str, str | None] = dict(gitrepo.hash_files(
        target, (rel for rel, data in ours.items() if data is not None)))
    for rel, data in ours.items():
        if data is None:
            path = target / PurePosixPath(rel)
            ids[rel] = _NOT_A_FILE if path.is_symlink() or path.exists() else None
    return ids


def parse_sets(pairs: Iterable[str]) -> dict[str, str]:
    """`--set KEY=VALUE` pairs as answers (KEY as in scaffold.toml; dashes allowed). The
    values are checked with the recorded answers, by plan_update."""
    given: dict[str, str] = {}
    bad: list[Problem] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            bad.append(Problem(f"--set {pair}", "is not KEY=VALUE",
                               "write it as KEY=VALUE, for example --set api_version=66.0"))
        else:
            given[key.strip().replace("-", "_")] = value
    if bad:
        raise SpecError(bad)
    return given


def _answers(target: Path, overrides: Mapping[str, str]) -> dict[str, str]:
    given = {**read_answers(target / ANSWERS_FILE), **overrides}
    found = problems(given)
    if found:
        raise SpecError(found)
    return given


def _keep_pairs(actions: dict[str, Action]) -> dict[str, Action]:
    """A source file and its `-meta.xml` go together: when one of a pair that the render no
    longer writes is kept (you changed it), the other is kept too rather than deleted."""
    for rel, action in list(actions.items()):
        other = rel.removesuffix("-meta.xml") if rel.endswith("-meta.xml") else f"{rel}-meta.xml"
        if action is Action.KEEP_REMOVED and actions.get(other) is Action.DELETE:
            actions[other] = Action.KEEP_REMOVED
    return actions


def plan_update(target: Path, overrides: Mapping[str, str] | None = None, *,
                templates: Path | None = None, allow_dirty: bool = False) -> Update:
    """Everything `scaffold update` would do to `target`, computed without writing anything.

    Raises TargetError (no scaffold.toml), GitError (no git work tree, or uncommitted changes
    without `allow_dirty`) or SpecError (a bad answer), all before rendering.
    """
    from generator import __version__
    from generator.new.render import plan, render
    from generator.new.spec import build_spec
    from generator.new.write import read_manifest

    if not (target / ANSWERS_FILE).is_file():
        raise TargetError(f"{target}: no {ANSWERS_FILE} (scaffold update works on a project "
                          "made by scaffold new: give its directory)")
    gitrepo.check_clean(target, allow_dirty=allow_dirty)
    spec = build_spec(_answers(target, overrides or {}))
    rendered = render(spec, plan(spec), templates=templates)
    toml = rendered.pop(ANSWERS_FILE)
    manifest = read_manifest(target)
    ours = {rel: _read(target, rel) for rel in sorted(set(manifest.files) | set(rendered))}
    ours_ids = _ours_ids(target, ours)
    sides = {rel: Sides(rel in manifest.files, manifest.files.get(rel), ours_ids[rel],
                        git_blob_id(rendered[rel]) if rel in rendered else None)
             for rel in ours}
    actions = _keep_pairs({rel: decide(s) for rel, s in sides.items()})
    for rel, action in actions.items():
        if action.writes and sides[rel].ours == _NOT_A_FILE:
            raise TargetError(f"{target / rel}: is not a regular file where scaffold writes "
                              "one (move it away and rerun)")
    bases = gitrepo.read_blobs(target, (s.base for rel, s in sides.items()
                                        if actions[rel] is Action.MERGE and s.base))
    label = f"scaffold {__version__}"
    changes = [_change(rel, actions[rel], sides[rel], ours[rel], rendered.get(rel), bases,
                       label) for rel in ours]
    before = _read(target, ANSWERS_FILE)
    changes.append(FileChange(ANSWERS_FILE, Action.UNCHANGED if before == toml
                              else Action.REPLACE, before, toml))
    return Update(target, __version__, manifest.version, tuple(changes), rendered)


def _change(rel: str, action: Action, sides: Sides, ours: bytes | None, theirs: bytes | None,
            bases: Mapping[str, bytes], label: str) -> FileChange:
    if action in (Action.ADD, Action.REPLACE):
        return FileChange(rel, action, ours, theirs)
    if action is Action.DELETE:
        return FileChange(rel, action, ours, None)
    if action is Action.MERGE:
        assert ours is not None and theirs is not None  # noqa: S101 - decide() guarantees it
        base = bases.get(sides.base) if sides.base else None
        note = "" if base is not None else (
            "base unknown (scaffold.toml records no blob id): merged as changed on both sides"
            if sides.base is None else f"base blob {sides.base[:12]} is not in this "
            "repository: merged as changed on both sides")
        merged = merge_file(rel, base, ours, theirs, theirs_label=label)
        conflicts = merged.conflicts or _xml_problem(rel, merged.data)
        return FileChange(rel, action, ours, merged.data, conflicts, note)
    if action is Action.KEEP_REMOVED:
        return FileChange(rel, action, ours, ours, note=(
            "scaffold no longer writes this file and you changed it (or its -meta.xml pair): "
            "kept, and no longer "
            "listed in scaffold.toml (delete it yourself if you do not need it)"))
    if action is Action.STAY_DELETED and sides.theirs != sides.base:
        return FileChange(rel, action, None, None, note=(
            f"you deleted this file and {label} changed it: not recreated (see "
            f"`git show {gitrepo.REF}:./{rel}` in the project after the update)"))
    if action is Action.KEEP_FOREIGN:
        return FileChange(rel, action, ours, ours, conflicts=(
            f"{label} now writes this path, which holds a file scaffold never wrote: yours "
            f"kept (compare with `git show {gitrepo.REF}:./{rel}` in the project after the "
            "update)",))
    return FileChange(rel, action, ours, ours)  # KEEP, UNCHANGED, STAY_DELETED


def _xml_problem(rel: str, data: bytes) -> tuple[str, ...]:
    """A clean line merge of two well-formed XML files can still break the XML: say so."""
    if not rel.endswith(".xml"):
        return ()
    from generator.new.xmlcheck import xml_problem

    problem = xml_problem(data)
    if problem is not None:
        return (f"merged without overlapping changes, but the result is not well-formed XML "
                f"({problem}): fix it by hand",)
    return ()


def apply_update(update: Update) -> None:
    """Store the new render in git, then write the changed files and delete the stale ones
    (staged beside the project first, then moved into place)."""
    from generator.new.write import replace_files

    gitrepo.write_blobs(update.target, update.rendered.values())
    gitrepo.store_render(update.target, {rel: git_blob_id(data)
                                         for rel, data in update.rendered.items()})
    replace_files(update.target, update.writes, update.deletes)


def unified_diff(update: Update) -> str:
    """What `apply_update` would change, as a unified diff (a/ = now, b/ = after)."""
    out: list[str] = []
    for change in update.changes:
        if change.before == change.after:
            continue
        old = f"a/{change.path}" if change.before is not None else "/dev/null"
        new = f"b/{change.path}" if change.after is not None else "/dev/null"
        before, after = change.before or b"", change.after or b""
        if b"\0" in before or b"\0" in after:
            out.append(f"Binary files {old} and {new} differ\n")
            continue
        lines = difflib.unified_diff(
            before.decode("utf-8", "replace").splitlines(keepends=True),
            after.decode("utf-8", "replace").splitlines(keepends=True), old, new)
        out.extend(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    return "".join(out)


_DONE = {Action.ADD: "added", Action.REPLACE: "replaced", Action.MERGE: "merged",
         Action.DELETE: "deleted"}


def summary(update: Update, *, dry_run: bool) -> list[str]:
    """What happened (or, with `dry_run`, would happen), for the CLI to print: notes, a count
    per action, then one line per conflict and what to do next."""
    lines = [f"note: {path}: {note}" for path, note in update.notes]
    done = Counter(_DONE[c.action] for c in update.changes
                   if c.action in _DONE and c.before != c.after and c.path != ANSWERS_FILE)
    was = f" (written by scaffold {update.previous_version})" if update.previous_version else ""
    if not done and not update.conflicts:
        return [*lines, f"{update.target}: up to date with scaffold {update.version}{was}"]
    counts = ", ".join(f"{n} {what}" for what, n in sorted(done.items())) or "no file changed"
    verb = "Dry run, nothing written: would update" if dry_run else "Updated"
    lines.append(f"{verb} {update.target} to scaffold {update.version}{was}: {counts}")
    lines += [f"conflict: {path}: {message}" for path, message in update.conflicts]
    if update.conflicts:
        lines.append(f"{len(update.conflicts)} conflict(s): resolve them (look for "
                     "'<<<<<<< yours'), then review with `git diff` and commit")
    elif not dry_run:
        lines.append("Review with `git diff`, then commit.")
    return lines
