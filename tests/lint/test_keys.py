"""keys.py: structure decides what is private-key material; descriptions and fingerprints."""

from __future__ import annotations

import base64
import os
import re

import keygen as k
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.lint import keys
from generator.lint.finding import fingerprint

SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


def _spki_fp(key) -> str:
    return fingerprint(key.public_key().public_bytes(k.Enc.DER, SPKI))


def _body(pem_bytes: bytes) -> bytes:
    text = re.sub(rb"-----[^-]+-----|\s", b"", pem_bytes)
    return base64.b64decode(text)


TRUE_POSITIVES = [
    pytest.param(lambda: k.der(k.rsa_key(), "pkcs1"), "RSA 2048", False, id="rsa-pkcs1"),
    pytest.param(lambda: k.der(k.rsa_key()), "RSA 2048", False, id="rsa-pkcs8"),
    pytest.param(lambda: k.der(k.rsa_key(4096)), "RSA 4096", False, id="rsa-4096-pkcs8"),
    pytest.param(lambda: k.der(k.rsa_key(), password=k.PASSWORD), "encrypted PKCS#8", True,
                 id="rsa-encrypted-pkcs8"),
    pytest.param(lambda: k.der(k.ec_key(), "pkcs1"), "EC P-256", False, id="ec-sec1"),
    pytest.param(lambda: k.der(k.ec_key()), "EC P-256", False, id="ec-pkcs8"),
    pytest.param(lambda: k.der(k.ec_key("secp384r1")), "EC P-384", False, id="ec-p384-pkcs8"),
    pytest.param(lambda: k.der(k.ed25519_key()), "Ed25519", False, id="ed25519-pkcs8"),
    pytest.param(lambda: k.der(k.dsa_key(), "pkcs1"), "DSA 2048", False, id="dsa-openssl"),
    pytest.param(lambda: k.der(k.dsa_key()), "DSA 2048", False, id="dsa-pkcs8"),
    pytest.param(lambda: k.der(k.ed25519_key(), password=k.PASSWORD), "encrypted PKCS#8", True,
                 id="ed25519-encrypted-pkcs8"),
]


@pytest.mark.parametrize(("make", "kind", "encrypted"), TRUE_POSITIVES)
def test_classifies_private_der(make, kind, encrypted):
    info = keys.classify_der(make())
    assert info is not None
    assert (info.kind, info.encrypted, info.truncated) == (kind, encrypted, False)


def _csr_der() -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_csr(k.csr_pem()).public_bytes(k.Enc.DER)


FALSE_POSITIVES = [
    pytest.param(lambda: k.certificate().public_bytes(k.Enc.DER), id="certificate"),
    pytest.param(lambda: k.rsa_key().public_key().public_bytes(k.Enc.DER, SPKI), id="spki-rsa"),
    pytest.param(lambda: k.ec_key().public_key().public_bytes(k.Enc.DER, SPKI), id="spki-ec"),
    pytest.param(lambda: k.rsa_key().public_key().public_bytes(
        k.Enc.DER, serialization.PublicFormat.PKCS1), id="pkcs1-public"),
    pytest.param(_csr_der, id="csr"),
    pytest.param(lambda: k.p12(), id="pkcs12"),
    pytest.param(lambda: bytes.fromhex("06082a8648ce3d030107"), id="ec-parameters"),
    pytest.param(lambda: b"\x30\x82\x04\xbd" + os.urandom(1213), id="random-30-82-blob"),
    pytest.param(lambda: b"\x30\x82\x04\xbd\x02\x01\x00" + os.urandom(1210), id="random-after-v0"),
    pytest.param(lambda: os.urandom(1217), id="random"),
    pytest.param(lambda: b"", id="empty"),
    pytest.param(lambda: k.der(k.rsa_key())[:600], id="truncated-without-opt-in"),
    pytest.param(lambda: k.der(k.rsa_key()) + b"\x00", id="trailing-byte"),
]


@pytest.mark.parametrize("make", FALSE_POSITIVES)
def test_rejects_non_key_der(make):
    info = keys.classify_der(make())
    assert info is None


def test_truncated_prefix_needs_opt_in_and_real_material():
    der = k.der(k.rsa_key())
    info = keys.classify_der(der[:600], truncated_ok=True)
    assert info is not None
    assert info.describe() == "RSA 2048 (truncated)"
    header_only = keys.classify_der(der[:40], truncated_ok=True)
    assert header_only is None


def test_fingerprint_is_the_public_key_in_every_encoding():
    key = k.rsa_key()
    expected = _spki_fp(key)
    prints = {
        keys.classify_der(k.der(key, "pkcs1")).fingerprint,
        keys.classify_der(k.der(key)).fingerprint,
        keys.classify_openssh(_body(k.pem(key, "openssh"))).fingerprint,
    }
    assert prints == {expected}


def test_openssh_blob_type_and_encryption():
    info = keys.classify_openssh(_body(k.pem(k.ed25519_key(), "openssh")))
    assert (info.kind, info.encrypted) == ("OpenSSH Ed25519", False)
    ec_info = keys.classify_openssh(_body(k.pem(k.ec_key(), "openssh")))
    assert ec_info.kind == "OpenSSH EC P-256"
    encrypted = k.openssh_encrypted()
    if encrypted is not None:
        enc_info = keys.classify_openssh(_body(encrypted))
        assert enc_info.describe() == "OpenSSH Ed25519 (encrypted)"
    assert keys.classify_openssh(b"openssh-key-v2\x00") is None


def test_pgp_secret_packet_vs_public_packet():
    blocks = k.pgp_blocks()
    if blocks is None:
        pytest.skip("gpg unavailable")
    private, public = (_body(b.split(b"\n\n", 1)[1].rsplit(b"\n=", 1)[0]) for b in blocks)
    info = keys.classify_pgp(private)
    assert info is not None
    assert (info.kind, info.encrypted) == ("OpenPGP RSA 2048", False)
    assert keys.classify_pgp(public) is None


def test_secsh_payload():
    text = k.sshcom_private()
    if text is None:
        pytest.skip("puttygen unavailable")
    body = b"".join(line for line in text.splitlines()[1:-1] if b":" not in line)
    info = keys.classify_secsh(base64.b64decode(body))
    assert info is not None
    assert (info.kind, info.encrypted) == ("SSH2 RSA", False)


def test_describe_does_not_repeat_encrypted():
    info = keys.KeyInfo("encrypted PKCS#8", "sha256:0", True)
    assert info.describe() == "encrypted PKCS#8"
    assert keys.KeyInfo("Ed25519", "sha256:0", True, True).describe() == \
        "Ed25519 (encrypted, truncated)"


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2048))
def test_classifiers_never_raise(data):
    for fn in (keys.classify_der, keys.classify_openssh, keys.classify_pgp, keys.classify_secsh):
        fn(data)
    keys.classify_der(b"\x30\x82" + data, truncated_ok=True)
    keys.classify_openssh(keys.OPENSSH_MAGIC + data)
    keys.classify_secsh(keys.SECSH_MAGIC + data)
    keys.ssh_public_info(data)
