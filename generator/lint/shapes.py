"""Is a string shaped like a generated credential? One test for every token and secret rule, so
placeholders, redactions and words (`HIDDEN`, `should-hide`, `XXXX`, `...`) are never secrets."""

from __future__ import annotations

import re

_FAKE = re.compile(r"(?i)x{4}|0{10}|\.\.\.|\*\*\*|placeholder|redacted|example|dummy|sample"
                   r"|changeme|your[_-]?|hidden|hide|mask")
_CLASSES = (re.compile("[a-z]"), re.compile("[A-Z]"), re.compile("[0-9]"))
_DIGITS = re.compile(r"\d{19,20}")
_HEX64 = re.compile(r"[0-9A-Fa-f]{64}")


def random_token(value: str, min_len: int) -> bool:
    """Long, varied, at least two of lower/upper/digits, no placeholder or redaction word."""
    classes = sum(rx.search(value) is not None for rx in _CLASSES)
    return (len(value) >= min_len and len(set(value)) >= min(16, len(value) // 3)
            and classes >= 2 and not _FAKE.search(value))


def consumer_secret(value: str) -> bool:
    """A Salesforce consumer secret: 19-20 digits (older apps), 64 hex digits, or 24+ mixed
    characters."""
    if _DIGITS.fullmatch(value):
        return len(set(value)) >= 6
    if _HEX64.fullmatch(value):
        return len(set(value)) >= 12 and not _FAKE.search(value)
    return random_token(value, 24)
