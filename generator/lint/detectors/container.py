"""Binary key containers, by content whatever the file name: bare DER, PKCS#12, JKS/JCEKS.

PKCS#12: the bag OIDs (keyBag, pkcs8ShroudedKeyBag, secretBag) are read without the password
from the plaintext `data` parts of the AuthenticatedSafe (where OpenSSL, cryptography, Java
keytool, Windows and NSS put keys). Opaque parts are opened with cryptography and a few
well-known passwords. A file whose only opaque parts are `encryptedData` and which cannot be
opened is the certificate-only layout of every mainstream writer (cert bags are the ones they
password-encrypt) and is NOT reported; any other layout that cannot be opened (signedData
integrity mode, envelopedData, broken structure) is reported as "possibly with a private key".
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

from generator.lint.asn1 import BerItem, ber_children, ber_item, encode_oid, octets
from generator.lint.base import FileContext, Wants
from generator.lint.finding import Hit, Rule, Severity, fingerprint
from generator.lint.keys import OPENSSL_CURVES, KeyInfo, classify_der

DER = Rule(
    id="der-private-key",
    summary="Binary DER private key (PKCS#1, PKCS#8, encrypted PKCS#8, SEC1, DSA)",
    why="A private key in the repository or package lets anyone sign as you; it ships to "
    "every subscriber and stays in git history.",
    fix="Delete the file, purge it from git history, and rotate the key (new certificate).",
)
PKCS12 = Rule(
    id="pkcs12-private-key",
    summary="PKCS#12 (.p12/.pfx, any name) holding a private or secret key",
    why="A PKCS#12 password is usually weak or default; the key inside is a leaked key.",
    fix="Remove the file, purge it from history and rotate the key. Ship only the public "
    "certificate, never a keystore.",
)
KEYSTORE = Rule(
    id="keystore-private-key",
    summary="Java keystore (JKS/JCEKS) with a PrivateKeyEntry or SecretKeyEntry",
    why="Salesforce 'Export to Keystore' writes the org's private key into a JKS file; "
    "keystore passwords are weak and the key inside is a leaked key.",
    fix="Remove the keystore, purge it from history and rotate the certificate in Setup.",
)
UNREADABLE = Rule(
    id="container-unreadable",
    summary="PKCS#12 or Java keystore that could not be read (truncated, corrupt, or a layout "
    "that cannot be opened without its password)",
    why="A private key inside cannot be ruled out, and the file may still ship or be copied.",
    fix="Remove the file if it is a broken copy; otherwise keep keystores out of the "
    "repository (a CI secret or a vault) and ship only public certificates.",
    severity=Severity.WARNING,
)
RULES: tuple[Rule, ...] = (DER, PKCS12, KEYSTORE, UNREADABLE)

_P12_PASSWORDS: tuple[bytes | None, ...] = (None, b"", b"changeit", b"changeme", b"password")


_DATA = encode_oid("1.2.840.113549.1.7.1")
_SIGNED = encode_oid("1.2.840.113549.1.7.2")
_ENCRYPTED = encode_oid("1.2.840.113549.1.7.6")
_BAG = "1.2.840.113549.1.12.10.1."
_KEY_BAG, _SHROUDED, _SECRET, _NESTED = (encode_oid(_BAG + n) for n in "1256")

class _P12:
    """What a PKCS#12 walk found (filled in as it goes)."""

    __slots__ = ("end", "keys", "odd", "opaque", "truncated")

    def __init__(self, keys: list[tuple[str, KeyInfo | None]], end: int = 0,
                 truncated: bool = False) -> None:
        self.keys = keys  # (bag kind, classification)
        self.end = end  # length of the PFX in the file
        self.opaque = 0  # encryptedData parts
        self.odd = False  # a part or layout this reader cannot see into
        self.truncated = truncated  # the file ends inside the PFX


def _pfx(data: bytes) -> _P12 | None:
    """PKCS#12 PFX shape (version 3, ContentInfo) or None; never raises. Trailing bytes after
    the PFX are ignored; a truncated PFX is reported from the key-bag OIDs it still shows."""
    try:
        top = ber_item(data, 0)
        if top is None:
            return _truncated_pfx(data)
        if top[0] != 0x30:
            return None
        data = data[: top[3]]
        kids = ber_children(data, top)
        if not kids or len(kids) < 2 or data[kids[0][1] : kids[0][2]] != b"\x03":
            return None
        info = ber_children(data, kids[1])
        if not info or info[0][0] != 0x06:
            return None
        oid = data[info[0][1] : info[0][2]]
        if oid not in (_DATA, _SIGNED):
            return None
        found = _P12([], end=top[3])
        wrapped = ber_children(data, info[1]) if len(info) > 1 and info[1][0] == 0xA0 else None
        safe = octets(data, wrapped[0]) if oid == _DATA and wrapped else None
        if safe is None:
            found.odd = True
            return found
        _auth_safe(safe, found)
        return found
    except (IndexError, ValueError, RecursionError):
        return None


def _truncated_pfx(data: bytes) -> _P12 | None:
    head = data[:32]
    if data[:1] != b"\x30" or b"\x02\x01\x03\x30" not in head[:10]:
        return None
    if _DATA not in head and _SIGNED not in head:
        return None
    found = _P12([], end=len(data), truncated=True)
    found.odd = True
    for oid, bag in (
        (_SHROUDED, "pkcs8ShroudedKeyBag"),
        (_KEY_BAG, "keyBag"),
        (_SECRET, "secretBag"),
    ):
        if b"\x06" + bytes([len(oid)]) + oid in data:
            found.keys.append((bag, None))
    return found


def _tagged(buf: bytes, found: _P12) -> Iterator[tuple[bytes, list[BerItem] | None]]:
    """(OID, contents of the [0] wrapper or None) of each `SEQUENCE { OID, [0] ... }` in the
    SEQUENCE at the start of buf (ContentInfos, SafeBags); anything else marks `found.odd`."""
    top = ber_item(buf, 0)
    items = ber_children(buf, top) if top and top[0] == 0x30 else None
    if items is None:
        found.odd = True
        return
    for item in items:
        kids = ber_children(buf, item)
        if not kids or kids[0][0] != 0x06:
            found.odd = True
            continue
        wrapped = ber_children(buf, kids[1]) if len(kids) > 1 and kids[1][0] == 0xA0 else None
        yield buf[kids[0][1] : kids[0][2]], wrapped


def _auth_safe(buf: bytes, found: _P12) -> None:
    for oid, wrapped in _tagged(buf, found):
        if oid == _DATA and wrapped and (contents := octets(buf, wrapped[0])) is not None:
            _bags(contents, found, 0)
        elif oid == _ENCRYPTED:
            found.opaque += 1
        else:
            found.odd = True


def _bags(buf: bytes, found: _P12, depth: int) -> None:
    for oid, value in _tagged(buf, found):
        if oid == _KEY_BAG:
            found.keys.append(("keyBag", _classify_bag(buf, value)))
        elif oid == _SHROUDED:
            found.keys.append(("pkcs8ShroudedKeyBag", _classify_bag(buf, value)))
        elif oid == _SECRET:
            found.keys.append(("secretBag", None))
        elif oid == _NESTED and value and depth < 4:
            _bags(buf[value[0][4] : value[0][3]], found, depth + 1)


def _classify_bag(buf: bytes, value: list[BerItem] | None) -> KeyInfo | None:
    if not value:
        return None
    return classify_der(buf[value[0][4] : value[0][3]])


def _key_info(key: object) -> KeyInfo | None:
    """Classify a loaded private key through classify_der (same kind and fingerprint)."""
    from cryptography.hazmat.primitives import serialization

    try:
        der = key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    except Exception:  # noqa: BLE001 - unsupported key type: no refinement
        return None
    return classify_der(der)


def _open_p12(data: bytes) -> tuple[bool, KeyInfo | None] | None:
    """(has a key, its info) when a well-known password opens the file, else None."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    for password in _P12_PASSWORDS:
        try:
            loaded = pkcs12.load_pkcs12(data, password)
        except Exception:  # noqa: BLE001, S112 - wrong password or unsupported: try the next
            continue
        return loaded.key is not None, _key_info(loaded.key) if loaded.key else None
    return None


def _scan_p12(data: bytes, found: _P12) -> Iterator[Hit]:
    if not found.keys and not found.odd and not found.opaque:
        return  # fully readable, certificates only
    if found.truncated:  # a broken copy: no key can be read from it, but one may have been
        bags = ", ".join(bag for bag, _ in found.keys) or "no key bag visible"
        yield Hit(UNREADABLE.id, 0, "PKCS#12 (truncated)", fingerprint(data),
                  f"PKCS#12 > truncated file ({bags})")
        return
    opened = _open_p12(data[: found.end])
    if found.keys:
        for bag, info in found.keys:
            best = opened[1] if opened and opened[1] else info
            kind = f"PKCS#12 {best.kind}" if best else f"PKCS#12 {bag}"
            fp = best.fingerprint if best else fingerprint(data)
            yield Hit(PKCS12.id, 0, kind, fp, f"PKCS#12 > {bag}")
        return
    if opened is not None:
        if opened[0]:
            info = opened[1]
            kind = f"PKCS#12 {info.kind}" if info else "PKCS#12 private key"
            fp = info.fingerprint if info else fingerprint(data)
            yield Hit(
                PKCS12.id, 0, kind, fp, "PKCS#12 opened with a well-known password"
            )
        return
    if found.odd:
        yield Hit(UNREADABLE.id, 0, "PKCS#12, possibly with a private key (could not open)",
                  fingerprint(data), "PKCS#12 > unreadable layout")
    # opaque encryptedData only: the certificate-only layout (see module docstring)


def _public_kind(cert_der: bytes) -> tuple[str, str] | None:
    """(kind, fingerprint of the SubjectPublicKeyInfo) from an X.509 certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        pub = x509.load_der_x509_certificate(cert_der).public_key()
        spki = pub.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except Exception:  # noqa: BLE001 - unsupported or broken certificate
        return None
    size = getattr(pub, "key_size", None)
    curve = getattr(pub, "curve", None)
    name = type(pub).__name__.removeprefix("_").replace("PublicKey", "")
    if curve is not None:
        kind = f"EC {OPENSSL_CURVES.get(curve.name, curve.name)}"
    else:
        kind = f"{name} {size}" if size else name
    return kind, fingerprint(spki)


_JKS_MAGIC = {b"\xfe\xed\xfe\xed": "JKS", b"\xce\xce\xce\xce": "JCEKS"}


class _Reader:
    def __init__(self, buf: bytes, pos: int) -> None:
        self.buf, self.pos = buf, pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.buf):
            raise ValueError("truncated")
        self.pos += n
        return self.buf[self.pos - n : self.pos]

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def utf(self) -> None:
        self.take(int(struct.unpack(">H", self.take(2))[0]))


def _scan_keystore(data: bytes, store: str) -> Iterator[Hit]:
    rd = _Reader(data, 4)
    try:
        version, count = rd.u32(), rd.u32()
        if version not in (1, 2):
            raise ValueError("version")
        for _ in range(count):
            at, tag = rd.pos, rd.u32()
            rd.utf()
            rd.take(8)
            if tag == 2:  # trustedCertEntry
                if version == 2:
                    rd.utf()
                rd.take(rd.u32())
            elif tag == 1:  # PrivateKeyEntry: protected key, then the certificate chain
                key = classify_der(rd.take(rd.u32()))
                chain = rd.u32()
                first = None
                for i in range(chain):
                    if version == 2:
                        rd.utf()
                    cert = rd.take(rd.u32())
                    first = _public_kind(cert) if i == 0 else first
                kind = first[0] if first else (key.kind if key else "private key")
                fp = first[1] if first else (key.fingerprint if key else fingerprint(data))
                yield Hit(
                    KEYSTORE.id, at, f"{store} {kind}", fp, f"{store} > PrivateKeyEntry"
                )
            elif tag == 3 and store == "JCEKS":  # SecretKeyEntry: a serialized SealedObject
                yield Hit(
                    KEYSTORE.id,
                    at,
                    "JCEKS secret key",
                    fingerprint(data),
                    "JCEKS > SecretKeyEntry",
                )
                return  # its Java-serialized length cannot be skipped reliably
            else:
                raise ValueError("entry tag")
    except (ValueError, struct.error):
        yield Hit(
            UNREADABLE.id,
            rd.pos,
            f"{store}, possibly with a private key (could not parse)",
            fingerprint(data),
            f"{store} > unreadable entry",
        )


def _der_length_ok(data: bytes) -> bool:
    """Cheap gate: a SEQUENCE header (short form: fits the file, maybe with trailing bytes)."""
    if len(data) < 32 or data[0] != 0x30:
        return False
    first = data[1]
    return first == 0x80 or 0x81 <= first <= 0x84 or first + 2 <= len(data)


TRIGGERS: tuple[bytes, ...] = ()  # decided on the first bytes alone: see `wants`
WANTS = Wants(head=rb"\xfe\xed\xfe\xed|\xce\xce\xce\xce|\x30")  # _JKS_MAGIC, a DER SEQUENCE


def wants(ctx: FileContext, data: bytes) -> bool:
    """A keystore magic or a DER SEQUENCE header at offset 0 (what `scan` looks at)."""
    del ctx
    return data[:4] in _JKS_MAGIC or _der_length_ok(data)


def scan(ctx: FileContext, data: bytes) -> Iterable[Hit]:
    """Hits for DER keys, PKCS#12 and Java keystores in one blob. Never raises."""
    return list(_scan(data))


def _scan(data: bytes) -> Iterator[Hit]:
    store = _JKS_MAGIC.get(data[:4])
    if store is not None:
        yield from _scan_keystore(data, store)
        return
    if not _der_length_ok(data):
        return
    found = _pfx(data)
    if found is not None:
        yield from _scan_p12(data, found)
        return
    for blob in (data, data.rstrip(b"\r\n\t \0")):
        info = classify_der(blob, truncated_ok=True)
        if info is not None:
            detail = "binary DER" + (" (truncated)" if info.truncated else "")
            yield Hit(DER.id, 0, info.kind, info.fingerprint, detail)
            return
