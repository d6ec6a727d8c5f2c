"""The Detector protocol. A detector is a module (or object) with RULES and scan()."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from generator.lint.finding import Hit, Location, Rule


@dataclass(frozen=True, slots=True)
class FileContext:
    """What a detector may know about the blob it scans besides its bytes."""

    location: Location
    name: str  # last path component (of the member, for archive members)
    in_package: bool  # in a packageDirectories entry of sfdx-project.json, not forceignored
    depth: int = 0  # archive nesting depth; 0 for files on disk or in the git index

    @property
    def path(self) -> str:
        """POSIX path relative to the scan root, as reports print it ("a.zip!x/y.pem")."""
        return self.location.display


class Detector(Protocol):
    """Pluggable detection. `scan` should not raise on arbitrary bytes (the property tests call
    it unguarded); if it does, the engine's one guarded call site (blob.Scanner.hits) reports a
    `detector-error` finding and the run exits 2. It never keeps key bytes in what it returns.

    The engine calls `scan` only when one of TRIGGERS (byte regexes, each starting with a
    literal byte; see prefilter.py) matches the blob, or when `wants` says so. `scan` applies
    the same test itself, so calling it on any bytes stays correct.
    """

    @property
    def RULES(self) -> tuple[Rule, ...]: ...  # noqa: N802 - module constant in the protocol

    @property
    def TRIGGERS(self) -> tuple[bytes, ...]: ...  # noqa: N802 - module constant in the protocol

    def wants(self, ctx: FileContext, data: bytes) -> bool: ...

    def scan(self, ctx: FileContext, data: bytes) -> Iterable[Hit]: ...
