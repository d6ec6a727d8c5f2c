"""base64-private-key / hex-private-key: unarmored key material, and what is not a key."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import keygen as k
import pytest
from corpus_text import leaks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.lint.base import FileContext
from generator.lint.codec import MAX_LAYERS
from generator.lint.detectors import encoded
from generator.lint.finding import Location

CTX = FileContext(Location("force-app/main/default/classes/JwtSigner.cls"), "JwtSigner.cls", True)
B64 = "base64-private-key"
HEX = "hex-private-key"


@dataclass(frozen=True)
class Der:
    id: str
    make: Callable[[], bytes]
    expect: str


DERS = (
    Der("rsa-pkcs8", lambda: k.der(k.rsa_key()), "RSA 2048"),
    Der("rsa-pkcs1", lambda: k.der(k.rsa_key(), "pkcs1"), "RSA 2048"),
    Der("rsa-encrypted-pkcs8", lambda: k.der(k.rsa_key(), password=k.PASSWORD),
        "encrypted PKCS#8"),
    Der("ec-p256-sec1", lambda: k.der(k.ec_key(), "pkcs1"), "EC P-256"),
    Der("ec-p256-pkcs8", lambda: k.der(k.ec_key()), "EC P-256"),
    Der("ed25519-pkcs8", lambda: k.der(k.ed25519_key()), "Ed25519"),
    Der("dsa-pkcs8", lambda: k.der(k.dsa_key()), "DSA 2048"),
)


def _b64(d: bytes) -> str:
    return base64.b64encode(d).decode()


def _chunks(s: str, n: int) -> list[str]:
    return [s[i:i + n] for i in range(0, len(s), n)]


# (id, rule, wrap(der) -> (data, text at which the hit must point))
Wrap = Callable[[bytes], tuple[bytes, bytes]]
B64_WRAPS: tuple[tuple[str, Wrap], ...] = (
    ("apex-base64decode", lambda d: (
        f"Blob key = EncodingUtil.base64Decode('{_b64(d)}');\n".encode(), _b64(d)[:8].encode())),
    ("apex-crypto-sign", lambda d: (
        f"public class S {{\n  static final String K = '{_b64(d)}';\n  Blob s = Crypto.sign("
        f"'RSA-SHA256', input, EncodingUtil.base64Decode(K));\n}}\n".encode(),
        _b64(d)[:8].encode())),
    ("base64url-json", lambda d: (
        ('{"k": "' + base64.urlsafe_b64encode(d).decode().rstrip("=") + '"}').encode(),
        base64.urlsafe_b64encode(d)[:8])),
    ("dotenv", lambda d: (f"A=1\nJWT_KEY_DER={_b64(d)}\n".encode(), _b64(d)[:8].encode())),
    ("xml-value", lambda d: (
        f"<CustomMetadata><values><value>{_b64(d)}</value></values></CustomMetadata>".encode(),
        _b64(d)[:8].encode())),
    ("wrapped-64-columns-no-armor", lambda d: (
        ("\n".join(_chunks(_b64(d), 64)) + "\n").encode(), _b64(d)[:8].encode())),
    ("apex-concatenation", lambda d: (
        ("String k = " + " +\n    ".join(f"'{c}'" for c in _chunks(_b64(d), 50)) + ";\n").encode(),
        _b64(d)[:8].encode())),
    ("utf16le-file", lambda d: (
        f"key = '{_b64(d)}'\r\n".encode("utf-16"), _b64(d)[:8].encode("utf-16-le"))),
)
HEX_WRAPS: tuple[tuple[str, Wrap], ...] = (
    ("apex-convertfromhex", lambda d: (
        f"Blob key = EncodingUtil.convertFromHex('{d.hex()}');\n".encode(), d.hex()[:8].encode())),
    ("uppercase-hex", lambda d: (f"KEY={d.hex().upper()}\n".encode(),
                                 d.hex()[:8].upper().encode())),
)


def _service_account(pem_bytes: bytes) -> bytes:
    return json.dumps({"type": "service_account", "project_id": "acme",
                       "private_key_id": "0123abcd", "private_key": pem_bytes.decode(),
                       "client_email": "ci@acme.iam.gserviceaccount.com"}).encode()


def _google_b64(pem_bytes: bytes) -> tuple[bytes, bytes]:
    text = base64.b64encode(_service_account(pem_bytes))
    return b"GOOGLE_CREDENTIALS_B64=" + text + b"\n", text[:8]


def _docker_auth(pem_bytes: bytes) -> tuple[bytes, bytes]:
    auth = base64.b64encode(b"_json_key:" + _service_account(pem_bytes))
    doc = json.dumps({"auths": {"gcr.io": {"auth": auth.decode()}}}, indent=2).encode()
    return doc, auth[:8]


def _pem_b64(pem_bytes: bytes, lead: bytes = b"") -> tuple[bytes, bytes]:
    text = base64.b64encode(lead + pem_bytes)
    return b"  PRIVATE_KEY_B64: " + text + b"\n", text[:8]


PEM_WRAPS = (
    pytest.param(lambda: _pem_b64(k.pem(k.rsa_key(), "pkcs1")), "RSA 2048", id="pem-b64-ci-secret"),
    pytest.param(lambda: _pem_b64(k.pem(k.ec_key()), b"\n"), "EC P-256", id="pem-b64-offset-1"),
    pytest.param(lambda: _pem_b64(k.pem(k.ec_key()), b"\r\n"), "EC P-256", id="pem-b64-offset-2"),
    pytest.param(lambda: (base64.encodebytes(k.pem(k.ed25519_key(), "openssh")),
                          base64.b64encode(b"-----")[:4]), "OpenSSH Ed25519",
                 id="pem-b64-wrapped-76"),
    pytest.param(lambda: _pem_b64(k.pem(k.rsa_key(), password=k.PASSWORD)), "encrypted PKCS#8",
                 id="pem-b64-encrypted"),
    pytest.param(lambda: (b"body = '" + b"".join(k.pem(k.ed25519_key(), "openssh").splitlines()[
        1:-1]) + b"'", b"b3BlbnNz"), "OpenSSH Ed25519", id="openssh-body-no-armor"),
    # nested layers: base64 of JSON holding a PEM with \n escapes, base64 of base64
    pytest.param(lambda: _google_b64(k.pem(k.rsa_key())), "RSA 2048",
                 id="base64-of-service-account-json"),
    pytest.param(lambda: _docker_auth(k.pem(k.ec_key())), "EC P-256",
                 id="docker-config-auth-json-key"),
    pytest.param(lambda: _pem_b64(base64.b64encode(k.pem(k.rsa_key()))), "RSA 2048",
                 id="base64-of-base64-pem"),
    pytest.param(lambda: _pem_b64(base64.b64encode(k.pem(k.ec_key())), b"JWT_KEY_B64="),
                 "EC P-256", id="base64-of-env-file-with-base64-pem"),
)

TRUE_POSITIVES = [
    *(pytest.param(der, wrap, B64, id=f"{der.id}-{wid}")
      for der, (wid, wrap) in itertools.product(DERS, B64_WRAPS)),
    *(pytest.param(der, wrap, HEX, id=f"{der.id}-{wid}")
      for der, (wid, wrap) in itertools.product(DERS, HEX_WRAPS)),
]


@pytest.mark.parametrize(("der", "wrap", "rule"), TRUE_POSITIVES)
def test_finds_unarmored_der(der, wrap, rule):
    key = der.make()
    data, at = wrap(key)
    expected = data.index(at)
    hits = list(encoded.scan(CTX, data))
    summary = [(h.rule_id, h.offset) for h in hits]
    assert summary == [(rule, expected)]
    key_type = hits[0].key_type or ""
    assert der.expect in key_type
    leaked = leaks(hits, base64.b64encode(key)) or leaks(hits, key.hex().encode())
    assert leaked is False


@pytest.mark.parametrize(("make", "expect"), PEM_WRAPS)
def test_finds_base64_of_whole_pem(make, expect):
    data, at = make()
    expected = data.index(at)
    hits = list(encoded.scan(CTX, data))
    summary = [(h.rule_id, h.offset) for h in hits]
    assert summary == [(B64, expected)]
    key_type = hits[0].key_type or ""
    assert expect in key_type


def test_detail_names_the_chain():
    d = k.der(k.ec_key())
    data = ("String k = " + " +\n  ".join(f"'{c}'" for c in _chunks(_b64(d), 40)) + ";").encode()
    details = [h.detail for h in encoded.scan(CTX, data)]
    assert details == ["string concatenation > base64 > DER"]


def test_nested_layers_name_their_chain():
    data, _ = _google_b64(k.pem(k.rsa_key()))
    assert [h.detail for h in encoded.scan(CTX, data)] == ["base64 > string escapes > PEM"]


def test_nesting_is_bounded():
    """MAX_LAYERS text layers at most: deeper nesting is not decoded (and costs nothing)."""
    text = k.pem(k.ec_key())
    for _ in range(MAX_LAYERS + 1):
        text = base64.b64encode(text)
    assert list(encoded.scan(CTX, b"K=" + text + b"\n")) == []


def test_base64_json_without_a_key_is_clean():
    doc = json.dumps({"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\n"
                      "...\n-----END PRIVATE KEY-----\n"}).encode()
    assert list(encoded.scan(CTX, b"GOOGLE_CREDENTIALS_B64=" + base64.b64encode(doc))) == []


def test_armored_pem_is_left_to_the_pem_detector():
    for pem_bytes in (k.pem(k.rsa_key()), k.pem(k.ec_key(), "pkcs1"),
                      k.pem(k.ed25519_key(), "openssh")):
        count = len(list(encoded.scan(CTX, pem_bytes)))
        assert count == 0


def _random_der_b64() -> bytes:
    return base64.b64encode(b"\x30\x82\x04\xbd\x02\x01\x00" + os.urandom(1210))


FALSE_POSITIVES = [
    pytest.param(lambda: base64.b64encode(k.certificate().public_bytes(k.Enc.DER)),
                 id="certificate-b64"),
    pytest.param(lambda: k.certificate().public_bytes(k.Enc.DER).hex().encode(),
                 id="certificate-hex"),
    pytest.param(lambda: base64.b64encode(k.rsa_key().public_key().public_bytes(
        k.Enc.DER, k.serialization.PublicFormat.SubjectPublicKeyInfo)), id="public-key-b64"),
    pytest.param(lambda: base64.b64encode(k.certificate_pem()), id="certificate-pem-b64"),
    pytest.param(lambda: base64.b64encode(k.public_pem()), id="public-pem-b64"),
    pytest.param(lambda: base64.b64encode(b"-----BEGIN PRIVATE KEY-----\n...\n"
                                          b"-----END PRIVATE KEY-----\n"), id="docs-pem-b64"),
    pytest.param(lambda: b"'" + _random_der_b64() + b"'", id="random-der-length-b64"),
    pytest.param(lambda: b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC...",
                 id="doc-prefix"),
    pytest.param(lambda: b"MII" + base64.b64encode(os.urandom(900)), id="random-mii"),
    pytest.param(lambda: ("\n".join(hashlib.sha256(str(i).encode()).hexdigest()
                                    for i in range(200))).encode(), id="sha256-digests"),
    pytest.param(lambda: ("30" + hashlib.sha512(b"x").hexdigest()).encode(), id="sha512-with-30"),
    pytest.param(lambda: b"Id u = '0055g00000A1b2cAAA'; Id o = '00D5g000004SbEXEA0';",
                 id="salesforce-ids"),
    pytest.param(lambda: b"30" + os.urandom(600).hex().encode(), id="random-hex-30"),
    pytest.param(lambda: b"<img src=\"data:image/png;base64," + base64.b64encode(
        b"\x89PNG\r\n\x1a\n" + os.urandom(800)) + b"\">", id="data-uri-png"),
    pytest.param(lambda: b"public class MIGRATION_HANDLER_FOR_ACCOUNTS_AND_CONTACTS_V2 {}",
                 id="identifier-starting-mi"),
    pytest.param(lambda: b"<fields><fullName>Consumer_Key__c</fullName><length>255</length>"
                 b"<type>Text</type></fields>\n" * 50, id="ordinary-xml"),
    pytest.param(lambda: b"import { LightningElement } from 'lwc';\nexport default class A extends "
                 b"LightningElement { count = 3082; }\n", id="ordinary-lwc"),
]


@pytest.mark.parametrize("make", FALSE_POSITIVES)
def test_ignores_non_key(make):
    count = len(list(encoded.scan(CTX, make())))
    assert count == 0


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=4096))
def test_never_raises_on_arbitrary_bytes(data):
    assert isinstance(list(encoded.scan(CTX, data)), list)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.one_of(st.integers(0, 7), st.binary(max_size=40)), max_size=20))
def test_mixed_fragments_never_raise_nor_leak(parts):
    """Examples are indices and junk only, so a falsifying example never prints key bytes."""
    text = base64.b64encode(k.der(k.ec_key()))
    frags = [text, text[:90], text[90:], k.der(k.ec_key()).hex().encode(), b"' +\n'", b"\n",
             b"\x00", base64.b64encode(k.pem(k.ec_key()))]
    pieces = [frags[p] if isinstance(p, int) else p for p in parts]
    hits = list(encoded.scan(CTX, b"".join(pieces)))
    leaked = leaks(hits, text)
    assert leaked is False
