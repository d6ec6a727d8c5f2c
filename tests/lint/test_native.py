"""native.py: the Hyperscan pass of the prefilter selects exactly what its regexes select.

The regex gate (prefilter.Gate.fired_re) is the reference; every trigger of every detector,
inside random bytes and inside the key corpus, must give the same set of detectors both ways.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import platform
import sys
import types
import zlib

import corpus_text
import keygen as k
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.lint import native, prefilter, registry
from generator.lint.engine import Options, scan

# where pyproject installs hyperscan (it publishes wheels for these)
WHEELS = (sys.platform == "linux" and platform.machine() == "x86_64") or sys.platform in (
    "darwin", "win32")
HAVE_HS = importlib.util.find_spec("hyperscan") is not None


@functools.cache
def _matcher() -> native.Matcher:
    matcher = native.compile_triggers(registry.DETECTORS)
    assert matcher is not None
    return matcher


needs_hs = pytest.mark.skipif(not HAVE_HS, reason="hyperscan has no wheel for this platform")
TRIGGERS = [(i, p) for i, d in enumerate(registry.DETECTORS) for p in d.TRIGGERS]


@pytest.mark.skipif(not WHEELS, reason="hyperscan is not a dependency on this platform")
def test_the_default_registry_gets_the_native_pass_where_hyperscan_is_a_dependency():
    assert HAVE_HS, "pyproject installs hyperscan here: reinstall with pip install -e ."
    assert native.compile_triggers(registry.DETECTORS) is not None


@pytest.mark.parametrize(("pattern", "expect"), [
    (rb"V(?<=PRIV)", b"PRIV"),
    (rb"KEY(?<=ATE KEY)", b"ATE KEY"),
    (rb"J(?<=LS0tLS1CRUdJ)", b"LS0tLS1CRUdJ"),
    (rb"MER(?<=ONSUMER)", b"ONSUMER"),
    (rb"M[IHC][A-Za-z0-9+/_-]{30}", rb"M[IHC][A-Za-z0-9+/_-]{30}"),
    (rb"service\"\s*:\s*\"sfdx", rb"service\"\s*:\s*\"sfdx"),
])
def test_translate_gives_the_lookbehind_literal(pattern, expect):
    assert native.translate(pattern) == expect


@pytest.mark.parametrize("pattern", [
    rb"V(?<=PRIX)",  # the lookbehind does not end in the anchor
    rb"V(?<=P.IV)",  # not a literal
    rb"[A-Z](?<=PRIV)",  # the anchor is not a literal
    rb"ab(?=c)",  # a lookahead
    rb"a(?<!b)",  # a negative lookbehind
])
def test_translate_refuses_what_hyperscan_would_read_differently(pattern):
    with pytest.raises(ValueError, match="trigger"):
        native.translate(pattern)


def _missing() -> object:
    raise ImportError("no hyperscan")


def test_without_hyperscan_the_regexes_stay(monkeypatch):
    assert native.compile_triggers(registry.DETECTORS, load=_missing) is None
    monkeypatch.setattr(native, "_import", _missing)
    gate = prefilter.build(registry.DETECTORS)
    assert gate.use_native() is False
    assert gate.fired(b"-----BEGIN PRIVATE KEY-----") == {0}


def test_untranslatable_triggers_keep_the_regexes():
    odd = types.SimpleNamespace(RULES=(), TRIGGERS=(rb"a(?<!b)c",), scan=lambda c, d: [])
    assert native.compile_triggers((odd,)) is None  # type: ignore[arg-type]


@needs_hs
@pytest.mark.parametrize(("index", "pattern"), TRIGGERS)
def test_every_trigger_fires_its_detector_natively(index, pattern):
    sample = b"x " + _sample(pattern) + b" y"
    gate = registry.DEFAULT.gate
    assert index in gate.fired_re(sample)
    assert _matcher().fired(sample, gate.always) == gate.fired_re(sample)


def _sample(pattern: bytes) -> bytes:
    """A shortest string the trigger matches (its lookbehind literal, or built by hand)."""
    literal = native.literal(native.translate(pattern))
    if literal is not None:
        return literal
    fixed = {rb"M[IHC][A-Za-z0-9+/_-]{30}": b"MI" + b"A" * 30,
             rb"30[0-9A-Fa-f]{92}": b"30" + b"a" * 92,
             rb"00D[A-Za-z0-9]{12}": b"00D" + b"A1" * 6,
             rb"ccess_?[Tt]oken\"": b'ccess_token"',
             rb"efresh_?[Tt]oken\"": b'efreshToken"',
             rb"service\"\s*:\s*\"sfdx": b'service" :\n "sfdx'}
    return fixed[pattern]


_PIECES = st.sampled_from([_sample(p) for _, p in TRIGGERS] + [
    b"-----BEGIN ", b"PRIVATE KEY", b"\x00", b"\n", b" ", b'"', b"M", b"30", b"00D", b"kt",
    b"on", b"ecret", b"ECRET", b"Config", b"3MV", b"LS0t"])


@needs_hs
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.one_of(_PIECES, st.binary(max_size=40)), max_size=30))
def test_native_and_regex_selections_are_the_same_set(parts):
    data = b"".join(parts)
    gate = registry.DEFAULT.gate
    assert _matcher().fired(data, gate.always) == gate.fired_re(data)


def test_regex_selection_sees_triggers_that_overlap_another_detectors_match():
    # found by the property test above: `M[IHC]...{30}` (encoded) matched across the
    # "M" of "ONSUMER" (sfdx), and a non-overlapping search never saw it
    data = b"MHRMUzFDUlVkMHRMUzFDUlVkLS0tLS1CRUdJONSUMERPRIV"
    from generator.lint.detectors import sfdx as detector

    sfdx = registry.DETECTORS.index(detector)
    assert sfdx in registry.DEFAULT.gate.fired_re(data)


def test_regex_selection_sees_two_detectors_matching_at_one_position():
    # an alternation reports one branch: `ab` and `abc` both start at 0, each must be seen
    one = types.SimpleNamespace(TRIGGERS=(b"ab",), WANTS=None, __name__="one")
    two = types.SimpleNamespace(TRIGGERS=(b"abc",), WANTS=None, __name__="two")
    gate = prefilter.build([one, two])
    assert gate.fired_re(b"xxabc") == {0, 1}
    assert gate.fired_re(b"xxab") == {0}
    if gate.use_native():
        assert gate.fired(b"xxabc") == {0, 1}


@needs_hs
def test_native_and_regex_agree_on_every_key_form_of_the_corpus():
    gate = registry.DEFAULT.gate
    armored = [b for b in (f.make() for f in corpus_text.ARMORED) if b is not None]
    blobs = [h.wrap(b) for b in armored for h in corpus_text.HIDINGS]
    blobs += [base64.b64encode(b) for b in armored]
    blobs += [base64.b64encode(base64.b64encode(b)) for b in armored]
    blobs += [k.der(k.rsa_key()), k.der(k.rsa_key()).hex().encode()]
    checked = 0
    native_gate = prefilter.build(registry.DETECTORS)
    assert native_gate.use_native()
    quick = {"regexes": gate.quiet_test(), "native": native_gate.quiet_test()}
    for data in blobs:
        for view in (data, data[1:], data[: len(data) // 2]):
            fired = gate.fired_re(view)
            assert _matcher().fired(view, gate.always) == fired
            if fired - gate.always:  # a trigger occurs: neither quick test may call it quiet
                assert not any(test("a.txt", "a.txt", view) for test in quick.values())
            checked += 1
    assert checked > 300


@needs_hs
def test_a_large_walk_finds_the_same_with_either_pass(tmp_path, monkeypatch):
    """Past NATIVE_MIN_BLOBS files the walk switches to the native pass: same result."""
    from generator.lint import blob

    forms = [f.make() for f in corpus_text.ARMORED]
    for i in range(blob.NATIVE_MIN_BLOBS + 20):
        data = forms[i % len(forms)] or b"plain"
        (tmp_path / f"f{i:03}.txt").write_bytes(b"// file %d\n" % i + data)

    def run(native_on: bool) -> tuple[object, ...]:
        if not native_on:
            monkeypatch.setattr(native, "_import", _missing)
        gate = prefilter.build(registry.DETECTORS)
        reg = registry.ruleset.Registry(registry.DEFAULT.detectors, registry.DEFAULT.rules, gate)
        result = scan([], tmp_path, opts=Options(jobs=1), rules=reg)
        assert (gate.native is not None) is native_on
        return result.findings

    with_native, without = run(True), run(False)
    assert with_native == without
    assert len(with_native) > blob.NATIVE_MIN_BLOBS // 2


# --- the compiled database's cache ----------------------------------------------------------

def _no_compile() -> types.SimpleNamespace:
    """hyperscan as compile_triggers sees it, except that compiling fails: only a cached
    database can give a matcher."""
    import hyperscan

    class Database:
        def __init__(self, mode: int) -> None:
            del mode

        def compile(self, **kwargs: object) -> None:
            raise hyperscan.error("compile refused by the test")

    names = {n: getattr(hyperscan, n) for n in dir(hyperscan) if not n.startswith("__")}
    return types.SimpleNamespace(**{**names, "Database": Database,
                                    "__version__": hyperscan.__version__})


@needs_hs
def test_the_compiled_database_is_cached_and_selects_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path))
    fresh = native.compile_triggers(registry.DETECTORS)
    assert fresh is not None
    [stored] = tmp_path.glob("prefilter-*.hsdb")
    cached = native.compile_triggers(registry.DETECTORS, load=_no_compile)
    assert cached is not None
    for _, pattern in TRIGGERS:
        sample = b"x " + _sample(pattern) + b" y"
        assert cached.fired(sample, frozenset()) == fresh.fired(sample, frozenset()) != set()
    assert cached.fired(b"plain text", frozenset()) == set()
    assert stored.stat().st_size > 1000


@needs_hs
@pytest.mark.parametrize("damage", ["flip", "truncate", "other-key", "garbage"])
def test_a_damaged_or_foreign_cache_file_is_compiled_again(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path))
    assert native.compile_triggers(registry.DETECTORS) is not None
    [stored] = tmp_path.glob("prefilter-*.hsdb")
    raw = bytearray(stored.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0x40
    elif damage == "truncate":
        del raw[len(raw) // 2:]
    elif damage == "other-key":  # another trigger set of the same length, a colliding name
        rest = bytearray(raw[16:])
        rest[3] ^= 0x01  # inside the stored key, which names everything compiled in
        raw = bytearray(raw[:8] + b"%08x" % zlib.crc32(bytes(rest)) + rest)
    else:
        raw = bytearray(b"not a database")
    stored.write_bytes(bytes(raw))
    assert native.compile_triggers(registry.DETECTORS, load=_no_compile) is None  # not loaded
    assert native.compile_triggers(registry.DETECTORS) is not None  # compiled, and rewritten
    assert native.compile_triggers(registry.DETECTORS, load=_no_compile) is not None


@needs_hs
def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory would go")
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(blocked / "cache"))
    assert native.compile_triggers(registry.DETECTORS) is not None
    assert native.compile_triggers(registry.DETECTORS, load=_no_compile) is None


def test_the_cache_lives_in_the_user_cache_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SCAFFOLD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert native.cache_dir() == tmp_path / "scaffold"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert native.cache_dir() == tmp_path / ".cache" / "scaffold"
