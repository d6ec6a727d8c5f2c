"""pem-private-key: armored private keys in any text form a Salesforce repo can hide them in.

PKCS#1 RSA/DSA/EC, PKCS#8 (plain and encrypted), legacy Proc-Type/DEK-Info, OpenSSH, PGP
private key blocks, ssh.com SSH2 (4-dash armor) and PuTTY PPK v2/v3, also inside string
literals with `\\n` escapes, Apex/Java/JS concatenation, JS array joins, template literals, XML
entities, YAML block scalars, CRLF and UTF-16 files. A finding needs a body that is key material
(decided in `keys.py`), so mentions of the armor line, redacted docs and placeholders are clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from generator.lint.base import FileContext, Wants
from generator.lint.codec import b64decode
from generator.lint.finding import Hit, Rule, fingerprint
from generator.lint.keys import (
    KeyInfo,
    classify_der,
    classify_openssh,
    classify_pgp,
    classify_secsh,
    ssh_public_info,
)
from generator.lint.views import View, base_views, find_all, is_utf16, normalize, windows

RULE = Rule(
    id="pem-private-key",
    summary="Armored private key (PEM, OpenSSH, PGP, PuTTY, SSH2), also escaped, split or encoded",
    why="Anyone who can read the repository or the installed package can sign JWT assertions as "
        "your integration user; the key must be treated as compromised.",
    fix="Delete the key from the tree and from git history, rotate it (new key pair, new "
        "certificate in the External Client App), and let each subscriber upload its own key.",
)
RULES = (RULE,)

# Cheap whole-file tests; a file that passes none of them is never decoded. "PRIV" and "ATE KEY"
# together also catch a "PRIVATE KEY" split over two string literals (and the SSH2 armor).
_PREFILTER = (b"PRIV", b"ATE KEY", b"PuTTY-User-Key-File")
# The same three strings for the engine's shared prefilter, each anchored on a rare byte.
TRIGGERS = (rb"V(?<=PRIV)", rb"KEY(?<=ATE KEY)", rb"Key-File(?<=PuTTY-User-Key-File)")
_TRIGGERS = tuple(re.compile(p) for p in TRIGGERS)
_ARMOR = re.compile(rb"-{4,5} ?BEGIN ([A-Z0-9 _-]{0,60}?)PRIVATE KEY( BLOCK)? ?-{4,5}")
_END = re.compile(rb"-{4,5} ?END ")
_PUTTY = re.compile(rb"PuTTY-User-Key-File-([23]): *([\w@.-]+)")
_MAX_BODY = 64 * 1024
_B64 = rb"[A-Za-z0-9+/=_-]"
# One body line: optional comment/quote/operator junk around one run of base64.
# Prefixes (comment markers, operators) must be followed by a blank or a quote, so a base64
# line that starts with '+' or '/' keeps its first character.
_LINE = re.compile(rb"[ \t]*(?:(?://+|#+|\*+|>+|;|[+,])(?:[ \t]+|(?=['\"`])))*['\"`]?("
                   + _B64 + rb"+)['\"`]?[ \t]*[+,;)\]\\]*[ \t]*")
_JUNK = re.compile(rb"[ \t'\"`+,;()\[\]\\|>#*/]*")
_PREFIX = rb"[ \t]*(?:(?://+|#+|\*+|>+|;)[ \t]+)?"  # comment / quote-block markers
_HEADER = re.compile(_PREFIX + rb"[ \t'\"`]*([A-Za-z][\w-]*): *(.*?)[ \t'\"`+,;\\]*")
_TOKENS = re.compile(_PREFIX + rb"['\"`]?((?:" + _B64 + rb"+[ \t]+)+" + _B64
                     + rb"+)['\"`]?[ \t]*[+,;)\]\\]*[ \t]*")


class _Body(NamedTuple):
    headers: dict[bytes, bytes]
    b64: bytes
    lines: list[tuple[bytes, bytes]]  # ("H", name) or ("B", chars) in order, for PuTTY


def _body(region: bytes) -> _Body:
    """Headers and base64 of a body, tolerant of the junk source code leaves around it."""
    headers: dict[bytes, bytes] = {}
    parts: list[bytes] = []
    lines: list[tuple[bytes, bytes]] = []
    continued = False
    for raw in re.split(rb"\r\n|\r|\n", region):
        if continued:  # RFC 4716 header continuation ("Comment: ...\")
            continued = raw.rstrip().endswith(b"\\")
            continue
        if _JUNK.fullmatch(raw):
            continue
        m = _LINE.fullmatch(raw)
        if m is not None:
            parts.append(m.group(1))
            lines.append((b"B", m.group(1)))
            continue
        t = _TOKENS.fullmatch(raw)  # one line, chunks separated by blanks
        if t is not None and max(len(w) for w in t.group(1).split()) >= 16:
            parts.extend(t.group(1).split())
            lines.append((b"B", b"".join(t.group(1).split())))
            continue
        h = _HEADER.fullmatch(raw)
        if h is None:
            break
        headers[h.group(1)] = h.group(2)
        lines.append((b"H", h.group(1)))
        continued = raw.rstrip().endswith(b"\\") and not parts
    return _Body(headers, b"".join(parts), lines)


def classify_any(blob: bytes) -> KeyInfo | None:
    """Whatever private-key structure a decoded armor body holds."""
    return (classify_der(blob, truncated_ok=True) or classify_openssh(blob)
            or classify_pgp(blob) or classify_secsh(blob))


def _legacy(label: bytes, body: _Body, blob: bytes, ended: bool) -> KeyInfo | None:
    """Proc-Type: 4,ENCRYPTED bodies are ciphertext: check size and block alignment only."""
    if b"ENCRYPTED" not in body.headers.get(b"Proc-Type", b"") or len(blob) < 48:
        return None
    if ended and len(blob) % 8:
        return None
    kind = (label.strip().decode("ascii", "replace") or "PEM") + " (legacy encrypted PEM)"
    return KeyInfo(kind, fingerprint(blob), True, not ended)


def _armored(view: View) -> Iterator[tuple[int, int, KeyInfo, str]]:
    data = view.data
    for m in _ARMOR.finditer(data):
        tail = data[m.end():m.end() + _MAX_BODY]
        end = _END.search(tail)
        region = tail[:end.start()] if end else tail
        body = _body(region)
        blob = b64decode(body.b64)
        info = _legacy(m.group(1), body, blob, end is not None) or classify_any(blob)
        if info is not None:
            yield m.start(), m.end() + len(region), info, "PEM"


def _putty(view: View) -> Iterator[tuple[int, int, KeyInfo, str]]:
    data = view.data
    for m in _PUTTY.finditer(data):
        region = data[m.end():m.end() + _MAX_BODY]
        body = _body(region)
        section, public, private = b"", [], []
        for kind, value in body.lines:
            if kind == b"H":
                section = value
            elif section == b"Public-Lines":
                public.append(value)
            elif section == b"Private-Lines":
                private.append(value)
        if sum(len(p) for p in private) < 16:
            continue
        key_type, fp = ssh_public_info(b64decode(b"".join(public)))
        encrypted = body.headers.get(b"Encryption", b"none").strip() != b"none"
        kind_name = f"PuTTY v{m.group(1).decode()} {key_type or m.group(2).decode('ascii')}"
        yield m.start(), m.end() + len(region), KeyInfo(kind_name, fp, encrypted), "PPK"


def find(data: bytes) -> Iterator[tuple[int, KeyInfo, str]]:
    """(offset in data, key info, unwrapping chain) of every armored key; no prefilter."""
    seen: set[int] = set()
    for base in base_views(data):
        marks = [p for marker in _PREFILTER for p in find_all(base.data, marker)]
        for window in windows(base, marks, 512, _MAX_BODY + 4096):
            norm = normalize(window)
            for view in (norm, window) if norm is not window else (window,):
                for start, stop, info, form in (*_armored(view), *_putty(view)):
                    offset = view.origin(start)
                    if offset in seen:
                        continue
                    seen.add(offset)
                    yield offset, info, " > ".join([*view.kinds(start, stop), form])


WANTS = Wants(utf16=True)


def wants(ctx: FileContext, data: bytes) -> bool:
    """UTF-16 files always go through `find`, whatever TRIGGERS say: their narrowed view can
    hold what the bytes as they are cannot. Any other file (binary ones too, with a NUL early
    on) only when a trigger occurs: `find` looks nowhere else than at the trigger strings
    (_PREFILTER), so without one it has nothing to find."""
    del ctx
    return is_utf16(data)


def prefilter(data: bytes) -> bool:
    """True when `data` may hold an armored key: a trigger matches, or it is UTF-16."""
    return is_utf16(data) or any(rx.search(data) for rx in _TRIGGERS)


def scan(ctx: FileContext, data: bytes) -> Iterable[Hit]:
    """Hits for every armored private key in `data`. Never raises, never keeps key bytes."""
    del ctx
    if not prefilter(data):
        return []
    return [Hit(RULE.id, offset, info.describe(), info.fingerprint, detail)
            for offset, info, detail in find(data)]
