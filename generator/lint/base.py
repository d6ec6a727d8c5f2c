"""The Detector protocol. A detector is a module (or object) with RULES and scan()."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from generator.lint.finding import Hit, Location, Rule
from generator.lint.views import is_utf16


class FileContext(NamedTuple):
    """What a detector may know about the blob it scans besides its bytes."""

    location: Location
    name: str  # last path component (of the member, for archive members)
    in_package: bool  # in a packageDirectories entry of sfdx-project.json, not forceignored
    depth: int = 0  # archive nesting depth; 0 for files on disk or in the git index

    @property
    def path(self) -> str:
        """POSIX path relative to the scan root, as reports print it ("a.zip!x/y.pem")."""
        return self.location.display


class Wants(NamedTuple):
    """Where a detector's `wants` can say yes: a declared superset that the engine tests in a
    few C-level operations per file, so the usual file calls no `wants` at all. `wants` may be
    narrower, never wider (tests/lint/conftest.py checks every call in the suite).

    `head` is a byte regex that must match at offset 0; `utf16` the blob looks like UTF-16
    (`views.is_utf16`: a BOM, or its pattern of NUL bytes); `suffixes` endings of the
    lower-cased file name; `in_path` substrings of "/" + the lower-cased path. A detector
    without WANTS may want any blob."""

    head: bytes = b""
    utf16: bool = False
    suffixes: tuple[str, ...] = ()
    in_path: tuple[str, ...] = ()

    def covers(self, path: str, name: str, data: bytes) -> bool:
        """The declaration holds for this blob (the reference the gate's quick test follows)."""
        lower = "/" + path.lower()
        return (bool(self.head) and re.match(self.head, data) is not None) or (
            self.utf16 and is_utf16(data)) or name.lower().endswith(
            self.suffixes) or any(s in lower for s in self.in_path)


class Detector(Protocol):
    """Pluggable detection. `scan` should not raise on arbitrary bytes (the property tests call
    it unguarded); if it does, the engine's one guarded call site (blob.Scanner.hits) reports a
    `detector-error` finding and the run exits 2. It never keeps key bytes in what it returns.

    The engine calls `scan` only when one of TRIGGERS (byte regexes, each starting with a
    literal byte; see prefilter.py) matches the blob, or when `wants` says so; WANTS declares
    where `wants` can say so. `scan` applies the same test itself, so calling it on any bytes
    stays correct.
    """

    @property
    def RULES(self) -> tuple[Rule, ...]: ...  # noqa: N802 - module constant in the protocol

    @property
    def TRIGGERS(self) -> tuple[bytes, ...]: ...  # noqa: N802 - module constant in the protocol

    @property
    def WANTS(self) -> Wants: ...  # noqa: N802 - module constant in the protocol

    def wants(self, ctx: FileContext, data: bytes) -> bool: ...

    def scan(self, ctx: FileContext, data: bytes) -> Iterable[Hit]: ...
