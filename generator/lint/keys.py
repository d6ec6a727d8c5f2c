"""Decide on structure whether bytes are private-key material, and describe them.

Shared by every detector (pem, encoded, container). Contract:

(Contract: .notes/lint-contract.md. `truncated` and the keyword `truncated_ok` are additions
with defaults, so `KeyInfo(kind, fingerprint, encrypted)` and `classify_der(der)` hold as agreed.)

- `classify_der(der, *, truncated_ok=False) -> KeyInfo | None`: PKCS#1 RSA, DSA (OpenSSL), SEC1 EC,
  PKCS#8 PrivateKeyInfo (v1/v2, known key OIDs), PKCS#8 EncryptedPrivateKeyInfo (PBES1/PBES2/
  PKCS#12 PBE/JKS OIDs). Strict DER: definite lengths that exactly fill the buffer, the right tags
  in the right order. Certificates, public keys, CSRs, PKCS#7/#12, signatures and random `30 82 ...`
  blobs give None. With `truncated_ok`, a DER prefix whose structure is right so far (and that
  holds enough non-constant bytes past the fixed header) is accepted with `truncated=True`.
- `classify_openssh(blob)`, `classify_pgp(blob)`, `classify_secsh(blob)`: the binary payloads of
  `openssh-key-v1`, OpenPGP secret-key packets (tag 5/7) and ssh.com SECSH (magic 3f6ff9eb).
- `ssh_public_info(blob) -> (key_type, fingerprint)` for an SSH wire-format public key blob.
- `CURVES`: the one table of elliptic curves (OID, SSH, OpenSSL and JWK names, scalar size).

Nothing here keeps or returns key bytes: `KeyInfo` holds descriptions and a fingerprint only.
"""

from __future__ import annotations

import base64
import struct
from typing import NamedTuple

from generator.lint.asn1 import (
    DerItem,
    der_children,
    der_item,
    encode_oid,
    int_bits,
    int_value,
)
from generator.lint.finding import fingerprint

# `cryptography` is imported inside the two functions that refine a fingerprint: only files
# that hold key material pay its ~40 ms import (a pre-commit run on clean files never does).


class KeyInfo(NamedTuple):
    """What was recognised; never key bytes.

    `kind`: "RSA 2048", "EC P-256", "Ed25519", "DSA 2048", "encrypted PKCS#8", "OpenSSH Ed25519",
    "OpenPGP RSA 3072", "SSH2 RSA", ... `fingerprint`: finding.fingerprint() of the public-key DER
    when derivable, else of the material. `truncated`: only a prefix of the structure was present.
    """

    kind: str
    fingerprint: str
    encrypted: bool
    truncated: bool = False

    def describe(self) -> str:
        """One short label for Hit.key_type: "RSA 2048", "encrypted PKCS#8",
        "OpenSSH Ed25519 (encrypted)", "RSA 2048 (truncated)"."""
        encrypted = self.encrypted and "encrypted" not in self.kind
        flags = [n for n, on in (("encrypted", encrypted), ("truncated", self.truncated)) if on]
        return f"{self.kind} ({', '.join(flags)})" if flags else self.kind


_KEY_OIDS = {encode_oid(k): v for k, v in {
    "1.2.840.113549.1.1.1": "RSA", "1.2.840.113549.1.1.10": "RSA-PSS",
    "1.2.840.10045.2.1": "EC", "1.2.840.10040.4.1": "DSA", "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448", "1.3.101.110": "X25519", "1.3.101.111": "X448",
    "1.2.840.113549.1.3.1": "DH", "1.2.840.10046.2.1": "DH", "1.2.156.10197.1.301": "SM2",
}.items()}


class Curve(NamedTuple):
    """One curve under every name the key formats give it."""

    name: str  # how reports name it ("P-256"); also its JWK `crv`
    oid: str = ""  # namedCurve OID in SEC1/PKCS#8 parameters ("" for OKP curves)
    ssh: str = ""  # OpenSSH `ecdsa-sha2-<ssh>` name
    openssl: str = ""  # cryptography/OpenSSL name reported as `name` (else printed as is)
    scalar: int = 0  # private scalar size in bytes (JWK `d`), 0 when JWK checks do not apply
    jwk_ec: bool = False  # a JWK EC curve whose public key cryptography loads


CURVES: tuple[Curve, ...] = (
    Curve("P-256", "1.2.840.10045.3.1.7", "nistp256", "secp256r1", 32, jwk_ec=True),
    Curve("P-384", "1.3.132.0.34", "nistp384", "secp384r1", 48, jwk_ec=True),
    Curve("P-521", "1.3.132.0.35", "nistp521", "secp521r1", 66, jwk_ec=True),
    Curve("secp256k1", "1.3.132.0.10", scalar=32),
    Curve("P-192", "1.2.840.10045.3.1.1"),
    Curve("P-224", "1.3.132.0.33"),
    Curve("Ed25519", scalar=32),
    Curve("X25519", scalar=32),
    Curve("Ed448", scalar=57),
    Curve("X448", scalar=56),
)
_CURVES = {encode_oid(c.oid): c.name for c in CURVES if c.oid}
_SSH_CURVES = {c.ssh.encode(): c.name for c in CURVES if c.ssh}
OPENSSL_CURVES = {c.openssl: c.name for c in CURVES if c.openssl}
# PBES2, PBES1 (1.2.840.113549.1.5.x), PKCS#12 PBE (1.2.840.113549.1.12.1.x), the Sun JKS key
# protector and JCEKS PBEWithMD5AndTripleDES.
_PBE_PREFIXES = (encode_oid("1.2.840.113549.1.5.1")[:-1],
                 encode_oid("1.2.840.113549.1.12.1.1")[:-1],
                 encode_oid("1.3.6.1.4.1.42.2.17.1.1"), encode_oid("1.3.6.1.4.1.42.2.19.1"))

def _size_label(bits: int) -> str:
    """Round a measured modulus size to the usual nominal size (2047 -> 2048)."""
    return str((bits + 7) // 8 * 8 if bits % 8 else bits)


def _is_int(item: DerItem) -> bool:
    return item[0] == 0x02


def _rsa_type(buf: bytes, kids: list[DerItem]) -> str | None:
    """PKCS#1 RSAPrivateKey: version, n, e, d, p, q, dp, dq, qinv [, otherPrimeInfos]."""
    if not all(_is_int(k) for k in kids[:9]) or len(kids) < 2:
        return None
    bits = int_bits(buf, kids[1])
    if bits < 256:
        return None
    if len(kids) > 2 and kids[2][2] <= len(buf) and kids[2][2] - kids[2][1] > 8:
        return None  # a DSA p/q, not an RSA public exponent
    return f"RSA {_size_label(bits)}"


def _params_type(buf: bytes, alg: str, params: DerItem | None) -> str:
    if params is None or params[2] > len(buf):
        return alg
    if alg == "EC" and params[0] == 0x06:
        return "EC " + _CURVES.get(buf[params[1]:params[2]], "curve")
    if alg == "DSA" and params[0] == 0x30:
        inner = der_children(buf, params[1], params[2], False)
        if inner:
            return f"DSA {_size_label(int_bits(buf, inner[0]))}"
    return alg


_Shape = tuple[str, str | None, bool]  # (form, key_type, encrypted)


def _structure(der: bytes, truncated: bool) -> _Shape | None:
    """(form, key_type, encrypted) when the DER has a private-key shape."""
    top = der_item(der, 0)
    if top is None or top[0] != 0x30:
        return None
    kids = der_children(der, top[1], top[2], truncated)
    if not kids:
        return None
    if kids[0][0] == 0x30:
        return _encrypted_pkcs8(der, kids, truncated)
    version = int_value(der, kids[0])
    if version is None or len(kids) < 2:
        return None
    if kids[1][0] == 0x30 and version in (0, 1):
        return _pkcs8(der, kids, truncated)
    if kids[1][0] == 0x04 and version == 1:
        return _sec1(der, kids, truncated)
    if version not in (0, 1) or not all(_is_int(k) for k in kids):
        return None
    return _pkcs1_or_dsa(der, kids, version, truncated)


def _encrypted_pkcs8(der: bytes, kids: list[DerItem], truncated: bool) -> _Shape | None:
    """EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }"""
    alg = der_children(der, kids[0][1], kids[0][2], truncated)
    if not alg or alg[0][0] != 0x06 or alg[0][2] > len(der):
        return None
    oid = der[alg[0][1]:alg[0][2]]
    if not any(oid.startswith(p) for p in _PBE_PREFIXES):
        return None
    if not truncated and (len(kids) != 2 or kids[1][0] != 0x04):
        return None
    if truncated and (len(kids) < 2 or kids[1][0] != 0x04):
        return None
    return "encrypted PKCS#8", None, True


def _pkcs8(der: bytes, kids: list[DerItem], truncated: bool) -> _Shape | None:
    """PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING [, attributes, public key]."""
    complete = not truncated
    alg = der_children(der, kids[1][1], kids[1][2], truncated)
    if not alg or alg[0][0] != 0x06 or alg[0][2] > len(der):
        return None
    name = _KEY_OIDS.get(der[alg[0][1]:alg[0][2]])
    if name is None or (complete and (len(kids) < 3 or kids[2][0] != 0x04)):
        return None
    if len(kids) > 2 and kids[2][0] != 0x04:
        return None
    if complete and any(k[0] not in (0xA0, 0x81, 0xA1) for k in kids[3:]):
        return None
    key_type = _params_type(der, name, alg[1] if len(alg) > 1 else None)
    inner_top = der_item(der, kids[2][1]) if name.startswith("RSA") and len(kids) > 2 else None
    if inner_top is not None and inner_top[0] == 0x30:
        inner = der_children(der, inner_top[1], inner_top[2], inner_top[2] > len(der))
        if inner:
            key_type = _rsa_type(der, inner) or key_type
    return "PKCS#8", key_type, False


def _sec1(der: bytes, kids: list[DerItem], truncated: bool) -> _Shape | None:
    """SEC1 ECPrivateKey: version 1, OCTET STRING [, [0] parameters, [1] public key]."""
    if kids[1][2] <= len(der) and not 16 <= kids[1][2] - kids[1][1] <= 72:
        return None
    if not truncated and any(k[0] not in (0xA0, 0xA1) for k in kids[2:]):
        return None
    params = der_children(der, kids[2][1], kids[2][2], False) if len(kids) > 2 \
        and kids[2][0] == 0xA0 else None
    return "SEC1", _params_type(der, "EC", params[0] if params else None), False


def _pkcs1_or_dsa(der: bytes, kids: list[DerItem], version: int,
                  truncated: bool) -> _Shape | None:
    """A SEQUENCE of INTEGERs: PKCS#1 RSAPrivateKey, or OpenSSL's DSA (v, p, q, g, y, x)."""
    complete = not truncated
    if complete and len(kids) == 6 and version == 0:
        return "DSA", f"DSA {_size_label(int_bits(der, kids[1]))}", False
    if complete and len(kids) != 9:
        return None
    rsa = _rsa_type(der, kids)
    if rsa is None:
        return ("DSA", f"DSA {_size_label(int_bits(der, kids[1]))}", False) if truncated \
            and len(kids) > 2 and int_bits(der, kids[1]) >= 512 else None
    return "PKCS#1", rsa, False


def _plausible_prefix(der: bytes) -> bool:
    """A truncated body must carry real material past the ~40-byte universal header."""
    tail = der[40:]
    return len(tail) >= 24 and len(set(tail)) >= 16


def _public_fingerprint(der: bytes) -> str | None:
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_der_private_key(der, None, unsafe_skip_rsa_key_validation=True)
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except Exception:  # noqa: BLE001 - any parse failure only means "no refined fingerprint"
        return None
    return fingerprint(spki)


def classify_der(der: bytes, *, truncated_ok: bool = False) -> KeyInfo | None:
    """Private-key DER (see module docstring), or None. Never raises."""
    try:
        top = der_item(der, 0)
        if len(der) < 32 or top is None:
            return None
        truncated = top[2] > len(der)
        if top[2] != len(der) and not (truncated and truncated_ok):
            return None
        if truncated and not _plausible_prefix(der):
            return None
        shape = _structure(der, truncated)
    except (IndexError, ValueError):
        return None
    if shape is None:
        return None
    form, key_type, encrypted = shape
    fp = None if truncated or encrypted else _public_fingerprint(der)
    return KeyInfo(key_type or form, fp or fingerprint(der), encrypted, truncated)


# --- SSH wire format -------------------------------------------------------------------------

def _ssh_string(buf: bytes, pos: int) -> tuple[bytes, int] | None:
    if pos + 4 > len(buf):
        return None
    (n,) = struct.unpack_from(">I", buf, pos)
    if pos + 4 + n > len(buf):
        return None
    return buf[pos + 4:pos + 4 + n], pos + 4 + n




def ssh_public_info(blob: bytes) -> tuple[str | None, str]:
    """(key type, fingerprint) of an SSH public key blob (`ssh-rsa`, `ssh-ed25519`, ...)."""
    got = _ssh_string(blob, 0)
    if got is None:
        return None, fingerprint(blob)
    name, pos = got
    key_type: str | None = None
    if name in (b"ssh-rsa", b"ssh-dss"):
        first = _ssh_string(blob, pos)
        second = _ssh_string(blob, first[1]) if first else None
        mod = second[0] if name == b"ssh-rsa" and second else first[0] if first else b""
        bits = int.from_bytes(mod, "big").bit_length()
        key_type = f"{'RSA' if name == b'ssh-rsa' else 'DSA'} {_size_label(bits)}"
    elif name.startswith(b"ecdsa-sha2-"):
        key_type = "EC " + _SSH_CURVES.get(name[11:], name[11:].decode("ascii", "replace"))
    elif name in (b"ssh-ed25519", b"ssh-ed448"):
        key_type = "Ed25519" if name == b"ssh-ed25519" else "Ed448"
    elif name.startswith(b"sk-"):
        key_type = "security key " + name[3:].split(b"@")[0].decode("ascii", "replace")
    from cryptography.hazmat.primitives import serialization

    try:
        line = name + b" " + base64.b64encode(blob)
        spki = serialization.load_ssh_public_key(line).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return key_type, fingerprint(spki)
    except Exception:  # noqa: BLE001 - unsupported or truncated: fall back to the blob
        return key_type, fingerprint(blob)


def _join(form: str, key_type: str | None) -> str:
    return f"{form} {key_type}" if key_type else form


OPENSSH_MAGIC = b"openssh-key-v1\x00"


def classify_openssh(blob: bytes) -> KeyInfo | None:
    """The decoded body of an OpenSSH private key (`openssh-key-v1\\0` ...). Truncated bodies
    count once the cipher name is readable."""
    if not blob.startswith(OPENSSH_MAGIC):
        return None
    cipher = _ssh_string(blob, len(OPENSSH_MAGIC))
    if cipher is None or len(cipher[0]) > 64:
        return None
    encrypted = cipher[0] != b"none"
    kdf = _ssh_string(blob, cipher[1])
    opts = _ssh_string(blob, kdf[1]) if kdf else None
    pub = _ssh_string(blob, opts[1] + 4) if opts else None
    if pub is None:
        return KeyInfo("OpenSSH", fingerprint(blob), encrypted, True)
    key_type, fp = ssh_public_info(pub[0])
    truncated = _ssh_string(blob, pub[1]) is None
    return KeyInfo(_join("OpenSSH", key_type), fp, encrypted, truncated)


SECSH_MAGIC = b"\x3f\x6f\xf9\xeb"


def classify_secsh(blob: bytes) -> KeyInfo | None:
    """ssh.com / SECSH private key payload: magic, total length, key type, cipher, data."""
    if not blob.startswith(SECSH_MAGIC) or len(blob) < 16:
        return None
    kind = _ssh_string(blob, 8)
    cipher = _ssh_string(blob, kind[1]) if kind else None
    if kind is None or cipher is None:
        return KeyInfo("SSH2", fingerprint(blob), True, True)
    name = kind[0]
    key_type = "RSA" if name.startswith(b"if-modn") else "DSA" if name.startswith(b"dl-modp") \
        else None
    (total,) = struct.unpack_from(">I", blob, 4)
    return KeyInfo(_join("SSH2", key_type), fingerprint(blob), cipher[0] != b"none",
                   total > len(blob))


# --- OpenPGP ---------------------------------------------------------------------------------

_PGP_ALGS = {1: "RSA", 2: "RSA", 3: "RSA", 16: "ElGamal", 17: "DSA", 18: "ECDH", 19: "ECDSA",
             22: "EdDSA", 25: "X25519", 26: "X448", 27: "Ed25519", 28: "Ed448"}


def _pgp_packet(blob: bytes) -> tuple[int, int, int] | None:
    """(tag, body start, body stop) of the first packet."""
    if len(blob) < 2 or not blob[0] & 0x80:
        return None
    b = blob[0]
    if b & 0x40:  # new format
        tag, first = b & 0x3F, blob[1]
        if first < 192:
            return tag, 2, 2 + first
        if first < 224 and len(blob) > 2:
            return tag, 3, 3 + ((first - 192) << 8) + blob[2] + 192
        if first == 255 and len(blob) >= 6:
            return tag, 6, 6 + int.from_bytes(blob[2:6], "big")
        return None
    tag, ltype = (b >> 2) & 0x0F, b & 3
    size = (1, 2, 4, 0)[ltype]
    if size == 0 or len(blob) < 1 + size:
        return None
    return tag, 1 + size, 1 + size + int.from_bytes(blob[1:1 + size], "big")


def _pgp_public_end(body: bytes, pos: int, alg: int) -> int | None:
    """Skip the public key material of a v4 key packet; return the offset after it."""
    def mpi(p: int) -> int:
        return p + 2 + (int.from_bytes(body[p:p + 2], "big") + 7) // 8
    if alg in (1, 2, 3):
        return mpi(mpi(pos))
    if alg == 17:
        return mpi(mpi(mpi(mpi(pos))))
    if alg == 16:
        return mpi(mpi(mpi(pos)))
    if alg in (19, 22):
        return mpi(pos + 1 + body[pos])
    if alg == 18:
        p = mpi(pos + 1 + body[pos])
        return p + 1 + body[p]
    return None


def classify_pgp(blob: bytes) -> KeyInfo | None:
    """OpenPGP transferable secret key: first packet is a secret key (5) or subkey (7)."""
    try:
        packet = _pgp_packet(blob)
        if packet is None or packet[0] not in (5, 7):
            return None
        tag, start, stop = packet
        body = blob[start:min(stop, len(blob))]
        if len(body) < 6 or body[0] not in (3, 4, 5, 6):
            return None
        version, alg = body[0], body[5]
        key_type = _PGP_ALGS.get(alg)
        if key_type is None:
            return None
        if alg in (1, 2, 3):
            key_type = f"RSA {_size_label(int.from_bytes(body[6:8], 'big'))}"
        pos = 10 if version in (5, 6) else 6
        end = _pgp_public_end(body, pos, alg) if version == 4 else None
        encrypted = end is not None and end < len(body) and body[end] != 0
        public = body[:end] if end is not None else body[:6]
        return KeyInfo(_join("OpenPGP", key_type), fingerprint(public), encrypted, stop > len(blob))
    except IndexError:
        return None
