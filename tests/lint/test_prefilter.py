"""prefilter.py: the shared gate runs no detector on ordinary files and never hides a key.

Speed itself is measured only by benchmarks/bench_lint.py; these tests are deterministic.
(conftest.py also checks, in every detector test, that each hit passes the gate.)
"""

from __future__ import annotations

import types

import keygen as k
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.lint import archive, prefilter, registry, views
from generator.lint.base import FileContext
from generator.lint.blob import NATIVE_MIN_BLOBS, Scanner
from generator.lint.engine import Options, scan
from generator.lint.finding import Location

PKG = "force-app/main/default"
ORDINARY = {
    f"{PKG}/classes/AccountService.cls": b"public with sharing class AccountService {\n"
    b"    public static Map<String, Object> run(List<Id> ids) {\n"
    b"        return new Map<String, Object>{'status' => 'ok', 'count' => 3082};\n"
    b"    }\n}\n" * 200,
    f"{PKG}/classes/AccountService.cls-meta.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <apiVersion>66.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n",
    f"{PKG}/lwc/card/card.js": b"import { LightningElement, api } from 'lwc';\n"
    b"export default class Card extends LightningElement { @api recordId; }\n",
    "data/accounts.json":
        b'[{"Id": "0015g00000ABCDEAA3", "Name": "Acme", "Revenue": 30000}]\n' * 500,
    "README.md": b"Never commit a private key; `scaffold lint` proves none ships.\n",
}


def _ctx(path: str) -> FileContext:
    return FileContext(Location(path), path.rsplit("/", 1)[-1], path.startswith("force-app/"))


@pytest.mark.parametrize("path", sorted(ORDINARY))
def test_ordinary_files_select_no_detector(path):
    assert registry.DEFAULT.gate.select(_ctx(path), ORDINARY[path]) == []


def test_ordinary_tree_never_reaches_a_full_scan(tmp_path, monkeypatch):
    def fail(ctx, data):
        raise AssertionError(f"{ctx.path} reached a full scan")

    for detector in registry.DETECTORS:
        monkeypatch.setattr(detector, "scan", fail)
    for rel, data in ORDINARY.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    result = scan([], tmp_path, opts=Options(jobs=1))
    assert result.findings == ()
    assert result.files_scanned == len(ORDINARY)


@pytest.mark.parametrize(("data", "module"), [
    (lambda: k.pem(k.rsa_key()), "pem"),
    (lambda: b"key = '" + k.pem(k.ec_key()).replace(b"\n", b"\\n") + b"';", "pem"),
    (lambda: k.pem(k.rsa_key()).decode().encode("utf-16"), "pem"),
    (lambda: k.der(k.rsa_key()), "container"),
    (lambda: b'{"kty": "EC"}', "jwk"),
    (lambda: b"<consumerSecret/>", "sfdx"),
    (lambda: b"CONSUMER_SECRET=x", "sfdx"),
    (lambda: b"<applePushConfig/>", "sfdx"),
    (lambda: b"3MVG9" + b"a" * 80, "sfdx"),
    (lambda: b"b3BlbnNzaC1rZXktdjEAAAA", "encoded"),
    (lambda: b"LS0tLS1CRUdJTiBQUklWQVRF", "encoded"),
    (lambda: b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "encoded"),
    (lambda: b"30" + b"82" * 46, "encoded"),
])
def test_each_trigger_selects_its_detector(data, module):
    chosen = registry.DEFAULT.gate.select(_ctx("x/y.txt"), data())
    assert module in {d.__name__.rsplit(".", 1)[-1] for d in chosen}  # type: ignore[attr-defined]


def test_path_rules_select_sfdx_whatever_the_content():
    chosen = registry.DEFAULT.gate.select(_ctx(f"{PKG}/certs/jwt.crt"), b"")
    assert [d.__name__ for d in chosen] == ["generator.lint.detectors.sfdx"]  # type: ignore[attr-defined]


def test_detector_without_triggers_always_runs():
    fake = types.SimpleNamespace(RULES=(), scan=lambda ctx, data: [])
    gate = prefilter.build((fake,))  # type: ignore[arg-type]
    assert gate.select(_ctx("a.txt"), b"plain") == [fake]


@pytest.mark.parametrize("pattern", [rb"[A-Z]PRIV", rb"(PRIV)", rb"P?RIV", rb".kty", b""])
def test_trigger_needs_a_literal_first_byte(pattern):
    with pytest.raises(ValueError, match="literal byte"):
        prefilter.anchor_of(pattern)


def test_triggers_sharing_an_anchor_share_one_pass():
    gate = registry.DEFAULT.gate
    anchors = [g.anchor for g in gate.groups]
    assert len(anchors) == len(set(anchors))
    assert len(gate.groups) < sum(len(d.TRIGGERS) for d in registry.DETECTORS)


# --- the quick test (`Gate.quiet`, `Scanner.quiet`) that the usual file ends at ---------------

_NAMES = st.sampled_from([
    "a.cls", "server.key", "x.key.enc", "k.p12", "Cert.crt", "jwt.crt-meta.xml", "id_rsa", ".env",
    "alice@example.com.json", "key.json", "G.ecaGlblOauth-meta.xml", "README.md", "a.resource"])
_DIRS = st.sampled_from(["", "force-app/main/default/classes/", ".sfdx/", "x/.sf/", "a/.jwt/",
                         f"{PKG}/extlClntAppGlobalOauthSets/", f"{PKG}/certs/", "docs/"])
_HEADS = st.sampled_from([
    b"", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"0\x82\x01", b"0\x20", b"\xfe\xed\xfe\xed",
    b"\xce\xce\xce\xce", b"\xff\xfe", b"\xfe\xff", b"Salted__", b"  \nU2FsdGVkX1", b"U2FsdGVkX1",
    b"-----BEGIN PRIVATE KEY-----\n", b'{"kty":"RSA","d":"', b"\x00\x00"])


def _tar_header(body: bytes) -> bytes:
    """A 512-byte v7 tar header with a correct checksum (no ustar magic)."""
    head = bytearray(body[:100].ljust(100, b"\0") + b"0000644\0" * 3 + b"00000000000\0" * 2
                     + b" " * 8 + b"0")
    head = head.ljust(512, b"\0")
    head[148:156] = b"%06o\0 " % sum(head)
    return bytes(head)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=_HEADS, body=st.binary(max_size=600), directory=_DIRS, name=_NAMES,
       tar=st.sampled_from([None, "v7", "ustar"]))
def test_a_quiet_blob_selects_no_detector_and_is_no_archive(head, body, directory, name, tar):
    """quiet is a shortcut, never a different answer: where it says quiet, `select` chooses
    nothing and the bytes open as no archive."""
    data = head + body
    if tar == "v7":
        data = _tar_header(b"k.pem") + data
    elif tar == "ustar":
        data = (data.ljust(512, b"\0")[:257] + b"ustar" + data[262:]).ljust(512, b"\0")
    path = directory + name
    scanner = Scanner(registry.DEFAULT, Options())
    ctx = FileContext(Location(path), name, True)
    if scanner.quiet(path, name, data):
        assert registry.DEFAULT.gate.select(ctx, data) == []
        assert not archive.is_archive(data)
    if archive.is_archive(data):
        assert archive.maybe_archive(data)


def test_real_archives_are_never_quiet(tmp_path):
    import io
    import tarfile
    import zipfile

    scanner = Scanner(registry.DEFAULT, Options())
    blobs = []
    for fmt in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
            info = tarfile.TarInfo("plain.txt")
            info.size = 5
            tf.addfile(info, io.BytesIO(b"hello"))
        blobs.append(buf.getvalue())
    blobs.append(_tar_header(b"plain.txt") + b"hello".ljust(512, b"\0"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("plain.txt", "hello")
    blobs.append(buf.getvalue())
    broken = bytearray(blobs[0])
    broken[148:156] = b"notoctal"  # ustar magic alone makes it a tar
    blobs.append(bytes(broken))
    for blob in blobs:
        assert archive.is_archive(blob)
        assert not scanner.quiet("a.bin", "a.bin", blob)


def test_ordinary_files_are_quiet_with_either_pass():
    gate = prefilter.build(registry.DETECTORS)
    for path, data in ORDINARY.items():
        assert gate.quiet(path, path.rpartition("/")[2], data), path  # regexes
    assert gate.use_native() or True
    for path, data in ORDINARY.items():
        assert gate.quiet(path, path.rpartition("/")[2], data), path  # native, where installed


def test_a_detector_that_declares_no_wants_makes_nothing_quiet():
    fake = types.SimpleNamespace(RULES=(), TRIGGERS=(b"ZZZ",), wants=lambda ctx, data: True,
                                 scan=lambda ctx, data: [])
    gate = prefilter.build((*registry.DETECTORS, fake))  # type: ignore[arg-type]
    assert gate.quick is None
    assert not gate.quiet("a.txt", "a.txt", b"plain")


def test_merged_wants_hold_exactly_where_one_declaration_holds():
    declared = [d.WANTS for d in registry.DETECTORS]
    quick = prefilter.merge_wants(declared)
    for path, data in [("x/.sfdx/key.json", b"{}"), ("a.txt", b"\xff\xfeA"), ("a.txt", b"0\x82"),
                       ("a.txt", b"x" * 5000 + b"\0"), ("a.txt", b"x\0"), ("s.KEY.ENC", b"x"),
                       (f"{PKG}/extlClntAppGlobalOauthSets/a.xml", b"<x/>"), ("a.txt", b"plain")]:
        name = path.rpartition("/")[2]
        one = any(w.covers(path, name, data) for w in declared)
        merged = bool((quick.head and quick.head.match(data))
                      or (quick.utf16 and views.is_utf16(data))
                      or name.lower().endswith(quick.suffixes)
                      or quick.in_path("/" + path.lower()))
        assert one == merged, (path, data[:8])


@pytest.mark.parametrize("native", [False, True], ids=["regexes", "native"])
def test_the_archive_head_makes_archives_loud_where_no_detector_wants_nul_bytes(native):
    """With the default detectors every archive is loud anyway (a NUL byte early on); with
    detectors that ignore NUL bytes the quick test's own archive heads must do it: zip, gzip
    and ustar by their magic, a v7 tar by its checksum, and a v7 look-alike whose checksum
    is wrong stays quiet."""
    import gzip
    import io
    import zipfile

    from generator.lint.detectors import sfdx

    scanner = Scanner(registry.build((sfdx,)), Options())
    if native:
        scanner.expect(NATIVE_MIN_BLOBS)
        if not scanner.registry.gate.use_native():
            pytest.skip("hyperscan is not installed here")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("plain.txt", "hello")
    ustar = (b"plain.txt".ljust(257, b" ") + b"ustar").ljust(512, b" ")
    v7 = _tar_header(b"plain.txt")
    text = b"x" * 148 + b"  123456" + b"y" * 400  # digits where a v7 checksum would be
    for blob in (buf.getvalue(), gzip.compress(b"hello"), ustar, v7):
        assert archive.is_archive(blob)
        assert not scanner.quiet("a.bin", "a.bin", blob)
    assert archive.maybe_archive(text) and not archive.is_archive(text)
    assert scanner.quiet("a.txt", "a.txt", text)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 6])
def test_contains_any_is_substring_search_for_any_number_of_needles(count):
    needles = ("/.sf/", "/extlclntappglobaloauthsets/", ".jwt", "a|b", "x.y", "(z)")[:count]
    test = prefilter.contains_any(needles)
    for text in ["/a/.sf/b", "/x/extlclntappglobaloauthsets/a.xml", "/k.jwt", "/a|b/c", "/xzy",
                 "/x.y", "/(z)", "/plain/path.cls", ""]:
        assert test(text) == any(n in text for n in needles), (needles, text)


_KEY_PIECES = st.sampled_from([
    b"", b"\x00", b"\x00" * 7, b"-----BEGIN ", b"PRIVATE KEY-----", b"MIIEvQIBADANBgkqhkiG9w0BAQEF",
    b"LS0tLS1CRUdJTiBQUklWQVRF", b"308204bd020100300d06092a864886f70d", b"b3BlbnNzaC1rZXktdjE",
    b"\xff\xfe", b"P\x00R\x00I\x00V\x00", b"A\x00" * 40, b"\n", b"'+'", b"%0A"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_KEY_PIECES, st.binary(max_size=64)), max_size=40))
def test_pem_and_encoded_find_nothing_in_a_non_utf16_blob_without_their_triggers(parts):
    """Why pem and encoded want only UTF-16 blobs beside their triggers: in any other blob,
    binary ones included, they look only where a trigger occurs."""
    from generator.lint import views
    from generator.lint.detectors import encoded, pem

    data = b"".join(parts)
    gate = registry.DEFAULT.gate
    fired = gate.fired_re(data)
    ctx = FileContext(Location("x.bin"), "x.bin", True)
    for detector in (pem, encoded):
        if not views.is_utf16(data) and registry.DETECTORS.index(detector) not in fired:
            assert not detector.wants(ctx, data)
            assert list(detector.scan(ctx, data)) == []


def test_archive_members_and_other_blobs_take_the_quick_test_too(monkeypatch):
    """Scanner.blob itself starts with the quick test, so archive members, git blobs (--staged,
    --history) and walked files alike reach `select` only when they are not quiet."""
    import io
    import zipfile

    from generator.lint.blob import Tally

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("plain.txt", "hello")
        zf.writestr("k.pem", k.pem(k.ec_key()))
    scanner = Scanner(registry.DEFAULT, Options())
    selected: list[str] = []
    real = prefilter.Gate.select

    def spy(self, ctx, data):  # type: ignore[no-untyped-def]
        selected.append(ctx.path)
        return real(self, ctx, data)
    monkeypatch.setattr(prefilter.Gate, "select", spy)
    out = Tally()
    scanner.blob(FileContext(Location("lib.resource"), "lib.resource", True), buf.getvalue(), out)
    assert selected == ["lib.resource", "lib.resource!k.pem"]
    assert [f.path for f in out.findings] == ["lib.resource!k.pem"]
