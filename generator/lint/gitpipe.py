"""git plumbing for history scans: `git log -z --raw` parsed as it streams, and one
`git cat-file --batch` process read in bounded pieces. Every failure of git is a
LintUsageError (exit 2) that says the repository may be corrupt: never a silent pass.

`CatFile.stream` keeps all three busy at once: a feeder thread reads `git log` and writes
blob ids to cat-file (blocking harmlessly when cat-file is ahead), while the caller reads and
scans the blobs cat-file returns; the pipes bound how far the feeder runs ahead."""

from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

from generator.errors import LintUsageError
from generator.lint.finding import Commit, Origin

LOG_READ = 1 << 20
REGULAR = (b"100644", b"100755")  # 120000 links carry a path, 160000 gitlinks a commit
LOG_FORMAT = "%x01%H%x00%an <%ae>%x00%aI"
FLUSH = 16  # blob ids written to cat-file per flush
# cat-file's delta cache: blobs come in introduction order, so 8 MiB serves as well as git's
# default 96 MiB (measured on a 3,000-commit history) at half the resident memory
CAT_DELTA_CACHE = "8m"


class BlobReader:
    """The bytes of one blob from the cat-file stream: `read(n)` returns at most n bytes, b""
    at the end. Valid until the next blob is requested."""

    __slots__ = ("_cat", "_left", "_stdout")

    def __init__(self, cat: CatFile, stdout: IO[bytes], size: int) -> None:
        self._cat = cat
        self._stdout = stdout
        self._left = size
        if size == 0:
            self._end()

    def read(self, n: int) -> bytes:
        if self._left <= 0:
            return b""
        chunk = self._stdout.read(min(n, self._left))
        if not chunk:  # git could not read the rest (a corrupt object): never a short pass
            self._cat.died()
        self._left -= len(chunk)
        if self._left == 0:
            self._end()
        return chunk

    def drain(self) -> None:
        while self.read(1 << 20):
            pass

    def _end(self) -> None:
        self._left = -1
        self._stdout.read(1)  # the newline after each object


@dataclass(slots=True)
class Blob:
    origin: Origin
    size: int  # -1: missing from the object store (`reader` is None)
    reader: BlobReader | None


def parse_log(stdout: IO[bytes]) -> Iterator[tuple[Commit, str, str]]:
    """Parse `git log -z --raw --format=<LOG_FORMAT>`: NUL-separated tokens; a commit is three
    (id, author, date), each raw record two (`:modes ids status`, path)."""
    commit: Commit | None = None
    header: list[bytes] = []
    record: list[bytes] | None = None  # the raw fields waiting for their path
    rest = b""
    while True:
        chunk = stdout.read(LOG_READ)
        if not chunk:
            break
        tokens = (rest + chunk).split(b"\0")
        rest = tokens.pop()
        for tok in tokens:
            if record is not None:
                if record[1] in REGULAR:
                    assert commit is not None  # noqa: S101 - a record follows a header
                    yield commit, record[3].decode(), os.fsdecode(tok)
                record = None
                continue
            if header:
                header.append(tok)
                if len(header) == 3:
                    commit = Commit(header[0].decode(), header[1].decode(errors="replace"),
                                    header[2].decode())
                    header = []
                continue
            tok = tok.lstrip(b"\n")
            if tok.startswith(b"\x01"):
                header = [tok[1:]]
            elif tok.startswith(b":"):
                record = tok[1:].split(b" ")
            elif tok:
                raise LintUsageError(f"--history: unexpected `git log` output {tok[:40]!r}")
    if rest.strip(b"\n") or header or record is not None:
        raise LintUsageError("--history: `git log` output ended in the middle of a record")


class CatFile:
    """One `git cat-file --batch` process, asked BATCH blobs at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(["git", "-c", f"core.deltaBaseCacheLimit={CAT_DELTA_CACHE}",
                                      "cat-file", "--batch"], cwd=root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, bufsize=1 << 16)

    def stream(self, origins: Iterable[Origin]) -> Iterator[Blob]:
        """The blob of every origin, in order. A feeder thread pulls `origins` (the log
        parse) and writes their ids to cat-file while this generator reads the answers; an
        error in the feeder (a failed `git log`) is raised here once the answers run out."""
        pending: queue.SimpleQueue[Origin | None] = queue.SimpleQueue()
        failure: list[BaseException] = []
        stop = threading.Event()
        feeder = threading.Thread(target=self._feed, args=(origins, pending, failure, stop),
                                  name="scaffold-cat-file-feeder", daemon=True)
        feeder.start()
        done = False
        try:
            while (origin := pending.get()) is not None:
                yield from self._answer(origin)
            done = True
        finally:
            if not done:  # stopped early: unblock a feeder that waits on a full pipe
                stop.set()
                self.proc.kill()
            feeder.join()
        if failure:
            raise failure[0]

    def _feed(self, origins: Iterable[Origin], pending: queue.SimpleQueue[Origin | None],
              failure: list[BaseException], stop: threading.Event) -> None:
        stdin = self.proc.stdin
        assert stdin is not None  # noqa: S101 - for mypy
        items = iter(origins)
        try:
            for n, origin in enumerate(items, 1):
                if stop.is_set():
                    break
                pending.put(origin)  # before its id: an answer always finds its origin
                stdin.write(origin.blob.encode() + b"\n")
                if n % FLUSH == 0:
                    stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # cat-file died or was closed: the reading side reports it
        except BaseException as exc:  # noqa: BLE001 - re-raised by `stream` in the caller
            failure.append(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # ends `git log` when stopped early
            pending.put(None)
            try:
                stdin.close()
            except (BrokenPipeError, ValueError):
                pass

    def blobs(self, batch: Sequence[Origin]) -> Iterator[Blob]:
        """The blobs of one batch of origins, asked all at once (small batches only: the
        request must fit the pipe while cat-file's answers wait to be read)."""
        if not batch:
            return
        stdin = self.proc.stdin
        assert stdin is not None  # noqa: S101 - for mypy
        try:
            stdin.write(b"".join(o.blob.encode() + b"\n" for o in batch))
            stdin.flush()
        except BrokenPipeError:
            self.died()
        for origin in batch:
            yield from self._answer(origin)

    def _answer(self, origin: Origin) -> Iterator[Blob]:
        stdout = self.proc.stdout
        assert stdout is not None  # noqa: S101 - for mypy
        header = stdout.readline()
        fields = header.split()
        if len(fields) == 2 and fields[1] == b"missing":
            yield Blob(origin, -1, None)
            return
        if len(fields) != 3 or fields[1] != b"blob" or fields[0] != origin.blob.encode():
            self.died()
        reader = BlobReader(self, stdout, int(fields[2]))
        yield Blob(origin, int(fields[2]), reader)
        reader.drain()

    def died(self) -> NoReturn:
        self.proc.kill()
        self.proc.wait()
        self.err.seek(0)
        raise LintUsageError(failed("cat-file", self.err.read(), self.root))

    def close(self) -> None:
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.err.close()


def failed(command: str, stderr: bytes, root: Path) -> str:
    why = " ".join(stderr.decode(errors="replace").split())[:300] or "no message"
    return (f"--history: `git {command}` failed in {root}: {why}. The repository may be "
            "corrupt or incomplete: run `git fsck --full`, repair it (or scan a fresh clone), "
            "and scan again")


def git(args: Sequence[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise LintUsageError(f"--history needs git ({exc.strerror or type(exc).__name__})"
                             ) from None
    if proc.returncode != 0:
        why = " ".join(proc.stderr.decode(errors="replace").split())[:300]
        raise LintUsageError(f"--history: `git {args[0]}` failed in {cwd}: {why}")
    return proc.stdout


def git_ok(args: Sequence[str], cwd: Path) -> bytes | None:
    """Output of a git command that may fail (then None)."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    return proc.stdout if proc.returncode == 0 else None
