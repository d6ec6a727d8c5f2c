"""Lint fixtures: a tiny fake detector, projects with package dirs, unreadable files."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator

import pytest

from generator.lint import registry, walk
from generator.lint.base import FileContext
from generator.lint.finding import Hit, Rule, Severity, fingerprint

FAKE = b"FAKEKEY"  # what the fake detector reports; never real key material


def deny_open(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """Make the directory walk's open(2) fail with EACCES for paths ending in `suffix`."""
    real_open = walk._open

    def deny(path: str, flags: int) -> int:
        if str(path).endswith(suffix):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags)

    monkeypatch.setattr(walk, "_open", deny)


def sfdx_project(package_dirs: tuple[str, ...] = ("force-app",), forceignore: str | None = None,
                 packages: tuple[str, ...] | None = None) -> dict[str, str]:
    """The two project files as a make_tree dict; `packages` names the dirs with a package
    (default: every dir; `()` for an org-development project)."""
    if packages is None:
        packages = package_dirs
    entries: list[dict[str, object]] = [{"path": d, "default": i == 0}
                                        for i, d in enumerate(package_dirs)]
    for entry in entries:
        if entry["path"] in packages:
            entry["package"] = f"pkg {entry['path']}"
    doc = {"packageDirectories": entries, "sourceApiVersion": "66.0"}
    files = {"sfdx-project.json": json.dumps(doc)}
    if forceignore is not None:
        files[".forceignore"] = forceignore
    return files


def _fake_scan(ctx: FileContext, data: bytes) -> Iterator[Hit]:
    start = data.find(FAKE)
    while start != -1:
        tag = data[start + len(FAKE):start + len(FAKE) + 2]
        yield Hit("fake-key", start, "Fake 64", fingerprint(FAKE + tag), "fake")
        start = data.find(FAKE, start + 1)
    if ctx.in_package and ctx.name.endswith(".key"):
        yield Hit("fake-package-file", 0, None, "", "name")


FAKE_DETECTOR = types.SimpleNamespace(
    RULES=(
        Rule("fake-key", "Fake key", "Tests the engine.", "Remove the fake key."),
        Rule("fake-package-file", "Key-like file name in a package directory", "It ships.",
             "Move it out.", Severity.WARNING),
    ),
    scan=_fake_scan,
)


FAKE_REGISTRY = registry.build((FAKE_DETECTOR,))  # type: ignore[arg-type]


def use_registry(monkeypatch: pytest.MonkeyPatch, reg: object) -> None:
    """Make `reg` the registry that scan() (and so the CLI) runs by default for one test; the
    scan's Scanner carries it into fork-based pool workers."""
    monkeypatch.setattr(registry, "DEFAULT", reg)


@pytest.fixture
def fake_detector(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """Run the fake detector instead of the real ones."""
    use_registry(monkeypatch, FAKE_REGISTRY)
    return FAKE_DETECTOR


def _boom(ctx: FileContext, data: bytes) -> list[Hit]:
    if b"BOOM" in data:
        raise ValueError("a deliberate detector bug; this text must never be printed")
    return []


# A detector with a bug: raises on any blob that holds b"BOOM" (its prefilter selects it for
# every blob, through `wants`).
RAISING_DETECTOR = types.SimpleNamespace(
    __name__="tests.boom", RULES=(), TRIGGERS=(), wants=lambda ctx, data: True, scan=_boom)

_REAL_GATE = registry.DEFAULT.gate


@pytest.fixture(autouse=True)
def prefilter_lets_every_hit_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine runs a detector only when the shared prefilter selects it. Every test that
    calls a detector directly (all true positives, the property tests) therefore also checks
    that the prefilter would have selected it: a narrower prefilter is a lost detection."""
    for index, detector in enumerate(_REAL_GATE.detectors):
        def checked(ctx: FileContext, data: bytes, index: int = index,
                    scan: object = detector.scan) -> list[Hit]:
            hits = list(scan(ctx, data))  # type: ignore[operator]
            if hits:
                chosen = _REAL_GATE.detectors[index]
                assert index in _REAL_GATE.fired(data) or chosen.wants(ctx, data), (
                    f"{chosen.__name__} found {[h.rule_id for h in hits]} "  # type: ignore[attr-defined]
                    "in a blob the shared prefilter would skip")
                assert not _REAL_GATE.quiet(ctx.path, ctx.name, data), (
                    f"{chosen.__name__} found {[h.rule_id for h in hits]} "  # type: ignore[attr-defined]
                    "in a blob the quick test calls quiet")
            return hits

        def declared(ctx: FileContext, data: bytes, wants: object = detector.wants,
                     detector: object = detector) -> bool:
            said = bool(wants(ctx, data))  # type: ignore[operator]
            assert not said or detector.WANTS.covers(ctx.path, ctx.name, data), (  # type: ignore[attr-defined]
                f"{detector.__name__}.wants said yes where its WANTS does not hold "  # type: ignore[attr-defined]
                f"({ctx.path!r}, {data[:16]!r})")
            return said
        monkeypatch.setattr(detector, "scan", checked)
        monkeypatch.setattr(detector, "wants", declared)
