"""container.py: bare DER keys, PKCS#12 and Java keystores, by content whatever the name."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.lint.base import FileContext
from generator.lint.detectors import container
from generator.lint.finding import Location
from generator.lint.keys import classify_der
from tests import keygen

Enc = serialization.Encoding
CTX = FileContext(Location("force-app/main/default/staticresources/jwt.resource"),
                  "jwt.resource", True)
KEYTOOL = shutil.which("keytool")
needs_keytool = pytest.mark.skipif(KEYTOOL is None, reason="keytool (Java) not installed")


def _spki_fp(key) -> str:
    info = classify_der(keygen.der(key))
    assert info is not None
    return info.fingerprint


def _keytool(*args: str) -> None:
    subprocess.run([KEYTOOL or "keytool", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def stores(tmp_path_factory) -> dict[str, bytes]:
    """Java keystores made by the real keytool: key pairs, secret keys, trust-only stores."""
    if KEYTOOL is None:
        pytest.skip("keytool (Java) not installed")
    tmp = tmp_path_factory.mktemp("keytool")
    ca = str(tmp / "ca.pem")
    (tmp / "ca.pem").write_bytes(keygen.certificate_pem())
    rsa_alg = ("-keyalg", "RSA", "-keysize", "2048")
    ec_alg = ("-keyalg", "EC", "-groupname", "secp256r1")
    dname = ("-dname", "CN=scaffold test", "-validity", "30")
    pw = "Xq7-pw-unknown"

    def pair(store: str, alg: tuple[str, ...], password: str) -> tuple[str, ...]:
        return (
            "-genkeypair",
            "-storetype",
            store,
            "-storepass",
            password,
            "-keypass",
            password,
            "-alias",
            "jwt",
            *alg,
            *dname,
        )

    def trust(store: str, password: str) -> tuple[str, ...]:
        return (
            "-importcert",
            "-noprompt",
            "-storetype",
            store,
            "-storepass",
            password,
            "-alias",
            "ca",
            "-file",
            ca,
        )

    def secret(store: str) -> tuple[str, ...]:
        return (
            "-genseckey",
            "-storetype",
            store,
            "-storepass",
            pw,
            "-keypass",
            pw,
            "-alias",
            "aes",
            "-keyalg",
            "AES",
            "-keysize",
            "128",
        )

    jobs: dict[str, list[tuple[str, ...]]] = {
        "JKS-rsa": [pair("JKS", rsa_alg, pw)],
        "JCEKS-ec": [pair("JCEKS", ec_alg, "changeit")],
        "PKCS12-rsa": [pair("PKCS12", rsa_alg, pw)],
        "PKCS12-ec": [pair("PKCS12", ec_alg, "changeit")],
        "JCEKS-secret": [secret("JCEKS")],
        "PKCS12-secret": [secret("PKCS12")],
        # Salesforce "Export to Keystore" style: a trusted cert, then the org key pair
        "JKS-mixed": [trust("JKS", pw), pair("JKS", rsa_alg, pw)],
    }
    for store in ("JKS", "JCEKS", "PKCS12"):
        for password in (pw, "changeit"):
            jobs[f"{store}-trust-{password}"] = [trust(store, password)]

    def run(name: str) -> tuple[str, bytes]:
        path = tmp / name
        for args in jobs[name]:
            _keytool(*args, "-keystore", str(path))
        return name, path.read_bytes()

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, jobs))


def _p12_default_pw() -> bytes:
    key = keygen.ec_key()
    enc = serialization.BestAvailableEncryption(b"changeit")
    return pkcs12.serialize_key_and_certificates(b"jwt", key, keygen.certificate(key), None, enc)


# (case id, builder, expected rule, expected key_type substring)
TRUE_POSITIVES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("der-pkcs8-rsa", lambda: keygen.der(keygen.rsa_key()), "der-private-key", "RSA 2048"),
    ("der-pkcs1-rsa", lambda: keygen.der(keygen.rsa_key(), "pkcs1"), "der-private-key", "RSA"),
    ("der-sec1-ec", lambda: keygen.der(keygen.ec_key(), "pkcs1"), "der-private-key", "EC P-256"),
    ("der-pkcs8-ec384", lambda: keygen.der(keygen.ec_key("secp384r1")), "der-private-key", "P-384"),
    ("der-ed25519", lambda: keygen.der(keygen.ed25519_key()), "der-private-key", "Ed25519"),
    ("der-dsa", lambda: keygen.der(keygen.dsa_key()), "der-private-key", "DSA"),
    (
        "der-encrypted",
        lambda: keygen.der(keygen.rsa_key(), password=keygen.PASSWORD),
        "der-private-key",
        "encrypted",
    ),
    (
        "der-trailing-newline",
        lambda: keygen.der(keygen.rsa_key()) + b"\n",
        "der-private-key",
        "RSA",
    ),
    ("der-truncated", lambda: keygen.der(keygen.rsa_key())[:700], "der-private-key", "RSA"),
    ("p12-password", lambda: keygen.p12(), "pkcs12-private-key", "PKCS#12"),
    ("p12-no-password", lambda: keygen.p12(None), "pkcs12-private-key", "RSA 2048"),
    ("p12-default-password", _p12_default_pw, "pkcs12-private-key", "EC P-256"),
    ("p12-trailing-bytes", lambda: keygen.p12(None) + b"\n", "pkcs12-private-key", "RSA 2048"),
    ("p12-truncated", lambda: keygen.p12()[:-200], "container-unreadable", "truncated"),
]

FALSE_POSITIVES: list[tuple[str, Callable[[], bytes]]] = [
    ("certificate-der", lambda: keygen.certificate().public_bytes(Enc.DER)),
    (
        "public-key-der",
        lambda: (
            keygen.rsa_key()
            .public_key()
            .public_bytes(Enc.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        ),
    ),
    (
        "public-key-pkcs1-der",
        lambda: serialization.load_pem_public_key(keygen.public_pem()).public_bytes(
            Enc.DER, serialization.PublicFormat.PKCS1
        ),
    ),
    ("csr-der", lambda: x509.load_pem_x509_csr(keygen.csr_pem()).public_bytes(Enc.DER)),
    ("p12-cert-only-password", lambda: keygen.p12(with_key=False)),
    ("p12-cert-only-no-password", lambda: keygen.p12(None, with_key=False)),
    ("pem-text", lambda: keygen.pem(keygen.rsa_key())),  # text detectors' job, not ours
    ("random-30-82", lambda: b"\x30\x82\x01\x00" + bytes(range(256))),
    ("digits-text", lambda: b"0123456789\n" * 20),
    ("empty", lambda: b""),
    ("apex", lambda: b"public with sharing class JwtSigner {\n}\n"),
]


@pytest.mark.parametrize(
    ("case", "build", "rule", "kind"), TRUE_POSITIVES, ids=[c[0] for c in TRUE_POSITIVES]
)
def test_true_positives(case, build, rule, kind):
    hits = list(container.scan(CTX, build()))
    assert [h.rule_id for h in hits] == [rule], case
    assert kind in (hits[0].key_type or ""), case


@pytest.mark.parametrize(("case", "build"), FALSE_POSITIVES, ids=[c[0] for c in FALSE_POSITIVES])
def test_false_positives(case, build):
    assert list(container.scan(CTX, build())) == [], case


def test_der_fingerprint_is_the_public_key_fingerprint():
    key = keygen.rsa_key()
    (pkcs8,) = container.scan(CTX, keygen.der(key))
    (pkcs1,) = container.scan(CTX, keygen.der(key, "pkcs1"))
    (p12,) = container.scan(CTX, keygen.p12(None))
    assert pkcs8.fingerprint == pkcs1.fingerprint == p12.fingerprint == _spki_fp(key)


def test_p12_opened_with_default_password_names_key_and_fingerprint():
    (hit,) = container.scan(CTX, _p12_default_pw())
    assert hit.fingerprint == _spki_fp(keygen.ec_key())


def test_renamed_p12_found_by_content():
    ctx = FileContext(Location("force-app/main/default/staticresources/cert.resource"),
                      "cert.resource", True)
    assert [h.rule_id for h in container.scan(ctx, keygen.p12())] == ["pkcs12-private-key"]


def test_p12_unreadable_layout_is_reported_as_unreadable_container():
    # A PFX whose authSafe is PKCS#7 signedData (public-key integrity mode): cannot be opened.
    def tlv(tag: int, content: bytes) -> bytes:
        return bytes([tag, len(content)]) + content

    signed_data = tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, bytes(range(40))))
    auth_safe = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d010702")) + tlv(0xA0, signed_data))
    data = tlv(0x30, tlv(0x02, b"\x03") + auth_safe)
    (hit,) = container.scan(CTX, data)
    assert hit.rule_id == "container-unreadable"
    assert "possibly" in (hit.key_type or "")


@needs_keytool
@pytest.mark.parametrize("name", ["JKS-rsa", "JCEKS-ec", "JKS-mixed"])
def test_keytool_keystores_with_private_key(stores, name):
    hits = list(container.scan(CTX, stores[name]))
    assert [h.rule_id for h in hits] == ["keystore-private-key"]
    assert ("EC P-256" if name.endswith("-ec") else "RSA 2048") in (hits[0].key_type or "")
    assert hits[0].offset > 0


@needs_keytool
@pytest.mark.parametrize("name", ["PKCS12-rsa", "PKCS12-ec", "PKCS12-secret"])
def test_keytool_pkcs12_keystores(stores, name):
    hits = list(container.scan(CTX, stores[name]))
    assert [h.rule_id for h in hits] == ["pkcs12-private-key"]


@needs_keytool
def test_keytool_default_password_pkcs12_gives_public_fingerprint(stores):
    (hit,) = container.scan(CTX, stores["PKCS12-ec"])
    assert hit.key_type == "PKCS#12 EC P-256"


@needs_keytool
def test_jceks_secret_key_entry(stores):
    (hit,) = container.scan(CTX, stores["JCEKS-secret"])
    assert hit.rule_id == "keystore-private-key"
    assert hit.detail == "JCEKS > SecretKeyEntry"


@needs_keytool
@pytest.mark.parametrize("store", ["JKS", "JCEKS", "PKCS12"])
@pytest.mark.parametrize("pw", ["Xq7-pw-unknown", "changeit"])
def test_trust_only_keystores_are_clean(stores, store, pw):
    assert list(container.scan(CTX, stores[f"{store}-trust-{pw}"])) == []


@needs_keytool
def test_truncated_keystore_is_not_a_silent_pass(stores):
    data = stores["JKS-trust-changeit"]
    (hit,) = container.scan(CTX, data[: len(data) // 2])
    assert hit.rule_id == "container-unreadable"
    assert "possibly" in (hit.key_type or "")


def test_unreadable_container_is_a_warning():
    assert container.UNREADABLE.severity.value == "warning"
    assert container.PKCS12.severity.value == "error"


def test_hits_never_carry_key_bytes():
    key_der = keygen.der(keygen.rsa_key())
    for data in (key_der, keygen.p12(None), keygen.p12()):
        for hit in container.scan(CTX, data):
            text = repr(hit).encode()
            assert key_der[-40:] not in text
            assert all(part not in text for part in (b"MII", b"PRIVATE"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_scan_never_raises(data):
    list(container.scan(CTX, data))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([b"\x30\x82", b"\x30\x80", b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce"]),
    st.binary(max_size=2048),
)
def test_scan_never_raises_on_container_prefixes(head, tail):
    list(container.scan(CTX, head + tail))


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=2000))
def test_scan_never_raises_on_truncated_p12(cut):
    list(container.scan(CTX, keygen.p12()[:cut]))


def test_ordinary_files_are_not_parsed():
    # container looks at the first bytes only: text never starts with a DER or keystore header
    for data in (b"public class A {}\n" * 50_000, b"<?xml version='1.0'?><a/>", b"", b"0 items\n"):
        assert container.wants(CTX, data) is False
        assert list(container.scan(CTX, data)) == []
