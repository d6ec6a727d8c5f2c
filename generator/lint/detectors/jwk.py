"""JSON Web Keys with private members, in any text: .json, JWKS, Apex/JS strings, XML-escaped.

A JWK is private when (RFC 7517/7518) kty is RSA/EC/OKP and `d` decodes as base64url of the
size its key type requires (RSA also by `p` and `q`), or when kty is `oct` and `k` holds at
least 128 bits: a symmetric JWK is a shared signing/encryption secret, as harmful as a private
key, so it is reported under the same rule. Public JWKs (n/e, x/y, x only) are never reported.
Objects are found around each `kty` by brace matching; quotes may be JSON, JS, Apex, escaped
(`\\"`) or XML entities (`&quot;`), separators `:`, `=` or `=>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from generator.lint.base import FileContext, Wants
from generator.lint.codec import b64decode_exact
from generator.lint.finding import Hit, Rule, fingerprint
from generator.lint.keys import CURVES

RULE = Rule(
    id="jwk-private-key",
    summary="JSON Web Key with private members (d, p, q, ...) or a symmetric `oct` key (k)",
    why="A private JWK is the private key itself; whoever reads it can sign JWT assertions "
    "as your integration user.",
    fix="Remove the private members (keep only the public JWK or JWKS), purge the file from "
    "history and rotate the key.",
)
RULES: tuple[Rule, ...] = (RULE,)

_Q = rb"(?:\\{0,3}[\"']|&quot;|&#34;)?"
_SEP = rb"\s*(?::|=>?)\s*"
_KTY = re.compile(rb"(?<![A-Za-z0-9_$])" + _Q + rb"kty" + _Q + _SEP + _Q + rb"(RSA|EC|OKP|oct)\b")
_MEMBER = re.compile(
    rb"(?<![A-Za-z0-9_$\-])"
    + _Q
    + rb"(crv|d|p|q|dp|dq|qi|k|n|e|x|y)"
    + _Q
    + _SEP
    + _Q
    + rb"([A-Za-z0-9_\-+/]{2,8192}={0,2})"
)
_WINDOW = 65536
# Private scalar sizes in bytes (EC/OKP), leniency of one byte for stripped leading zeros.
_D_SIZES = {c.name.encode(): c.scalar for c in CURVES if c.scalar}
_EC_CURVES = {c.name.encode(): c.openssl for c in CURVES if c.jwk_ec}  # crv -> OpenSSL name
_OKP_CURVES = tuple(c.name.encode() for c in CURVES if not c.oid and c.scalar)


def _okp_loader(crv: bytes) -> Callable[[bytes], object]:
    """`cryptography` is imported only once a private JWK has been found."""
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519, x448, x25519

    loaders: dict[bytes, Callable[[bytes], object]] = {
        b"Ed25519": ed25519.Ed25519PublicKey.from_public_bytes,
        b"Ed448": ed448.Ed448PublicKey.from_public_bytes,
        b"X25519": x25519.X25519PublicKey.from_public_bytes,
        b"X448": x448.X448PublicKey.from_public_bytes,
    }
    return loaders[crv]


def _material(value: bytes | None, low: int, high: int) -> bytes | None:
    """Decoded bytes when they look like key material of a plausible size (not a placeholder)."""
    raw = b64decode_exact(value) if value is not None else None
    if raw is None or not low <= len(raw) <= high:
        return None
    return raw if len(set(raw)) >= min(len(raw) // 3, 12) else None


def _enclosing_open(data: bytes, pos: int) -> int:
    """Index of the `{` that encloses pos (at most _WINDOW back), or -1."""
    depth, i, lo = 0, pos, max(0, pos - _WINDOW)
    while True:
        brace = max(data.rfind(b"{", lo, i), data.rfind(b"}", lo, i))
        if brace < 0:
            return -1
        if data[brace] == 0x7D:  # "}" closes a sibling object
            depth += 1
        elif depth == 0:
            return brace
        else:
            depth -= 1
        i = brace


def _enclosing_close(data: bytes, pos: int) -> int:
    """Index of the `}` that closes the object around pos (at most _WINDOW ahead), or -1."""
    depth, i, hi = 0, pos, min(len(data), pos + _WINDOW)
    while True:
        found = [x for x in (data.find(b"{", i, hi), data.find(b"}", i, hi)) if x >= 0]
        if not found:
            return -1
        brace = min(found)
        if data[brace] == 0x7B:  # "{" opens a nested object
            depth += 1
        elif depth == 0:
            return brace
        else:
            depth -= 1
        i = brace + 1


def _object(data: bytes, pos: int) -> tuple[int, int]:
    start = _enclosing_open(data, pos)
    end = _enclosing_close(data, pos) if start >= 0 else -1
    if end > pos:
        return start, end + 1
    return max(0, pos - 4096), min(len(data), pos + 8192)  # YAML or unbalanced text


def _public_fp(kty: bytes, members: dict[bytes, tuple[int, bytes]]) -> str | None:
    def get(name: bytes) -> bytes | None:
        return b64decode_exact(members[name][1]) if name in members else None

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        key: object
        n, e, x, y = get(b"n"), get(b"e"), get(b"x"), get(b"y")
        crv = members.get(b"crv", (0, b""))[1]
        if kty == b"RSA" and n and e:
            key = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), int.from_bytes(n, "big"))
            key = key.public_key()
        elif kty == b"EC" and x and y and crv in _EC_CURVES:
            curve: ec.EllipticCurve = getattr(ec, _EC_CURVES[crv].upper())()
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve
            )
            key = numbers.public_key()
        elif kty == b"OKP" and x and crv in _OKP_CURVES:
            key = _okp_loader(crv)(x)
        else:
            return None
        spki = key.public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except Exception:  # noqa: BLE001 - inconsistent public members: fall back
        return None
    return fingerprint(spki)


def _judge(kty: bytes, members: dict[bytes, tuple[int, bytes]]) -> tuple[str, bytes] | None:
    """(key type, secret bytes) when the object holds private material."""

    def value(name: bytes) -> bytes | None:
        return members[name][1] if name in members else None

    crv = members.get(b"crv", (0, b""))[1]
    if kty == b"oct":
        k = _material(value(b"k"), 16, 1024)
        return (f"oct {len(k) * 8}-bit secret", k) if k else None
    if kty == b"RSA":
        d = _material(value(b"d"), 64, 2048)
        p, q = _material(value(b"p"), 32, 1024), _material(value(b"q"), 32, 1024)
        secret = d or (p + q if p and q else None)
        n = b64decode_exact(value(b"n") or b"")
        bits = len(n) * 8 if n and len(n) >= 64 else len(d or b"") * 8 or len(secret or b"") * 4
        return (f"RSA {bits}", secret) if secret else None
    size = _D_SIZES.get(crv)
    low, high = (size - 1, size) if size else (20, 72)
    d = _material(value(b"d"), low, high)
    if d is None:
        return None
    name = crv.decode("ascii", "replace") if crv else "key"
    return (f"EC {name}" if kty == b"EC" else name), d


TRIGGERS = (rb"kty",)


WANTS = Wants()  # TRIGGERS say it all


def wants(ctx: FileContext, data: bytes) -> bool:
    """Nothing besides TRIGGERS: a JWK always names its `kty`."""
    del ctx, data
    return False


def scan(ctx: FileContext, data: bytes) -> Iterable[Hit]:
    """Hits for private JWKs in one blob. Never raises."""
    if b"kty" not in data:
        return []
    return list(_scan(data))


def _scan(data: bytes) -> Iterator[Hit]:
    seen: set[int] = set()
    for match in _KTY.finditer(data):
        start, end = _object(data, match.start())
        if start in seen:
            continue
        seen.add(start)
        members: dict[bytes, tuple[int, bytes]] = {}
        for m in _MEMBER.finditer(data, start, end):
            members.setdefault(m.group(1), (m.start(), m.group(2)))
        kty = match.group(1)
        judged = _judge(kty, members)
        if judged is None:
            continue
        kind, secret = judged
        private = [n for n in (b"d", b"p", b"q", b"dp", b"dq", b"qi", b"k") if n in members]
        offset = members[private[0]][0] if private else match.start()
        fp = _public_fp(kty, members) or fingerprint(secret)
        names = ",".join(n.decode() for n in private)
        yield Hit(RULE.id, offset, kind, fp, f"JWK ({kty.decode()}) > private {names}")
