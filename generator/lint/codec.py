"""The one base64/base64url decoder the detectors share (escape and concatenation undoing is
views.normalize). Lenient by design: source code and copy-paste leave base64 wrapped, padded
or cut in odd ways, and a decoder that gave up would lose a key."""

from __future__ import annotations

import binascii

_URL_TO_STD = bytes.maketrans(b"-_", b"+/")


def _decode(chars: bytes, exact: bool) -> bytes | None:
    s = chars.split(b"=", 1)[0].translate(_URL_TO_STD)
    if len(s) % 4 == 1:  # one dangling character cannot encode a byte
        if exact:
            return None
        s = s[:-1]
    try:
        return binascii.a2b_base64(s + b"=" * (-len(s) % 4))
    except (binascii.Error, ValueError):
        return None


def b64decode(chars: bytes) -> bytes:
    """base64 or base64url, padded or not: stops at the first '=', drops a dangling last
    character, skips characters outside the alphabet; b"" when nothing decodes."""
    return _decode(chars, exact=False) or b""


def b64decode_exact(chars: bytes) -> bytes | None:
    """The same decoding for a value that must be whole (a JWK member): None when its length
    cannot be base64."""
    return _decode(chars, exact=True)
