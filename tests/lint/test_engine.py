"""The engine: walk, skip, read once, archives, streaming, links, unreadable input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import types
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.lint import archive, registry
from generator.lint.base import FileContext
from generator.lint.blob import Scanner, Tally
from generator.lint.engine import Options, scan
from generator.lint.finding import Location
from generator.lint.result import DETECTOR_ERROR
from tests.conftest import Link, make_tree
from tests.lint.conftest import FAKE, deny_open, sfdx_project

REPO = Path(__file__).resolve().parents[2]


def _zip(members: dict[str, bytes], stored: bool = False) -> bytes:
    buf = io.BytesIO()
    mode = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", mode) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _where(result) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.rule_id) for f in result.findings]


def test_finds_in_every_file_sorted_by_path_line_rule(tmp_path, fake_detector):
    make_tree(tmp_path, {
        "b.cls": b"x\ny\n" + FAKE + b"01\n",
        "a/deep/file.bin": b"\x00\xff\x89PNG" + FAKE + b"02",
        "a/clean.xml": "<x/>",
        "z.txt": FAKE + b"03\n\n" + FAKE + b"04",
    })
    result = scan([], tmp_path)
    assert _where(result) == [
        ("a/deep/file.bin", 1, "fake-key"), ("b.cls", 3, "fake-key"),
        ("z.txt", 1, "fake-key"), ("z.txt", 3, "fake-key"),
    ]
    assert result.files_scanned == 4
    assert not result.unreadable


def test_skips_vcs_dependency_and_cache_dirs_but_not_explicit_files(tmp_path, fake_detector):
    skipped = [".git/objects/x", "node_modules/pkg/k.txt", ".sfdx/tools/k", ".sf/orgs/k",
               "force-app/__pycache__/m.pyc", ".venv/lib/k", "env/lib/k"]
    make_tree(tmp_path, {**dict.fromkeys(skipped, FAKE), "env/pyvenv.cfg": "home = /usr"})
    assert scan([], tmp_path).findings == ()
    explicit = scan([tmp_path / "node_modules/pkg/k.txt"], tmp_path)
    assert _where(explicit) == [("node_modules/pkg/k.txt", 1, "fake-key")]


def test_never_skips_by_extension(tmp_path, fake_detector):
    names = ["logo.png", "font.woff2", "lib.jar", "doc.pdf", "x.min.js", "data.resource"]
    make_tree(tmp_path, dict.fromkeys(names, b"\x00\x01" + FAKE))
    assert sorted(f.path for f in scan([], tmp_path).findings) == sorted(names)


def test_recurses_into_nested_archives_and_names_members(tmp_path, fake_detector):
    inner = _zip({"keys/server.txt": b"a\n" + FAKE + b"11"})
    outer = _zip({"inner.zip": inner, "readme.txt": b"clean"})
    make_tree(tmp_path, {"force-app/staticresources/jwt.resource": outer})
    result = scan([], tmp_path)
    assert _where(result) == [
        ("force-app/staticresources/jwt.resource!inner.zip!keys/server.txt", 2, "fake-key")]


def test_stored_member_reported_once_at_the_member(tmp_path, fake_detector):
    make_tree(tmp_path, {"a.zip": _zip({"k.txt": FAKE + b"21"}, stored=True)})
    assert _where(scan([], tmp_path)) == [("a.zip!k.txt", 1, "fake-key")]


def test_archive_nesting_deeper_than_limit_is_a_finding(tmp_path, fake_detector):
    blob = _zip({"k.txt": FAKE + b"31"})
    for level in range(4):
        blob = _zip({f"l{level}.zip": blob})
    make_tree(tmp_path, {"deep.zip": blob})
    result = scan([], tmp_path, opts=Options(limits=archive.Limits(max_depth=2)))
    assert [f.rule_id for f in result.findings] == ["archive-limit"]
    assert result.findings[0].path.count("!") == 2
    full = scan([], tmp_path)
    assert [f.rule_id for f in full.findings] == ["fake-key"]


def test_corrupt_archive_is_a_finding_not_a_pass(tmp_path, fake_detector):
    make_tree(tmp_path, {"broken.resource": _zip({"k.txt": b"x" * 1000})[:60]})
    rules = {f.rule_id for f in scan([], tmp_path).findings}
    assert "archive-unreadable" in rules


def test_unreadable_file_is_a_finding_and_flags_the_result(tmp_path, fake_detector, monkeypatch):
    make_tree(tmp_path, {"secret.bin": b"x", "ok.txt": b"fine"})
    deny_open(monkeypatch, "secret.bin")
    result = scan([], tmp_path)
    assert _where(result) == [("secret.bin", 0, "unreadable-file")]
    assert "Permission denied" in result.findings[0].message
    assert result.unreadable


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_by_permissions(tmp_path, fake_detector):
    make_tree(tmp_path, {"secret.bin": b"x"})
    (tmp_path / "secret.bin").chmod(0)
    assert scan([], tmp_path).unreadable


def test_symlink_out_of_root_is_reported_not_followed(tmp_path, fake_detector):
    outside = make_tree(tmp_path / "outside", {"id_rsa": FAKE + b"41", "d/k": FAKE})
    root = make_tree(tmp_path / "proj", {
        "force-app/key.txt": Link(str(outside / "id_rsa")),
        "force-app/dir": Link("../../outside/d"),
        "inside.txt": Link("force-app/real.txt"),
        "force-app/real.txt": FAKE + b"42",
        "dangling": Link("nowhere"),
    })
    result = scan([], root)
    assert _where(result) == [
        ("force-app/dir", 0, "symlink-outside-root"),
        ("force-app/key.txt", 0, "symlink-outside-root"),
        ("force-app/real.txt", 1, "fake-key"),
        ("inside.txt", 1, "fake-key"),
    ]
    assert all(str(outside) not in f.path for f in result.findings)


def test_symlink_loops_terminate(tmp_path, fake_detector):
    root = make_tree(tmp_path, {"a/b/k.txt": FAKE, "a/b/up": Link(".."), "a/self": Link("."),
                                "a/loop1": Link("loop2"), "a/loop2": Link("loop1")})
    result = scan([], root)
    assert _where(result) == [("a/b/k.txt", 1, "fake-key")]


def test_fifo_is_never_opened(tmp_path, fake_detector):
    os.mkfifo(tmp_path / "pipe")
    assert scan([], tmp_path).findings == ()


def test_in_package_follows_package_dirs_and_forceignore(tmp_path, fake_detector):
    make_tree(tmp_path, {
        **sfdx_project(("force-app", "extra/pkg"), "**/ignored/**\n"),
        "force-app/main/a.key": b"", "force-app/ignored/b.key": b"", "scripts/c.key": b"",
        "extra/pkg/d.key": b"", "force-app/.hidden.key": b"",
    })
    assert [f.path for f in scan([], tmp_path).findings] == [
        "extra/pkg/d.key", "force-app/main/a.key"]


def test_nested_project_uses_its_own_package_dirs(tmp_path, fake_detector):
    make_tree(tmp_path, {**sfdx_project(("src",)),
                         **{f"sub/{k}": v for k, v in sfdx_project(
                             ("force-app", "extra"), packages=("force-app",)).items()},
                         **{f"eca/{k}": v for k, v in sfdx_project(("eca",), packages=()).items()},
                         "sub/force-app/x.key": b"", "sub/extra/w.key": b"", "src/y.key": b"",
                         "sub/src/z.key": b"", "eca/eca/v.key": b""})
    # only entries that name a package ship; a nested project without one (a deploy-only
    # companion such as subscriber-eca/) ships nothing
    assert [f.path for f in scan([], tmp_path).findings] == ["src/y.key", "sub/force-app/x.key"]


def test_org_development_project_ships_nothing(tmp_path, fake_detector):
    make_tree(tmp_path, {**sfdx_project(("force-app",), packages=()), "force-app/a.key": b""})
    assert scan([], tmp_path).findings == ()


def test_broken_sfdx_project_treats_everything_as_packaged(tmp_path, fake_detector):
    make_tree(tmp_path, {"sfdx-project.json": "{not json", "scripts/c.key": b""})
    result = scan([], tmp_path)
    assert [f.path for f in result.findings] == ["scripts/c.key"]
    assert any("packageDirectories" in n for n in result.notes)


@pytest.mark.parametrize("position", [0, 100, 255, 256 - 3, 256 + 60, 511, 700, 1019])
def test_streamed_file_finds_a_key_across_chunk_boundaries_once(tmp_path, fake_detector,
                                                                  position):
    data = bytearray(b"\n" * 1100)
    data[position:position + len(FAKE)] = FAKE
    make_tree(tmp_path, {"big.bin": bytes(data[:1100])})
    opts = Options(stream_threshold=300, chunk=256, overlap=64)
    result = scan([], tmp_path, opts=opts)
    assert _where(result) == [("big.bin", position + 1, "fake-key")]
    assert result.bytes_scanned == 1100


def test_process_pool_gives_the_serial_result(tmp_path, fake_detector):
    make_tree(tmp_path, {f"d{i % 7}/f{i}.txt": (FAKE if i % 3 == 0 else b"clean") + b"\n"
                         for i in range(300)})
    serial = scan([], tmp_path, opts=Options(jobs=1))
    pooled = scan([], tmp_path, opts=Options(jobs=2))
    assert (serial.scan.options["jobs"], pooled.scan.options["jobs"]) == (1, 2)  # reported
    assert pooled._replace(scan=serial.scan) == serial
    assert len(serial.findings) == 100


def test_missing_path_is_a_usage_error(tmp_path, fake_detector):
    from generator.errors import LintUsageError

    with pytest.raises(LintUsageError, match="no such file"):
        scan([tmp_path / "nope"], tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(
    st.binary(max_size=4096),
    st.builds(lambda p, b: p + b, st.sampled_from([
        b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"-----BEGIN PRIVATE KEY-----\n", b"0\x82",
        b"\xfe\xed\xfe\xed", b"MII", b"{\"kty\":\"RSA\",\"d\":\"", b"\xff\xfe"]),
        st.binary(max_size=2048)),
))
def test_no_detector_raises_on_arbitrary_bytes_inside_the_engine(data):
    """Through the engine (prefilter, archive recursion, streaming): no detector-error."""
    out = Tally()
    Scanner(registry.DEFAULT, Options()).blob(FileContext(Location("x.bin"), "x.bin", True),
                                              data, out)
    for finding in out.findings:
        assert finding.rule_id != DETECTOR_ERROR.id, finding.message
        assert finding.path.startswith("x.bin")


def test_multi_gb_sparse_file_streams_in_bounded_memory(tmp_path):
    """2 GiB of sparse zeros with a real key near the end: found, peak RSS < 150 MB."""
    big = tmp_path / "huge.bin"
    script = textwrap.dedent(f"""
        import json, resource, sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO)!r})
        from tests.keygen import pem, ec_key
        big = Path({str(big)!r})
        size = 2 * 1024 ** 3
        with big.open("wb") as fh:
            fh.truncate(size)
            fh.seek(size - 5000)
            fh.write(b"\\n" + pem(ec_key()))
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        from generator.lint.engine import scan
        result = scan([big], big.parent)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"rules": [f.rule_id for f in result.findings],
                          "bytes": result.bytes_scanned, "peak_kb": peak, "base_kb": base}}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=900)
    import json

    report = json.loads(proc.stdout)
    assert report["rules"] == ["pem-private-key"]
    assert report["bytes"] == 2 * 1024 ** 3
    assert report["peak_kb"] < 150 * 1024, report


def test_staged_blobs_stream_and_archives_open_from_the_index(tmp_path, fake_detector):
    repo = tmp_path / "r"
    big = bytearray(b"\n" * 2000)
    big[1500:1500 + len(FAKE)] = FAKE
    make_tree(repo, {"big.txt": bytes(big), "empty.txt": b"", "a.zip": _zip({"k": FAKE}),
                     "z.txt": FAKE})
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    for name in ("big.txt", "a.zip", "z.txt"):
        (repo / name).write_bytes(b"clean now")
    opts = Options(stream_threshold=300, chunk=256, overlap=64)
    result = scan([], repo, staged=True, opts=opts)
    assert _where(result) == [("a.zip!k", 1, "fake-key"), ("big.txt", 1501, "fake-key"),
                              ("z.txt", 1, "fake-key")]
    assert result.files_scanned == 4
    assert scan([], repo, opts=opts).findings == ()


def test_detectors_carry_no_catch_all_guard():
    """The engine's one guarded call site is the only catch-all: a `scan` that swallowed its own
    exceptions would turn a bug into a clean result, and the property tests that call it could
    never fail."""
    import inspect

    for detector in registry.DETECTORS:
        body = inspect.getsource(detector).split("\ndef scan(", 1)[1].split("\ndef ", 1)[0]
        assert "except" not in body, detector.__name__


def test_a_hit_with_an_unregistered_rule_id_is_an_error_not_a_made_up_rule(tmp_path):
    from generator.lint.finding import Hit
    from generator.lint.ruleset import UnknownRuleError

    def scan_made_up(ctx, data):
        return [Hit("made-up-rule", 0, None, "", "")]

    bad = types.SimpleNamespace(__name__="bad", RULES=(), TRIGGERS=(),
                                wants=lambda ctx, data: True, scan=scan_made_up)
    make_tree(tmp_path, {"a.txt": b"x"})
    with pytest.raises(UnknownRuleError, match="made-up-rule"):
        scan([], tmp_path, rules=registry.build((bad,)), opts=Options(jobs=1))


def test_registry_refuses_one_rule_id_defined_twice():
    from generator.lint.finding import Rule

    twin = types.SimpleNamespace(RULES=(Rule("unreadable-file", "other", "", ""),), TRIGGERS=())
    with pytest.raises(ValueError, match="defined twice"):
        registry.build((twin,))


def test_a_detector_error_in_the_git_index_makes_the_result_incomplete(tmp_path):
    from tests.lint.conftest import RAISING_DETECTOR

    repo = tmp_path / "r"
    make_tree(repo, {"boom.txt": b"BOOM", "ok.txt": b"fine"})
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    result = scan([], repo, staged=True, rules=registry.build((RAISING_DETECTOR,)))
    assert _where(result) == [("boom.txt", 0, "detector-error")]
    assert result.incomplete and not result.unreadable
