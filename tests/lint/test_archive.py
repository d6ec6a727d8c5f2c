"""archive.py: members by content magic, one level, with bounded decompression."""

from __future__ import annotations

import gzip
import io
import random
import shutil
import struct
import subprocess
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.lint import archive
from generator.lint.archive import ArchiveProblem, Limits, Member
from tests import keygen

LIMITS = Limits()


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tar(files: dict[str, bytes], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _gzip(data: bytes, name: str | None = None) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def _all(data: bytes, limits: Limits = LIMITS) -> list[Member | ArchiveProblem]:
    return list(archive.members(data, limits))


def _members(data: bytes) -> dict[str, bytes]:
    return {m.name: m.data for m in _all(data) if isinstance(m, Member)}


def _problems(data: bytes, limits: Limits = LIMITS) -> list[str]:
    return [p.rule.id for p in _all(data, limits) if isinstance(p, ArchiveProblem)]


# (case id, archive builder, member name, expected member bytes builder)
TRUE_POSITIVES: list[tuple[str, Callable[[], bytes], str, Callable[[], bytes]]] = [
    ("zip-pem", lambda: _zip({"keys/server.pem": keygen.pem(keygen.rsa_key())}),
     "keys/server.pem", lambda: keygen.pem(keygen.rsa_key())),
    ("zip-stored-der", lambda: _zip({"k.der": keygen.der(keygen.ec_key())}, zipfile.ZIP_STORED),
     "k.der", lambda: keygen.der(keygen.ec_key())),
    ("zip-nested", lambda: _zip({"inner.zip": _zip({"server.key": b"x"})}),
     "inner.zip", lambda: _zip({"server.key": b"x"})),
    ("gzip-named", lambda: _gzip(keygen.pem(keygen.rsa_key()), "server.pem"),
     "server.pem", lambda: keygen.pem(keygen.rsa_key())),
    ("gzip-anonymous", lambda: _gzip(b"hello"), "gunzipped", lambda: b"hello"),
    ("tar-ustar", lambda: _tar({"a/server.key": keygen.pem(keygen.rsa_key())}),
     "a/server.key", lambda: keygen.pem(keygen.rsa_key())),
    ("tar-v7", lambda: _tar({"server.key": b"v7 data"}, tarfile.GNU_FORMAT),
     "server.key", lambda: b"v7 data"),
    ("tgz-outer", lambda: _gzip(_tar({"k.pem": b"pem"})), "gunzipped",
     lambda: _tar({"k.pem": b"pem"})),
]

FALSE_POSITIVES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("apex", b"public class A {}\n" * 100),
    ("pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
    ("pkcs12", b"\x30\x82\x05\x00\x02\x01\x03"),
    ("jks", b"\xfe\xed\xfe\xed\x00\x00\x00\x02"),
    ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 600),
    ("nul-block", b"\x00" * 1024),
]


@pytest.mark.parametrize(("case", "build", "name", "expected"), TRUE_POSITIVES,
                         ids=[c[0] for c in TRUE_POSITIVES])
def test_true_positives(case, build, name, expected):
    data = build()
    assert archive.is_archive(data), case
    assert _members(data) == {name: expected()}, case
    assert _problems(data) == [], case


@pytest.mark.parametrize(("case", "data"), FALSE_POSITIVES, ids=[c[0] for c in FALSE_POSITIVES])
def test_false_positives(case, data):
    assert not archive.is_archive(data), case
    assert _all(data) == [], case


def test_static_resource_named_resource_detected_by_content():
    data = _zip({"jwtlib/keys/private.pem": b"k", "jwtlib/js/app.js": b"js", "jwtlib/": b""})
    assert archive.is_archive(data)
    assert set(_members(data)) == {"jwtlib/keys/private.pem", "jwtlib/js/app.js"}


def test_nested_zip_is_one_level_only():
    inner = _zip({"keys/server.pem": b"pem"})
    outer = _zip({"lib.resource": inner})
    (member,) = _all(outer)
    assert isinstance(member, Member) and archive.is_archive(member.data)
    assert _members(member.data) == {"keys/server.pem": b"pem"}


def _encrypted_zip() -> bytes:
    """A zip whose member carries the 'encrypted' flag (traditional PKWARE encryption)."""
    if shutil.which("zip"):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "server.pem").write_bytes(b"-----BEGIN NOT A KEY-----\n")
            subprocess.run(["zip", "-q", "-P", "pw", "x.zip", "server.pem"], cwd=tmp, check=True)
            return (Path(tmp) / "x.zip").read_bytes()
    data = bytearray(_zip({"server.pem": b"secret"}, zipfile.ZIP_STORED))
    struct.pack_into("<H", data, 6, 0x1)  # local header flags
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, cd + 8, 0x1)  # central directory flags
    return bytes(data)


def test_encrypted_member_is_reported_not_skipped():
    data = _encrypted_zip()
    (problem,) = _all(data)
    assert isinstance(problem, ArchiveProblem)
    assert (problem.rule.id, problem.name) == ("archive-unreadable", "server.pem")


def test_corrupt_zip_is_reported():
    data = b"PK\x03\x04" + b"\xff" * 200
    assert archive.is_archive(data)
    assert "archive-unreadable" in _problems(data)


def test_truncated_zip_is_reported_and_salvaged():
    pem = keygen.pem(keygen.rsa_key())
    data = _zip({"a.txt": b"hello" * 100, "keys/server.pem": pem})
    cut = data[: data.find(b"PK\x01\x02")]  # central directory lost
    out = _all(cut)
    assert isinstance(out[0], ArchiveProblem) and out[0].rule.id == "archive-unreadable"
    assert {m.name: m.data for m in out if isinstance(m, Member)} == {
        "a.txt": b"hello" * 100,
        "keys/server.pem": pem,
    }


def test_truncated_member_data_is_reported():
    data = _zip({"a.txt": bytes(range(256)) * 400})
    cut = data[:200]
    assert "archive-unreadable" in _problems(cut)


def test_truncated_gzip_is_reported_with_partial_member():
    data = _gzip(b"line of text\n" * 5000, "x.txt")
    out = _all(data[: len(data) // 2])
    assert any(isinstance(o, ArchiveProblem) and o.rule.id == "archive-unreadable" for o in out)
    assert any(isinstance(o, Member) for o in out)


def test_corrupt_tar_is_reported():
    data = bytearray(_tar({"a.txt": b"x" * 2000, "b.txt": b"y"}))
    data[1024 + 148 : 1024 + 156] = b"9999999\0"  # second header: bad checksum
    out = _all(bytes(data))
    assert any(isinstance(o, Member) and o.name == "a.txt" for o in out)


def test_truncated_tar_member_is_reported():
    data = _tar({"a.txt": b"x" * 5000})
    assert "archive-unreadable" in _problems(data[:2048])


def _bomb(size: int) -> bytes:
    return _zip({"bomb.bin": b"\0" * size})


def test_actual_ratio_bomb_is_stopped():
    data = _bomb(20 * 1024 * 1024)
    assert len(data) < 100_000
    tracemalloc.start()
    assert _problems(data) == ["archive-limit"]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_member_size_limit_is_enforced_while_reading():
    data = _zip({"big.txt": bytes(range(256)) * 8192})  # 2 MiB, ratio low
    limits = Limits(max_member_bytes=1024 * 1024)
    assert _problems(data, limits) == ["archive-limit"]


def test_declared_huge_size_is_refused_without_decompressing():
    data = bytearray(_zip({"huge.bin": b"\0" * 1000}))
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 0xFFFF_FFF0)  # uncompressed size
    struct.pack_into("<I", data, 22, 0xFFFF_FFF0)
    assert _problems(bytes(data)) == ["archive-limit"]


def test_lying_declared_size_is_caught():
    data = bytearray(_zip({"a.bin": b"\0" * 5_000_000}))
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 100)  # claims 100 bytes
    struct.pack_into("<I", data, 22, 100)
    out = _all(bytes(data))
    assert not any(isinstance(o, Member) and len(o.data) > 100 for o in out)
    assert any(isinstance(o, ArchiveProblem) for o in out)


def test_gzip_bomb_is_stopped_with_bounded_memory():
    raw = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = b"\0" * (1024 * 1024)
    data = b"".join(raw.compress(chunk) for _ in range(256)) + raw.flush()  # 256 MiB of zeros
    limits = Limits(max_member_bytes=4 * 1024 * 1024, max_ratio=100_000)
    tracemalloc.start()
    assert _problems(data, limits) == ["archive-limit"]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * 1024 * 1024 + 8 * 1024 * 1024  # the member limit plus a few chunks


def test_too_many_members():
    data = _zip({f"f{i}.txt": b"x" for i in range(20)})
    out = _all(data, Limits(max_members=5))
    assert sum(isinstance(o, Member) for o in out) == 5
    assert isinstance(out[-1], ArchiveProblem) and out[-1].rule.id == "archive-limit"


def test_total_size_limit_stops_the_archive():
    data = _zip({f"f{i}.bin": bytes(range(256)) * 400 for i in range(10)}, zipfile.ZIP_STORED)
    out = _all(data, Limits(max_total_bytes=300_000))
    assert sum(isinstance(o, Member) for o in out) == 2
    assert isinstance(out[-1], ArchiveProblem) and out[-1].rule.id == "archive-limit"


def test_rules_are_exposed():
    assert {r.id for r in archive.RULES} == {"archive-unreadable", "archive-limit"}


def test_problem_messages_carry_no_member_bytes():
    secret = b"TOPSECRETMATERIAL"
    data = b"PK\x03\x04" + secret * 10
    for problem in _all(data):
        assert isinstance(problem, ArchiveProblem)
        assert "TOPSECRET" not in problem.message


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_members_never_raise(data):
    archive.is_archive(data)
    list(archive.members(data, LIMITS))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b\x08"]), st.binary(max_size=2048))
def test_members_never_raise_on_archive_prefixes(head, tail):
    list(archive.members(head + tail, LIMITS))


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=255))
def test_members_never_raise_on_damaged_zip(pos, byte):
    data = bytearray(_zip({"a.txt": b"hello" * 300, "b/c.pem": b"x" * 100}))
    data[pos % len(data)] = byte
    list(archive.members(bytes(data), LIMITS))


# --- the direct zip member path answers exactly like zipfile ----------------------------------

@pytest.fixture(params=["isal", "zlib"])
def inflater(request, monkeypatch):
    """The direct path with ISA-L's inflate (where installed) and with zlib's."""
    if request.param == "zlib":
        monkeypatch.setattr(archive, "_fast_inflate", lambda: (zlib.decompressobj, (zlib.error,)))
    else:
        pytest.importorskip("isal", reason="isal has no wheel for this platform")
        assert archive._fast_inflate()[0] is not zlib.decompressobj
    return request.param


def _through_zipfile(monkeypatch: pytest.MonkeyPatch, data: bytes, limits: Limits) -> list:
    with monkeypatch.context() as m:
        m.setattr(archive, "_zip_direct", lambda data, info, budget: None)
        return _all(data, limits)


def _direct_reads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    taken: list[bool] = []
    real = archive._zip_direct

    def spy(data, info, budget):
        blob = real(data, info, budget)
        taken.append(blob is not None)
        return blob
    monkeypatch.setattr(archive, "_zip_direct", spy)
    return taken


def _mixed_zip(large: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", b"hello " * 300, zipfile.ZIP_DEFLATED)
        zf.writestr("b/c.pem", b"x" * 100, zipfile.ZIP_STORED)
        if large:
            zf.writestr("d.bin", random.Random(7).randbytes(2_300_000), zipfile.ZIP_DEFLATED)
        zf.writestr("e.txt", b"bzip2 " * 50, zipfile.ZIP_BZIP2)
        zf.writestr("f.txt", b"lzma " * 50, zipfile.ZIP_LZMA)
        zf.writestr("empty", b"", zipfile.ZIP_DEFLATED)
        words = [b"alpha", b"beta", b"gamma", b"delta", b"key", b"value", b"apex", b"class"]
        rng = random.Random(8)
        zf.writestr("g.txt", b" ".join(rng.choice(words) for _ in range(300_000 if large else 300)),
                    zipfile.ZIP_DEFLATED)  # 1.7 MB, about 4:1
    return buf.getvalue()


def test_plain_members_are_read_directly_and_the_rest_by_zipfile(monkeypatch, inflater):
    data = _mixed_zip()
    expected = _through_zipfile(monkeypatch, data, LIMITS)
    taken = _direct_reads(monkeypatch)
    assert _all(data, LIMITS) == expected
    assert [isinstance(o, Member) for o in expected] == [True] * 7
    assert taken == [True, True, True, False, False, True, True]  # bzip2, lzma: zipfile


@pytest.mark.parametrize("damage", ["crc", "local name", "declared smaller", "declared larger",
                                    "stored size", "truncated body", "corrupt stream"])
def test_a_member_the_directory_disagrees_with_is_left_to_zipfile(monkeypatch, damage, inflater):
    data = bytearray(_zip({"a.txt": b"hello " * 300, "b.txt": b"plain"}, zipfile.ZIP_DEFLATED))
    if damage == "stored size":
        data = bytearray(_zip({"a.txt": b"hello " * 300, "b.txt": b"plain"}, zipfile.ZIP_STORED))
    cd = data.find(b"PK\x01\x02")
    if damage == "crc":
        struct.pack_into("<I", data, cd + 16, 0xDEADBEEF)
    elif damage == "local name":
        data[30] = ord("z")
    elif damage == "declared smaller":
        struct.pack_into("<I", data, cd + 24, 100)
    elif damage in ("declared larger", "stored size"):
        struct.pack_into("<I", data, cd + 24, 5000)
    elif damage == "truncated body":
        struct.pack_into("<I", data, cd + 20, 10)  # compressed size
    else:
        data[40:46] = b"\xff" * 6
    expected = _through_zipfile(monkeypatch, bytes(data), LIMITS)
    taken = _direct_reads(monkeypatch)
    assert _all(bytes(data), LIMITS) == expected
    assert taken[0] is False  # the damaged member
    if damage in ("crc", "local name", "corrupt stream"):
        assert isinstance(expected[0], ArchiveProblem)


@pytest.mark.parametrize("limits", [
    Limits(max_member_bytes=1024 * 1024), Limits(max_total_bytes=1_500_000),
    Limits(max_ratio=2), Limits(max_members=3)], ids=["member", "total", "ratio", "count"])
def test_limits_stop_the_direct_path_where_they_stop_zipfile(monkeypatch, limits, inflater):
    data = _mixed_zip()
    expected = _through_zipfile(monkeypatch, data, limits)
    assert any(isinstance(o, ArchiveProblem) for o in expected)
    assert _all(data, limits) == expected


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=0, max_value=255))
def test_a_damaged_zip_gives_what_zipfile_gives(inflater, pos, byte):
    data = bytearray(_mixed_zip(large=False))
    data[pos % len(data)] = byte
    with pytest.MonkeyPatch.context() as m:
        m.setattr(archive, "_zip_direct", lambda data, info, budget: None)
        expected = _all(bytes(data), LIMITS)
    assert _all(bytes(data), LIMITS) == expected
