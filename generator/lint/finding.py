"""What detectors return (Hit), where it was found (Location) and what the engine reports
(Finding). Never key bytes."""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple


class Severity(Enum):
    ERROR = "error"  # key material or a secret: blocks the commit
    WARNING = "warning"  # a risky layout (e.g. key-file name in a package dir)


class Rule(NamedTuple):
    """A rule a detector can report. Ids are kebab-case, never renamed once released."""

    id: str
    summary: str  # one line: what is found
    why: str  # why it matters
    fix: str  # how to fix it
    severity: Severity = Severity.ERROR


MEMBER_SEP = "!"  # "a.zip!inner/key.pem": the one place the archive-member syntax is spelled


class Location(NamedTuple):
    """A file relative to the scan root, and the member path inside it when the blob is an
    archive member (nested archives: "b.jar!c.pem"). `display` is what every report prints."""

    file: str  # POSIX path relative to the scan root (or absolute, outside it)
    member: str = ""  # "" for the file itself

    @property
    def display(self) -> str:
        return f"{self.file}{MEMBER_SEP}{self.member}" if self.member else self.file

    def inside(self, name: str) -> Location:
        """The location of archive member `name` of this blob."""
        if not name:
            return self
        return Location(self.file, f"{self.member}{MEMBER_SEP}{name}" if self.member else name)

    @classmethod
    def parse(cls, text: str) -> Location:
        """The inverse of `display` (for tests and tools that hold the printed form)."""
        file, _, member = text.partition(MEMBER_SEP)
        return cls(file, member)


class Hit(NamedTuple):
    """One detection inside one blob of bytes, as a detector returns it.

    `offset` is a byte offset into the data the detector was given (the engine turns it into a
    line number). `key_type` is e.g. "RSA 2048", "EC P-256", "Ed25519", "encrypted PKCS#8" or
    None when unknown. `fingerprint` comes from `fingerprint()` below: never raw material.
    `detail` says how it was found ("base64 > PKCS#8", "Apex concatenation > PEM"); no key bytes.
    """

    rule_id: str
    offset: int
    key_type: str | None
    fingerprint: str
    detail: str = ""


class Commit(NamedTuple):
    id: str  # full hex object name
    author: str  # "Name <email>"
    date: str  # author date, ISO 8601 (`git log %aI`)


class Origin(NamedTuple):
    """Where a blob entered the scanned git history (`scaffold lint --history`)."""

    blob: str  # hex object name
    path: str  # POSIX, relative to the repository top, in `commit`
    commit: Commit  # the first commit (parents before children) whose tree gained the blob
    in_head: bool  # HEAD's tree still holds it
    boundary: bool = False  # `commit` is a shallow-clone boundary: the blob may be older


class Finding(NamedTuple):
    """A Hit placed in the tree: what reporters print."""

    rule_id: str
    location: Location
    line: int  # 1-based; 0 when the finding is about the whole file
    message: str
    key_type: str | None
    fingerprint: str
    detail: str
    severity: Severity
    in_package: bool  # the file lies in a package directory (ships in the package)
    origin: Origin | None = None  # history scans: the commit that introduced the blob

    @property
    def path(self) -> str:
        """The location as reports print it ("a.zip!inner/key.pem" for archive members)."""
        return self.location.display


def fingerprint(material: bytes) -> str:
    """Short, non-reversible identifier: first 16 hex digits of SHA-256 of the key material
    (prefer the DER of the public key when it can be derived, so moved or re-encoded copies of
    one key share a fingerprint)."""
    import hashlib  # only a finding pays for OpenSSL's import (~10 ms)

    return "sha256:" + hashlib.sha256(material).hexdigest()[:16]
