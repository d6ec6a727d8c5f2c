"""SFDX project layout: which files ship in a package (packageDirectories minus .forceignore).

Paths are POSIX strings relative to the project root (the directory holding sfdx-project.json).
`.forceignore` uses gitignore syntax, matched like Salesforce's source-deploy-retrieve does (the
`ignore` npm package): the last matching pattern wins, and nothing inside an ignored directory can
be re-included. SDR adds its own default patterns whenever a `.forceignore` exists.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

PROJECT_FILE = "sfdx-project.json"
FORCEIGNORE = ".forceignore"
# source-deploy-retrieve ForceIgnore.DEFAULT_IGNORE (the `.sf/orgs` exceptions do not matter here)
SDR_DEFAULT_IGNORE = ("**/*.dup", "**/.*", "**/package2-descriptor.json",
                      "**/package2-manifest.json")

Reader = Callable[[str], bytes | None]  # project-relative path -> bytes, None when absent


class Pattern(NamedTuple):
    """One compiled gitignore-style pattern."""

    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def compile_pattern(text: str) -> Pattern | None:
    """Compile one gitignore line; None for blanks and comments."""
    line = text.rstrip("\r\n")
    if not line.endswith("\\ "):
        line = line.rstrip(" \t")
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    elif line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    prefix = "" if anchored or line.startswith("**/") else "(?:.*/)?"
    return Pattern(re.compile(prefix + body + r"\Z", re.DOTALL), negate, dir_only)


def _translate(glob: str) -> str:
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        if glob.startswith("**/", i) and (i == 0 or glob[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i) and i + 2 == n and (i == 0 or glob[i - 1] == "/"):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(re.escape("["))
                i += 1
                continue
            inner = glob[i + 1:end]
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end + 1
        elif glob[i] == "\\" and i + 1 < n:
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


class IgnoreRules:
    """An ordered gitignore pattern list (directory verdicts are cached: a tree has far fewer
    directories than files). Equal when the patterns are."""

    __slots__ = ("_any", "_dirs", "patterns")

    def __init__(self, patterns: tuple[Pattern, ...] = ()) -> None:
        self.patterns = patterns
        self._dirs: dict[str, bool] = {}
        self._any: list[re.Pattern[str]] = []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IgnoreRules) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def __repr__(self) -> str:
        return f"IgnoreRules(patterns={self.patterns!r})"

    @classmethod
    def parse(cls, lines: Iterable[str]) -> IgnoreRules:
        return cls(tuple(p for p in (compile_pattern(line) for line in lines) if p is not None))

    def _decide(self, path: str, is_dir: bool) -> bool | None:
        if not is_dir:  # one C-level match rules out the usual file that no pattern names
            if not self._any:
                self._any.append(re.compile("|".join(
                    f"(?:{p.regex.pattern})" for p in self.patterns if not p.dir_only)
                    or r"(?!)", re.DOTALL))
            if not self._any[0].match(path):
                return None
        verdict: bool | None = None
        for pat in self.patterns:
            if pat.dir_only and not is_dir:
                continue
            if pat.regex.match(path):
                verdict = not pat.negate
        return verdict

    def ignores(self, path: str) -> bool:
        """True when the file `path` (relative, POSIX) is ignored."""
        if not self.patterns:
            return False
        parent = path.rpartition("/")[0]
        if parent and self.dir_ignored(parent):
            return True
        return bool(self._decide(path, is_dir=False))

    def ignores_file(self, path: str) -> bool:
        """The file's own verdict, its directories aside (see `dir_ignored`)."""
        return bool(self.patterns) and bool(self._decide(path, is_dir=False))

    def dir_ignored(self, directory: str) -> bool:
        """The directory or one of its parents is ignored (nothing inside can be re-included)."""
        verdict = self._dirs.get(directory)
        if verdict is None:
            parent = directory.rpartition("/")[0]
            verdict = bool(parent and self.dir_ignored(parent)) \
                or bool(self._decide(directory, is_dir=True))
            self._dirs[directory] = verdict
        return verdict


def matches_glob(pattern: str, path: str) -> bool:
    """gitignore-style match of one pattern against a relative POSIX path or its parents."""
    compiled = compile_pattern(pattern)
    if compiled is None:
        return False
    return IgnoreRules((Pattern(compiled.regex, False, compiled.dir_only),)).ignores(path)


class Project(NamedTuple):
    """One SFDX project: its package directories and .forceignore rules."""

    root: Path
    package_dirs: tuple[str, ...]
    forceignore: IgnoreRules = IgnoreRules()  # no pattern: never consults its caches
    problem: str | None = None  # set when sfdx-project.json is unusable: then everything ships

    def in_package(self, rel: str) -> bool:
        """Does the file at `rel` (relative to root) ship in a package version?"""
        if self.problem is not None:
            return True  # fail closed: we cannot tell, so assume it ships
        return self._in_package_dir(rel) and not self.forceignore.ignores(rel)

    def dir_ships(self, rel_dir: str) -> bool:
        """May files directly inside directory `rel_dir` ship (in a package dir, not ignored)?
        A file there ships when this holds and `forceignore.ignores_file` does not."""
        return self._in_package_dir(rel_dir) and not (
            self.forceignore.patterns and self.forceignore.dir_ignored(rel_dir))

    def _in_package_dir(self, rel: str) -> bool:
        """`rel` is a package directory or lies below one."""
        return any(rel == d or rel.startswith(d + "/") for d in self.package_dirs)


def _norm_dir(raw: str) -> str:
    parts = [p for p in raw.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def load_project(root: Path, read: Reader) -> Project:
    """Read sfdx-project.json and .forceignore through `read` (disk or the git index).

    A file ships when it lies in a packageDirectories entry that names a `package` and
    .forceignore does not exclude it. A project that names no package ships nothing: an
    org-development project, or a deploy-only project nested in another (e.g. a generated
    `subscriber-eca/` that the subscriber deploys itself).
    """
    raw = read(PROJECT_FILE)
    if raw is None:
        return Project(root, (), problem=f"{PROJECT_FILE} could not be read")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
        entries = [(e["path"], "package" in e) for e in doc["packageDirectories"]]
        if not all(isinstance(path, str) for path, _ in entries):
            raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return Project(root, (), problem=f"{PROJECT_FILE} has no valid packageDirectories")
    # what `sf package version create` builds
    chosen = [path for path, has_package in entries if has_package]
    dirs = tuple(_norm_dir(path) for path in chosen)
    ignore_raw = read(FORCEIGNORE)
    rules = IgnoreRules()
    if ignore_raw is not None:
        text = ignore_raw.decode("utf-8", errors="replace")
        rules = IgnoreRules.parse([*SDR_DEFAULT_IGNORE, *text.splitlines()])
    return Project(root, tuple(d for d in dirs if d), rules)


def disk_reader(root: Path) -> Reader:
    def read(rel: str) -> bytes | None:
        try:
            return (root / rel).read_bytes()
        except OSError:
            return None
    return read


def find_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` that holds sfdx-project.json."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    return None


class ProjectIndex:
    """Finds the project of any file (the nearest sfdx-project.json above it), cached per dir.

    `has_project(dir)` says whether a directory holds sfdx-project.json; `reader(dir)` reads
    files relative to that project root. Both are injectable so the git index can stand in.
    """

    def __init__(self, has_project: Callable[[Path], bool],
                 reader: Callable[[Path], Reader]) -> None:
        self._has = has_project
        self._reader = reader
        self._by_dir: dict[Path, Project | None] = {}
        self._at: dict[str, tuple[Project, str] | None] = {}  # directory -> (project, rel dir)
        self._listed_without: set[str] = set()  # directories a walk saw no PROJECT_FILE in
        self._dir_verdict: dict[str, bool] = {}  # directory -> files in it may ship

    def project_of(self, directory: Path) -> Project | None:
        chain: list[Path] = []
        found: Project | None = None
        for d in (directory, *directory.parents):
            if d in self._by_dir:
                found = self._by_dir[d]
                break
            chain.append(d)
            if self._has(d):
                found = load_project(d, self._reader(d))
                self._by_dir[d] = found
                chain.pop()
                break
        for d in chain:
            self._by_dir[d] = found
        return found

    def in_package(self, path: Path) -> bool:
        return self.in_package_at(os.fspath(path.parent), path.name)

    def in_package_at(self, directory: str, name: str) -> bool:
        """Does the file `name` in the absolute `directory` ship? Everything that depends
        only on the directory is decided once per directory; per file, one regex match."""
        found = self._at[directory] if directory in self._at else self._locate(directory)
        if found is None:
            return False
        project, rel_dir = found
        rel = name if rel_dir == "." else f"{rel_dir}/{name}"
        if project.problem is not None or rel_dir == "." or rel in project.package_dirs:
            return project.in_package(rel)
        verdict = self._dir_verdict.get(directory)
        if verdict is None:
            verdict = self._dir_verdict[directory] = project.dir_ships(rel_dir)
        return verdict and not project.forceignore.ignores_file(rel)

    def visit(self, directory: str) -> None:
        """A walk lists `directory`: find its project now (see `problems`)."""
        if directory not in self._at:
            self._locate(directory)

    def listed(self, directory: str, names: Iterable[str]) -> None:
        """A walk's listing of `directory`: without a PROJECT_FILE entry, no stat is needed to
        know it is no project root."""
        if PROJECT_FILE not in names:
            self._listed_without.add(directory)

    def _locate(self, directory: str) -> tuple[Project, str] | None:
        """(project, directory relative to its root) from the parent's answer: one stat per
        new directory, no pathlib per file."""
        found: tuple[Project, str] | None
        parent, _, base = directory.rstrip("/").rpartition("/")
        if directory not in self._listed_without and self._has(Path(directory)):
            project = self.project_of(Path(directory))
            found = (project, ".") if project is not None else None
        elif not base:
            found = None  # the filesystem root holds no project
        else:
            up = self._at[parent or "/"] if (parent or "/") in self._at \
                else self._locate(parent or "/")
            found = None if up is None else (up[0], base if up[1] == "." else f"{up[1]}/{base}")
        self._at[directory] = found
        return found

    def problems(self) -> Sequence[str]:
        return sorted({f"{p.root}: {p.problem}" for p in self._by_dir.values()
                       if p is not None and p.problem})


def disk_index() -> ProjectIndex:
    return ProjectIndex(lambda d: (d / PROJECT_FILE).is_file(), disk_reader)
