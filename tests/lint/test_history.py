"""History as blobs (generator/lint/history.py), on real temporary git repositories: each blob
once, with the commit that introduced it; other branches; shallow clones; corrupt objects."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from generator.errors import LintUsageError
from generator.lint import history
from generator.lint.history import History, Selection
from tests import keygen
from tests.gitrepo import Repo
from tests.gitrepo import git as _git
from tests.lint.conftest import sfdx_project

AUTHOR = "Ada Dev <ada@example.com>"


def _blobs(start: Path, selection: Selection | None = None
           ) -> list[tuple[history.Origin, bytes]]:
    out = []
    for blob in History(start, selection).blobs():
        assert blob.reader is not None
        parts = []
        while chunk := blob.reader.read(7):  # small reads: the stream stays in step
            parts.append(chunk)
        out.append((blob.origin, b"".join(parts)))
    return out


def _by_content(found: list[tuple[history.Origin, bytes]], data: bytes) -> list[history.Origin]:
    return [origin for origin, content in found if content == data]


def _reachable_blobs(repo: Path) -> list[str]:
    """Blob ids `git rev-list --objects --all` reaches (an independent enumeration)."""
    listing = _git(repo, "rev-list", "--objects", "--all")
    ids = [line.split(" ")[0] for line in listing.splitlines()]
    kinds = subprocess.run(["git", "cat-file", "--batch-check=%(objecttype) %(objectname)"],
                           cwd=repo, input="\n".join(ids) + "\n", capture_output=True,
                           text=True, check=True).stdout.split("\n")
    return sorted(line.split(" ")[1] for line in kinds if line.startswith("blob "))


@pytest.fixture
def repo(tmp_path) -> Repo:
    return Repo(tmp_path / "repo")


def test_a_key_added_then_deleted_is_found_with_the_commit_that_added_it(repo):
    key = keygen.pem(keygen.rsa_key(), "pkcs1")
    repo.commit({"README.md": "# app\n"})
    added = repo.commit({"config/server.key": key}, "add key")
    repo.commit({"README.md": "# app\nmore\n"})
    repo.commit({"config/server.key": None}, "remove key")
    [origin] = _by_content(_blobs(repo.path), key)
    assert origin.path == "config/server.key"
    assert origin.commit.id == added
    assert origin.commit.author == AUTHOR
    assert origin.commit.date == "2026-01-01T00:02:00+00:00"
    assert origin.in_head is False
    assert origin.blob == _git(repo.path, "rev-parse", f"{added}:config/server.key")


def test_a_key_only_on_another_branch_is_found_and_a_range_can_leave_it_out(repo):
    key = keygen.pem(keygen.ec_key())
    repo.commit({"README.md": "# app\n"})
    repo.git("checkout", "-q", "-b", "feature/jwt")
    on_branch = repo.commit({"jwt/server.key": key}, "WIP")
    repo.git("checkout", "-q", "main")
    repo.commit({"README.md": "# app v2\n"})
    [origin] = _by_content(_blobs(repo.path), key)
    assert (origin.commit.id, origin.path, origin.in_head) == (on_branch, "jwt/server.key", False)
    assert _by_content(_blobs(repo.path, Selection(revs=("main",))), key) == []
    assert len(_by_content(_blobs(repo.path, Selection(revs=("main..feature/jwt",))), key)) == 1


def test_a_key_only_in_a_tag_is_found(repo):
    key = keygen.pem(keygen.ed25519_key(), "openssh")
    repo.commit({"README.md": "# app\n"})
    repo.git("checkout", "-q", "--detach")
    tagged = repo.commit({"id_ed25519": key})
    repo.git("tag", "-a", "v1", "-m", "v1")
    repo.git("checkout", "-q", "main")
    [origin] = _by_content(_blobs(repo.path), key)
    assert origin.commit.id == tagged


def test_the_same_blob_in_many_commits_and_paths_is_reported_once(repo):
    key = keygen.pem(keygen.rsa_key())
    first = repo.commit({"assets/server.key": key, "a.txt": "0\n"})
    for i in range(1, 25):
        repo.commit({"a.txt": f"{i}\n"})
    repo.commit({"copy/server.key": key, "moved/server.key": key})  # two more paths
    repo.git("checkout", "-q", "-b", "side", "HEAD~10")
    repo.commit({"side.txt": "side\n", "assets/server.key": key + b"\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-edit", "side")
    found = _blobs(repo.path)
    [origin] = _by_content(found, key)
    assert (origin.commit.id, origin.path, origin.in_head) == (first, "assets/server.key", True)
    ids = [o.blob for o, _ in found]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == _reachable_blobs(repo.path)


def test_a_blob_made_by_resolving_a_merge_comes_from_the_merge(repo):
    repo.commit({"f.txt": "base\n"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit({"f.txt": "side\n"})
    repo.git("checkout", "-q", "main")
    repo.commit({"f.txt": "main\n"})
    subprocess.run(["git", "merge", "-q", "side"], cwd=repo.path, capture_output=True,
                   check=False)
    resolved = b"resolved by hand\n"
    (repo.path / "f.txt").write_bytes(resolved)
    repo.git("add", "f.txt")
    repo.git("commit", "-q", "--no-edit")
    merge = repo.git("rev-parse", "HEAD")
    [origin] = _by_content(_blobs(repo.path), resolved)
    assert origin.commit.id == merge
    assert sorted(o.blob for o, _ in _blobs(repo.path)) == _reachable_blobs(repo.path)


def test_since_scans_only_what_later_commits_added(repo):
    old = keygen.pem(keygen.rsa_key())
    new = keygen.pem(keygen.ec_key())
    base = repo.commit({"old.key": old})
    repo.commit({"new.key": new})
    found = _blobs(repo.path, Selection(since=base))
    assert _by_content(found, old) == []
    assert len(_by_content(found, new)) == 1
    with pytest.raises(LintUsageError, match="--since 'nope'"):
        History(repo.path, Selection(since="nope"))


@pytest.mark.parametrize("rev", ["--all", "-p"])
def test_a_revision_that_looks_like_an_option_is_refused(repo, rev):
    repo.commit({"a.txt": "a\n"})
    with pytest.raises(LintUsageError, match="not a revision"):
        list(History(repo.path, Selection(revs=(rev,))).blobs())


def test_a_bad_revision_is_a_usage_error(repo):
    repo.commit({"a.txt": "a\n"})
    with pytest.raises(LintUsageError, match="git log"):
        list(History(repo.path, Selection(revs=("no-such-branch",))).blobs())


def test_a_shallow_clone_is_scanned_as_far_as_it_reaches_and_says_where_it_stops(repo,
                                                                                tmp_path):
    gone = keygen.pem(keygen.rsa_key(), "pkcs1")
    kept = keygen.pem(keygen.ec_key())
    repo.commit({"gone.key": gone})
    repo.commit({"gone.key": None})
    repo.commit({"kept.key": kept})
    for i in range(3):
        repo.commit({"a.txt": f"{i}\n"})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone)],
                   check=True)
    scanned = History(clone)
    boundary = _git(clone, "rev-parse", "HEAD~1")
    assert scanned.shallow == (boundary,)
    [note] = scanned.notes
    assert boundary[:12] in note and "git fetch --unshallow" in note
    found = _blobs(clone)
    assert _by_content(found, gone) == []  # not in this clone at all
    [origin] = _by_content(found, kept)  # in the boundary commit's tree
    assert origin.commit.id == boundary and origin.boundary is True


def test_a_missing_blob_is_yielded_as_missing_never_skipped(repo):
    repo.commit({"a.txt": "a\n", "b.txt": "b\n"})
    repo.object_file("HEAD:b.txt").unlink()
    blobs = [(b.origin.path, b.size, b.reader) for b in History(repo.path).blobs()]
    assert ("b.txt", -1, None) in blobs
    assert [p for p, size, _ in blobs if size >= 0] == ["a.txt"]


def test_a_missing_tree_fails_the_scan(repo):
    repo.commit({"dir/a.txt": "a\n"})
    repo.commit({"dir/b.txt": "b\n"})
    repo.object_file("HEAD~1:dir").unlink()
    with pytest.raises(LintUsageError, match="git fsck"):
        list(History(repo.path, Selection(revs=("main",))).blobs())


def _corrupt(repo: Repo, rel: str, at: slice) -> None:
    path = repo.object_file(f"HEAD:{rel}")
    data = bytearray(path.read_bytes())
    data[at] = bytes(b ^ 0xFF for b in data[at])
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def test_a_blob_corrupt_past_its_header_fails_the_scan(repo):
    repo.commit({"a.txt": "a\n" * 100})
    _corrupt(repo, "a.txt", slice(-2, -1))  # zlib's check value: the header still inflates
    with pytest.raises(LintUsageError, match=r"git cat-file.*incorrect data check.*git fsck"):
        for blob in History(repo.path).blobs():
            assert blob.reader is not None
            blob.reader.drain()


def test_a_blob_corrupt_in_its_header_is_yielded_as_missing(repo):
    repo.commit({"a.txt": "a\n" * 100})
    _corrupt(repo, "a.txt", slice(6, None))
    assert [(b.origin.path, b.size) for b in History(repo.path).blobs()] == [("a.txt", -1)]


def test_not_a_repository_is_a_usage_error(tmp_path):
    with pytest.raises(LintUsageError, match="rev-parse"):
        History(tmp_path)


def test_a_repository_without_commits_has_no_blobs(repo):
    scanned = History(repo.path)
    assert scanned.head is None
    assert list(scanned.blobs()) == []


def test_a_bare_repository_is_scanned(repo, tmp_path):
    key = keygen.pem(keygen.rsa_key())
    repo.commit({"k.pem": key})
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    [origin] = _by_content(_blobs(bare), key)
    assert origin.in_head is True


def test_links_and_submodules_are_not_content(repo):
    (repo.path / "link").symlink_to("/etc/passwd")
    repo.git("add", "link")
    repo.commit({"a.txt": "a\n"})
    assert [o.path for o, _ in _blobs(repo.path)] == ["a.txt"]


def test_in_package_comes_from_heads_project_files(repo):
    files = sfdx_project(("force-app", "tools"), forceignore="**/ignored/**\n")
    repo.commit({**files, "force-app/main/x.cls": "x\n", "tools/ignored/y.txt": "y\n",
                 "docs/z.md": "z\n"})
    scanned = History(repo.path)
    assert set(scanned.head_files) == {"sfdx-project.json", ".forceignore"}
    projects = history.project_index(scanned)
    verdict = {}
    for path in ("force-app/main/x.cls", "tools/ignored/y.txt", "docs/z.md"):
        directory, _, name = path.rpartition("/")
        verdict[path] = projects.in_package_at(f"{scanned.root}/{directory}", name)
    assert verdict == {"force-app/main/x.cls": True, "tools/ignored/y.txt": False,
                       "docs/z.md": False}


def test_a_large_blob_is_read_in_bounded_pieces(repo):
    big = os.urandom(3 * (1 << 20))
    repo.commit({"big.bin": big, "small.txt": "s\n"})
    sizes = []
    for blob in History(repo.path).blobs():
        assert blob.reader is not None
        if blob.origin.path == "big.bin":
            pieces = []
            while piece := blob.reader.read(1 << 16):
                assert len(piece) <= 1 << 16
                pieces.append(piece)
            assert b"".join(pieces) == big
        sizes.append((blob.origin.path, blob.size))  # small.txt read after an unread rest
    assert sizes == [("big.bin", len(big)), ("small.txt", 2)]


def test_many_blobs_cross_batches_in_step(repo):
    files: dict[str, bytes | str | None] = {f"f{i:03}.txt": f"{i}\n" for i in range(250)}
    repo.commit(files)
    found = _blobs(repo.path)
    assert sorted(content for _, content in found) == sorted(f"{i}\n".encode()
                                                             for i in range(250))
    assert all(content == f"{int(o.path[1:4])}\n".encode() for o, content in found)


def test_paths_with_tabs_newlines_and_non_ascii_come_through_exactly(repo):
    name = "dir/we\tird\nname é.key"
    key = keygen.pem(keygen.rsa_key())
    repo.commit({name: key, "plain.txt": "x\n"})
    [origin] = _by_content(_blobs(repo.path), key)
    assert origin.path == name


def test_a_scan_stopped_early_ends_git_and_its_feeder_thread(repo):
    """The cat-file feeder runs ahead of the reader; closing the blob stream mid-way (an
    exception in a detector, Ctrl-C) must not leave it blocked on a full pipe: 5,000 blob
    ids and their answers are more than the pipes and buffers between them hold."""
    import threading

    for i in range(5000):
        (repo.path / f"f{i}.txt").write_text(f"{i}\n")
    _git(repo.path, "add", "-A")
    repo.commit({})
    stream = History(repo.path).blobs()
    next(stream)
    closer = threading.Thread(target=stream.close, daemon=True)
    closer.start()
    closer.join(timeout=60)
    assert not closer.is_alive(), "closing the history stream hung"
    assert [t.name for t in threading.enumerate() if "cat-file" in t.name] == []
