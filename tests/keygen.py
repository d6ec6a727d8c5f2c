"""Key material generated at test time with `cryptography`. Nothing here is ever committed.

Every function is cached, so a whole test session makes each key once.
"""

from __future__ import annotations

import datetime
import functools

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = b"correct horse battery staple"
Enc = serialization.Encoding
Fmt = serialization.PrivateFormat


@functools.cache
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def ec_key(curve: str = "secp256r1") -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key({"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1()}[curve])


@functools.cache
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@functools.cache
def dsa_key() -> dsa.DSAPrivateKey:
    return dsa.generate_private_key(key_size=2048)


def _enc(password: bytes | None) -> serialization.KeySerializationEncryption:
    if password is None:
        return serialization.NoEncryption()
    return serialization.BestAvailableEncryption(password)


def pem(key, fmt: str = "pkcs8", password: bytes | None = None) -> bytes:
    """fmt: pkcs8, pkcs1 (RSA/DSA/EC 'traditional'), openssh."""
    f = {"pkcs8": Fmt.PKCS8, "pkcs1": Fmt.TraditionalOpenSSL, "openssh": Fmt.OpenSSH}[fmt]
    return key.private_bytes(Enc.PEM, f, _enc(password))


def der(key, fmt: str = "pkcs8", password: bytes | None = None) -> bytes:
    f = {"pkcs8": Fmt.PKCS8, "pkcs1": Fmt.TraditionalOpenSSL}[fmt]
    return key.private_bytes(Enc.DER, f, _enc(password))


@functools.cache
def certificate(key=None) -> x509.Certificate:
    key = key or rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scaffold test")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def certificate_pem(key=None) -> bytes:
    return certificate(key).public_bytes(Enc.PEM)


def public_pem(key=None) -> bytes:
    key = key or rsa_key()
    return key.public_key().public_bytes(Enc.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def csr_pem(key=None) -> bytes:
    key = key or rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scaffold test")])
    return x509.CertificateSigningRequestBuilder().subject_name(name).sign(
        key, hashes.SHA256()).public_bytes(Enc.PEM)


def p12(password: bytes | None = PASSWORD, with_key: bool = True) -> bytes:
    key = rsa_key()
    enc = _enc(password)
    if with_key:
        return pkcs12.serialize_key_and_certificates(b"jwt", key, certificate(key), None, enc)
    return pkcs12.serialize_key_and_certificates(b"jwt", None, None, [certificate(key)], enc)
