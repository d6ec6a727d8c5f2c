"""The one base64/base64url decoder the detectors share (escape and concatenation undoing is
views.normalize). Lenient by design: source code and copy-paste leave base64 wrapped, padded
or cut in odd ways, and a decoder that gave up would lose a key.

Nested encodings (base64 of a JSON file whose PEM has `\n` escapes, base64 of base64 of a
PEM) are unwrapped one text layer at a time, at most MAX_LAYERS deep."""

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


MAX_LAYERS = 2  # base64 layers above a key: base64 > JSON escapes > PEM, base64 > base64 > PEM
_MIN_TEXT = 32


def text_layer(chars: bytes) -> bytes | None:
    """The base64 decoding of `chars` when it is text (one more layer to search: JSON, a
    `user:json` pair, another base64 string), else None."""
    blob = b64decode(chars)
    if len(blob) < _MIN_TEXT:
        return None
    sample = blob[:4096]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    return blob if printable >= 0.95 * len(sample) else None
