"""walk.Split: a large walk forks into one process per worker, each reading its share of the
files. The result is the serial one, every file is read exactly once, and a process that is
lost or fails makes the run fail closed."""

from __future__ import annotations

import os
import signal
import subprocess
import types
from pathlib import Path

import pytest

from generator.errors import ScanIncomplete
from generator.lint import registry, walk
from generator.lint.engine import Options, scan
from generator.lint.finding import Hit, fingerprint
from tests.conftest import Link, make_tree
from tests.lint.conftest import FAKE, FAKE_DETECTOR, deny_open, sfdx_project, use_registry


def _every_walk_feature(tmp_path: Path) -> Path:
    """A tree with more than LARGE_WALK entries in one listing, and every case the walk
    decides itself: links in and out of the root, a loop, unreadable files, a skipped venv,
    package dirs with .forceignore, a broken nested project, allow markers without reason."""
    outside = make_tree(tmp_path / "outside", {"id_rsa": FAKE + b"41", "d/k": FAKE})
    classes = "force-app/main/default/classes"
    files: dict[str, bytes | str | Link] = {
        f"{classes}/C{i:03}.cls": (FAKE + b"%02d // scaffold-lint: allow fake-key\n" % (i % 50)
                                   if i % 9 == 0 else b"public class C {}\n")
        for i in range(walk.LARGE_WALK + 60)}
    files.update(sfdx_project(("force-app",), forceignore="**/C009.cls\n"))
    files.update({
        "force-app/key.txt": Link(str(outside / "id_rsa")),
        "force-app/dir": Link(str(outside / "d")),
        "inside.txt": Link(f"{classes}/C018.cls"),
        "a/b/k.txt": FAKE + b"7", "a/b/up": Link(".."), "a/loop1": Link("loop2"),
        "a/loop2": Link("loop1"), "env/pyvenv.cfg": "home = /usr", "env/lib/k.txt": FAKE,
        "nested/sfdx-project.json": "{not json", "nested/x.key": b"",
        "secret.bin": b"x", "other/secret.bin": FAKE + b"8",
    })
    for i in range(8):  # leaf directories, each listed by one process after the split
        files.update({f"leaves/l{i}/out.txt": Link(str(outside / "id_rsa")),
                      f"leaves/l{i}/k.txt": FAKE + b"%d" % i, f"leaves/l{i}/secret.bin": b"x",
                      f"leaves/l{i}/sfdx-project.json": f"{{broken {i}",
                      **({"leaves/l0/sub/x.txt": FAKE} if i == 0 else {}),
                      f"leaves/locked{i}/f.txt": FAKE})
    return make_tree(tmp_path / "proj", files)


def _lock_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """`leaves/locked*` cannot be listed (a chmod would not stop root)."""
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if "/leaves/locked" in os.fspath(path):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_split_walk_gives_the_serial_result(tmp_path, fake_detector, monkeypatch, jobs):
    root = _every_walk_feature(tmp_path)
    deny_open(monkeypatch, "secret.bin")
    _lock_leaves(monkeypatch)
    serial = scan([], root, opts=Options(jobs=1))
    split = scan([], root, opts=Options(jobs=jobs))
    assert split._replace(scan=serial.scan) == serial
    rules = [f.rule_id for f in serial.findings]
    assert rules.count("symlink-outside-root") == 2 + 8
    assert rules.count("unreadable-file") == 2 + 2 * 8  # files, and the locked directories
    assert sum("could not list directory" in f.message for f in serial.findings) == 8
    assert len([n for n in serial.notes if "leaves/l" in n]) == 8  # broken projects
    # every ninth class and the link to one of them; forceignore changes only where C009 ships
    assert len([n for n in serial.notes if "has no reason" in n]) == 30
    assert any("nested" in n for n in serial.notes)


def test_an_automatic_split_forks_mid_walk_and_reads_every_file_once(tmp_path, monkeypatch):
    """With --jobs 0 and two cores the walk forks once it has found LARGE_WALK entries; files
    before the fork are the parent's, after it each file is read by exactly one process."""
    log = tmp_path / "reads.log"

    def record(ctx, data):
        with log.open("a") as fh:  # one short O_APPEND write per file: atomic
            fh.write(f"{os.getpid()} {ctx.path}\n")
        return [Hit("fake-key", 0, None, fingerprint(data), "")] if FAKE in data else []

    spy = types.SimpleNamespace(__name__="spy", RULES=FAKE_DETECTOR.RULES,
                                scan=record)
    use_registry(monkeypatch, registry.build((spy,)))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    names = {f"early/e{i}.txt": b"e" for i in range(5)}  # listed first: read before the fork
    names.update({f"z/f{i:04}.txt": (FAKE if i % 10 == 0 else b"x")
                  for i in range(3 * walk.LARGE_WALK)})
    root = make_tree(tmp_path / "t", names)
    result = scan([], root)
    lines = log.read_text().splitlines()
    paths = sorted(line.split(" ", 1)[1] for line in lines)
    assert paths == sorted(names)  # every file, each once
    pids = {line.split(" ", 1)[0] for line in lines}
    assert len(pids) == 2 and str(os.getpid()) in pids
    assert {line.split(" ")[0] for line in lines if "early/" in line} == {str(os.getpid())}
    assert result.files_scanned == len(names)
    assert len(result.findings) == 3 * walk.LARGE_WALK // 10


def test_many_files_named_as_arguments_split_too(tmp_path, monkeypatch):
    """pre-commit passes large batches of file names: past LARGE_WALK of them the run splits,
    and every named file is still read exactly once."""
    log = tmp_path / "reads.log"

    def record(ctx, data):
        with log.open("a") as fh:
            fh.write(f"{os.getpid()} {ctx.path}\n")
        return []

    spy = types.SimpleNamespace(__name__="spy", RULES=FAKE_DETECTOR.RULES, scan=record)
    use_registry(monkeypatch, registry.build((spy,)))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    root = make_tree(tmp_path / "t", {f"d{i % 9}/f{i:04}.txt": b"x"
                                       for i in range(2 * walk.LARGE_WALK)})
    named = sorted(root.rglob("*.txt"))
    result = scan(named, root)
    lines = log.read_text().splitlines()
    assert sorted(line.split(" ", 1)[1] for line in lines) == sorted(
        p.relative_to(root).as_posix() for p in named)
    assert len({line.split(" ", 1)[0] for line in lines}) == 2
    assert result.files_scanned == len(named)


def _lose_a_child(monkeypatch, how):
    """Make every forked process call `how` as it opens its first file."""
    parent = os.getpid()
    real = walk._open

    def open_file(path, flags):
        if os.getpid() != parent:
            how()
        return real(path, flags)

    monkeypatch.setattr(walk, "_open", open_file)


def test_a_killed_process_fails_the_run_closed(tmp_path, fake_detector, monkeypatch, cli):
    make_tree(tmp_path, {f"f{i:03}.txt": b"x" for i in range(50)})
    _lose_a_child(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(ScanIncomplete, match="killed by signal 9"):
        scan([], tmp_path, opts=Options(jobs=2))
    monkeypatch.chdir(tmp_path)
    result = cli(["lint", "--jobs", "2"])
    assert result.exit_code == 2
    assert "the scan is incomplete" in result.stderr


def test_an_error_in_a_process_is_raised_in_the_parent(tmp_path, fake_detector, monkeypatch):
    make_tree(tmp_path, {f"f{i:03}.txt": b"x" for i in range(50)})

    def fail() -> None:
        raise RuntimeError("a bug in a forked process")

    _lose_a_child(monkeypatch, fail)
    with pytest.raises(RuntimeError, match="a bug in a forked process"):
        scan([], tmp_path, opts=Options(jobs=2))


def test_an_unpicklable_error_in_a_process_still_fails_the_run(tmp_path, fake_detector,
                                                                monkeypatch):
    make_tree(tmp_path, {f"f{i:03}.txt": b"x" for i in range(50)})

    class Local(Exception):  # defined in a function: cannot be pickled
        pass

    def fail() -> None:
        raise Local("unpicklable")

    _lose_a_child(monkeypatch, fail)
    with pytest.raises(ScanIncomplete, match="raised Local"):
        scan([], tmp_path, opts=Options(jobs=2))


def test_no_git_process_outside_a_work_tree(tmp_path, fake_detector, monkeypatch):
    """A tree of copied projects (each with the CLI's .sf/.sfdx caches) spawns no git."""
    make_tree(tmp_path, {f"p{i}/.sfdx/orgs/x.json": FAKE for i in range(5)})
    monkeypatch.delenv("GIT_DIR", raising=False)
    ran = []
    real = subprocess.run

    def spy(*args, **kwargs):
        ran.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    if any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary directory lies inside a git work tree")
    assert scan([], tmp_path).findings == ()
    assert ran == []


def test_a_directory_without_subdirectories_is_listed_by_one_process(tmp_path, fake_detector,
                                                                     monkeypatch):
    """After the split, a leaf directory (link count 2) is listed once, by its owner; the
    directories above it are listed by every process. Skipped where the file system does not
    count subdirectories in a directory's links (btrfs reports 1)."""
    root = make_tree(tmp_path / "t", {f"objects/O{i:02}/fields/f.xml": b"<x/>"
                                       for i in range(40)})
    if (root / "objects" / "O00" / "fields").stat().st_nlink != 2:
        pytest.skip("this file system does not count subdirectories in st_nlink")
    log = tmp_path / "listed.log"
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        with log.open("a") as fh:
            fh.write(f"{os.getpid()} {os.fspath(path)}\n")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = scan([], root, opts=Options(jobs=2))
    assert result.files_scanned == 40
    listed: dict[str, list[str]] = {}
    for line in log.read_text().splitlines():
        pid, path = line.split(" ", 1)
        listed.setdefault(os.path.relpath(path, root), []).append(pid)
    leaves = {p: pids for p, pids in listed.items() if p.endswith("/fields")}
    assert len(leaves) == 40
    assert all(len(pids) == 1 for pids in leaves.values())
    assert len({pids[0] for pids in leaves.values()}) == 2  # both processes own some
    assert listed["."] == [str(os.getpid())]  # listed before the fork
    assert all(len(set(listed[p])) == 2 for p in ("objects", "objects/O00"))


class _Listing:
    """os.scandir's context manager over entries in a chosen order."""

    def __init__(self, entries: list[os.DirEntry[str]]) -> None:
        self.entries = entries

    def __enter__(self) -> list[os.DirEntry[str]]:
        return self.entries

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_result_does_not_depend_on_the_listing_order(tmp_path, fake_detector, monkeypatch,
                                                          jobs):
    # the walk reads files in the file system's order; directories and links it takes in
    # name order, so a directory reached twice shows one path whichever is listed first
    root = _every_walk_feature(tmp_path)
    make_tree(root, {"twice/k.txt": FAKE + b"9", "twice-too": Link("twice"),
                     "a-link": Link("twice")})
    deny_open(monkeypatch, "secret.bin")
    _lock_leaves(monkeypatch)
    results = []
    for order in (lambda e: sorted(e, key=lambda x: x.name),
                  lambda e: sorted(e, key=lambda x: x.name, reverse=True)):
        real = os.scandir

        def scandir(path, order=order, real=real):  # type: ignore[no-untyped-def]
            with real(path) as it:
                return _Listing(order(list(it)))
        with monkeypatch.context() as m:
            m.setattr(os, "scandir", scandir)
            results.append(scan([], root, opts=Options(jobs=jobs)))
    assert results[0]._replace(scan=results[1].scan) == results[1]
    shown = {f.path for f in results[0].findings if f.path.endswith("k.txt")}
    # the links are taken last name first (as before files went unsorted): one path, always
    assert {"a-link/k.txt", "twice/k.txt", "twice-too/k.txt"} & shown == {"twice-too/k.txt"}
