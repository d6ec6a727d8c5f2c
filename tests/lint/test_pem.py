"""pem-private-key: every armored form, in every way code hides it; and what is not a key."""

from __future__ import annotations

import base64
import itertools
import os

import keygen as k
import pytest
from corpus_text import ARMORED, HIDINGS, expected_offset, leaks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.lint.base import FileContext
from generator.lint.detectors import pem
from generator.lint.finding import Location

CTX = FileContext(Location("force-app/main/default/classes/K.cls"), "K.cls", True)


def _cases() -> list:
    out = []
    for form, hiding in itertools.product(ARMORED, HIDINGS):
        if form.lines and not hiding.keeps_lines:
            continue  # header lines (Proc-Type, PPK fields) cannot survive line-less joins
        out.append(pytest.param(form, hiding, id=f"{form.id}-{hiding.id}"))
    return out


TRUE_POSITIVES = _cases()


@pytest.mark.parametrize(("form", "hiding"), TRUE_POSITIVES)
def test_finds_armored_key(form, hiding):
    plain = form.make()
    if plain is None:
        pytest.skip(f"{form.id}: generating tool (puttygen/gpg/ssh-keygen) unavailable")
    data = hiding.wrap(plain)
    hits = list(pem.scan(CTX, data))
    expected = expected_offset(data, plain, hiding)
    count, rule_ok = len(hits), all(h.rule_id == "pem-private-key" for h in hits)
    assert count == 1
    assert rule_ok
    offset, key_type = hits[0].offset, hits[0].key_type or ""
    assert offset == expected
    assert form.expect in key_type
    leaked = leaks(hits, plain)
    assert leaked is False


def test_finds_armor_split_across_literals():
    """The evasion people use to silence label scanners (deftai/directive#1077)."""
    lines = k.pem(k.ec_key(), "pkcs1").decode().strip().split("\n")
    data = ("String k = '-----BEGIN EC PRIV' + 'ATE KEY-----\\n' + "
            + " + ".join(f"'{line}\\n'" for line in lines[1:]) + ";").encode()
    summary = [(h.offset, h.key_type) for h in pem.scan(CTX, data)]
    assert summary == [(12, "EC P-256")]


def test_reports_the_line_of_the_key_not_of_ec_parameters():
    data = b"// header\n" + k.ec_with_parameters()
    hits = list(pem.scan(CTX, data))
    line = data[:hits[0].offset].count(b"\n") + 1
    assert line == 5


def test_two_keys_in_one_file_are_two_hits():
    data = k.pem(k.rsa_key(), "pkcs1") + b"\n" + k.pem(k.ec_key())
    fingerprints = {h.fingerprint for h in pem.scan(CTX, data)}
    assert len(fingerprints) == 2


def test_truncated_body_still_counts():
    plain = k.pem(k.rsa_key())
    data = plain[: len(plain) // 2]
    hits = list(pem.scan(CTX, data))
    described = [h.key_type for h in hits]
    assert described == ["RSA 2048 (truncated)"]


def test_same_key_has_same_fingerprint_in_every_form():
    forms = [k.pem(k.rsa_key(), "pkcs1"), k.pem(k.rsa_key()), k.pem(k.rsa_key(), "openssh")]
    prints = {h.fingerprint for data in forms for h in pem.scan(CTX, data)}
    ppk = k.ppk(2)
    if ppk is not None:
        prints |= {h.fingerprint for h in pem.scan(CTX, ppk)}
    assert len(prints) == 1


def test_detail_names_the_unwrapping_chain():
    data = b"<value>" + k.pem(k.ec_key(), "pkcs1").replace(b"\n", b"&#10;") + b"</value>"
    details = [h.detail for h in pem.scan(CTX, data)]
    assert details == ["XML entities > PEM"]


def _random_body(label: str) -> bytes:
    body = base64.encodebytes(b"\x30\x82\x04\xa4" + os.urandom(1188))
    return f"-----BEGIN {label}-----\n".encode() + body + f"-----END {label}-----\n".encode()


def _pgp_public() -> bytes | None:
    blocks = k.pgp_blocks()
    return blocks[1] if blocks else None


def _ssh2_public() -> bytes:
    line = k.ed25519_key().public_key().public_bytes(
        k.Enc.OpenSSH, k.serialization.PublicFormat.OpenSSH).split()[1]
    return (b"---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"test\"\n" + line
            + b"\n---- END SSH2 PUBLIC KEY ----\n")


FALSE_POSITIVES = [
    pytest.param(k.certificate_pem, id="certificate"),
    pytest.param(k.public_pem, id="public-key-spki"),
    pytest.param(lambda: k.public_pem(k.ec_key()), id="public-key-ec"),
    pytest.param(k.csr_pem, id="csr"),
    pytest.param(lambda: k.ed25519_key().public_key().public_bytes(
        k.Enc.OpenSSH, k.serialization.PublicFormat.OpenSSH), id="openssh-public-key"),
    pytest.param(_ssh2_public, id="ssh2-public-key"),
    pytest.param(_pgp_public, id="pgp-public-block"),
    pytest.param(lambda: b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
                 b"-----END EC PARAMETERS-----\n", id="ec-parameters-only"),
    pytest.param(lambda: b"String body = keyContents.replace('-----BEGIN RSA PRIVATE KEY-----', "
                 b"'')\n    .replace('-----END RSA PRIVATE KEY-----', '').replace('\\n', '');\n",
                 id="apex-strips-armor"),
    pytest.param(lambda: b"Paste your key:\n\n```\n-----BEGIN PRIVATE KEY-----\n...\n"
                 b"-----END PRIVATE KEY-----\n```\n", id="markdown-dots"),
    pytest.param(lambda: b'{"key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE '
                 b'KEY-----\\n"}', id="readme-json-dots"),
    pytest.param(lambda: b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj"
                 b"AgEAAoIBAQC...\n-----END PRIVATE KEY-----\n", id="docs-real-prefix-then-dots"),
    pytest.param(lambda: b"-----BEGIN RSA PRIVATE KEY-----\n<redacted>\n"
                 b"-----END RSA PRIVATE KEY-----\n", id="redacted"),
    pytest.param(lambda: b"-----BEGIN RSA PRIVATE KEY-----\n" + b"X" * 64 + b"\n" + b"X" * 64
                 + b"\n-----END RSA PRIVATE KEY-----\n", id="xxxx-body"),
    pytest.param(lambda: b"-----BEGIN PRIVATE KEY-----\n__PASTE_PRIVATE_KEY_HERE__\n"
                 b"-----END PRIVATE KEY-----\n", id="placeholder"),
    pytest.param(lambda: b"const k = '-----BEGIN PRIVATE KEY-----' + '\\n' + process.env.KEY + "
                 b"'\\n' + '-----END PRIVATE KEY-----';  // assembled at run time, 64+ chars",
                 id="armor-around-variable"),
    pytest.param(lambda: b"DENYLIST = (\n  r'BEGIN DSA PRIVATE KEY',\n  r'BEGIN EC PRIVATE KEY',\n"
                 b"  r'BEGIN OPENSSH PRIVATE KEY',\n  r'BEGIN PGP PRIVATE KEY BLOCK',\n"
                 b"  r'PuTTY-User-Key-File-2',\n  r'BEGIN SSH2 ENCRYPTED PRIVATE KEY',\n)\n",
                 id="scanner-denylist-source"),
    pytest.param(lambda: _random_body("RSA PRIVATE KEY"), id="random-der-length-body"),
    pytest.param(lambda: _random_body("OPENSSH PRIVATE KEY"), id="random-openssh-body"),
    pytest.param(lambda: b"PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: docs\n"
                 b"Public-Lines: 6\n...\nPrivate-Lines: 14\n...\n", id="ppk-docs"),
    pytest.param(lambda: b"public with sharing class JwtSigner {\n  // Signs with the subscriber's "
                 b"PRIVATE KEY stored as a Certificate\n  Blob s = Crypto.signWithCertificate("
                 b"'RSA-SHA256', input, 'jwt');\n}\n", id="ordinary-apex"),
    pytest.param(lambda: b'<?xml version="1.0" encoding="UTF-8"?>\n<CustomLabels xmlns="http://soap'
                 b'.sforce.com/2006/04/metadata"><labels><fullName>Key_Help</fullName><value>Upl'
                 b'oad the PRIVATE KEY as a certificate</value></labels></CustomLabels>\n',
                 id="ordinary-xml"),
]


@pytest.mark.parametrize("make", FALSE_POSITIVES)
def test_ignores_non_key(make):
    data = make()
    if data is None:
        pytest.skip("generating tool unavailable")
    count = len(list(pem.scan(CTX, data)))
    assert count == 0


def test_ordinary_file_skips_decoding():
    data = b"public class A { Integer x = 3082; }\n" * 1000
    passes = pem.prefilter(data)
    assert passes is False


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=4096))
def test_never_raises_on_arbitrary_bytes(data):
    assert isinstance(list(pem.scan(CTX, data)), list)


_FRAGMENTS = [b"-----BEGIN RSA PRIVATE KEY-----", b"-----END RSA PRIVATE KEY-----",
              b"PuTTY-User-Key-File-3: ssh-rsa\n", b"Private-Lines: 2\n", b"\\n", b"&#10;",
              b"' +\n '", b"\n", b"Proc-Type: 4,ENCRYPTED\n", b"\xff\xfe", b"\x00"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.one_of(st.integers(0, len(_FRAGMENTS) + 2), st.binary(max_size=40)),
                max_size=30))
def test_mixed_key_fragments_never_raise_nor_leak(parts):
    """Examples are indices and junk only, so a falsifying example never prints key bytes."""
    key = k.pem(k.rsa_key(), "pkcs1")
    pieces = [_FRAGMENTS[p] if isinstance(p, int) and p < len(_FRAGMENTS)
              else key[: 200 * (p - len(_FRAGMENTS) + 1)] if isinstance(p, int) else p
              for p in parts]
    hits = list(pem.scan(CTX, b"".join(pieces)))
    leaked = leaks(hits, key)
    assert leaked is False
