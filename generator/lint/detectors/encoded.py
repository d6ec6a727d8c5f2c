"""base64-private-key and hex-private-key: key material without armor.

- base64/base64url DER on a line or in a string (`MII...`, `MH...`, `MC...`: what Apex
  `Crypto.sign` takes through `EncodingUtil.base64Decode`), also split over concatenation or
  wrapped over lines; the unarmored body of an OpenSSH key (`b3BlbnNzaC1rZXktdjE...`);
- base64 of a whole PEM file (`LS0tLS1CRUdJTi...`, how CI secrets are stored);
- hex DER (`EncodingUtil.convertFromHex('3082...')`).

Decoded bytes must classify as a private key (`keys.py`): certificates, public keys, random
blobs, digests and Salesforce ids are clean. Runs directly under a PEM armor belong to `pem`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator

from generator.lint.base import FileContext, Wants
from generator.lint.codec import MAX_LAYERS, b64decode, text_layer
from generator.lint.detectors import pem
from generator.lint.finding import Hit, Rule
from generator.lint.keys import KeyInfo, classify_der, classify_openssh
from generator.lint.views import View, base_views, is_utf16, normalize, windows

_WHY = ("Unarmored key material is still the private key: anyone with the repository or the "
        "installed package can sign JWT assertions as your integration user.")
_FIX = ("Remove the string, rotate the key pair (new certificate in the External Client App) and "
        "load each subscriber's own key at run time (e.g. a Salesforce Certificate record).")
BASE64 = Rule("base64-private-key",
              "Private key as a base64/base64url DER string, or base64 of a whole PEM file",
              _WHY, _FIX)
HEX = Rule("hex-private-key", "Private key as a hex-encoded DER string", _WHY, _FIX)
RULES = (BASE64, HEX)

_MIN_TRUNCATED = 256  # characters: a shorter prefix of a DER key is not reported


def _b64_hints(literal: bytes) -> list[bytes]:
    """base64 of `literal` at each of the three byte alignments (the stable characters)."""
    out = []
    for phase in range(3):
        raw = b"\0" * phase + literal
        enc = base64.b64encode(raw)[: 4 * (len(raw) // 3)]
        out.append(enc[4:] if phase else enc)
    return out


_PEM_HINTS = _b64_hints(b"-----BEGIN")
_PEM_HINTS_2 = _b64_hints(_PEM_HINTS[0])  # base64 of base64 of a PEM


def _rare_anchor(literal: bytes) -> bytes:
    """`literal` as a trigger anchored on a J, else a V: rare in source text, and V is the
    anchor of pem's and sfdx's triggers too, so they all share one pass."""
    at = next(i for i in (literal.find(c) for c in (b"J", b"V")) if i >= 0)
    return re.escape(literal[at:]) + b"(?<=" + re.escape(literal) + b")"
# Prefilter: separate simple patterns, each with a literal first byte (see prefilter.py; one
# alternation of them runs at ~50 MB/s). All three base64-of-"-----BEGIN" alignments start
# with "LS0t"; each is anchored on a rare letter of its tail. The OpenSSH magic is anchored on
# its "kt", so it rides along with jwk's "kty" pass.
TRIGGERS = (rb"M[IHC][A-Za-z0-9+/_-]{30}", rb"30[0-9A-Fa-f]{92}",
            *(_rare_anchor(b"LS0t" + h[4:]) for h in _PEM_HINTS),
            *(_rare_anchor(h) for h in _PEM_HINTS_2),
            rb"ktdjE(?<=b3BlbnNzaC1rZXktdjE)")
_HINTS = tuple(re.compile(p) for p in TRIGGERS)
_WINDOW_BEFORE, _WINDOW_AFTER = 256, 32 * 1024
_RUN = re.compile(rb"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}={0,2}")
_HEX = re.compile(rb"(?<![0-9A-Za-z])30[0-9A-Fa-f]{94,}(?![0-9A-Za-z])")
_WRAPPED = re.compile(rb"[ \t'\"`]*([A-Za-z0-9+/_-]{4,}={0,2})[ \t'\"`,+;]*")
_ARMOR_ABOVE = re.compile(rb"BEGIN [A-Z0-9 ]*PRIVATE KEY|Private-Lines|Public-Lines")


def _extend(data: bytes, start: int, stop: int) -> tuple[bytes, int]:
    """The run [start, stop) plus following lines when it is wrapped (64/76 columns)."""
    chars = [data[start:stop]]
    line_len = stop - (data.rfind(b"\n", 0, start) + 1)
    while line_len >= 60 and stop < len(data) and data[stop:stop + 1] in (b"\r", b"\n"):
        nl = data.find(b"\n", stop)
        if nl < 0:
            break
        end = data.find(b"\n", nl + 1)
        end = len(data) if end < 0 else end
        m = _WRAPPED.fullmatch(data, nl + 1, end if data[end - 1:end] != b"\r" else end - 1)
        if m is None:
            break
        chars.append(m.group(1))
        stop, line_len = m.end(1), m.end(1) - m.start(1)
        if m.group(1).endswith(b"="):
            break
    return b"".join(chars), stop


def _under_armor(data: bytes, start: int) -> bool:
    window = data[max(0, start - 400):start]
    return _ARMOR_ABOVE.search(window) is not None and b"END " not in window.split(b"BEGIN")[-1]


def _classify_b64(chars: bytes, depth: int) -> tuple[KeyInfo, str] | None:
    blob = b64decode(chars)
    url = b"-" in chars or b"_" in chars
    name = "base64url" if url else "base64"
    if chars.startswith(b"b3BlbnNzaC1rZXktdjE"):
        info = classify_openssh(blob)
        return (info, f"{name} > OpenSSH") if info else None
    info = classify_der(blob, truncated_ok=len(chars) >= _MIN_TRUNCATED)
    if info is not None:
        return info, f"{name} > DER"
    text = text_layer(chars) if depth < MAX_LAYERS else None
    if text is not None:  # a PEM file, JSON holding an escaped PEM, another base64 layer
        for _, inner, chain in pem.find(text):
            return inner, f"{name} > {chain}"
        for _, _, inner, chain in find(text, depth + 1):
            return inner, f"{name} > {chain}"
    return None


def _in_view(view: View, depth: int) -> Iterator[tuple[int, str, KeyInfo, str]]:
    data = view.data
    covered = 0  # end of the last wrapped run: its continuation lines are not new runs
    for m in _RUN.finditer(data):
        if m.start() < covered or _under_armor(data, m.start()):
            continue
        chars, stop = _extend(data, m.start(), m.end())
        covered = stop
        found = _classify_b64(chars, depth)
        if found is not None:
            yield m.start(), BASE64.id, found[0], " > ".join([*view.kinds(m.start(), stop),
                                                               found[1]])
    for m in _HEX.finditer(data):
        run = m.group(0)
        if len(run) % 2:
            continue
        info = classify_der(bytes.fromhex(run.decode("ascii")),
                            truncated_ok=len(run) >= _MIN_TRUNCATED)
        if info is not None:
            hex_chain = " > ".join([*view.kinds(m.start(), m.end()), "hex > DER"])
            yield m.start(), HEX.id, info, hex_chain


def find(data: bytes, depth: int = 0) -> Iterator[tuple[int, str, KeyInfo, str]]:
    """(offset in data, rule id, key info, chain) of every unarmored key; no prefilter.
    `depth` counts the encoding layers already unwrapped (codec.MAX_LAYERS bounds it)."""
    seen: set[int] = set()
    for base in base_views(data):
        marks = [m.start() for hint in _HINTS for m in hint.finditer(base.data)]
        for window in windows(base, marks, _WINDOW_BEFORE, _WINDOW_AFTER):
            norm = normalize(window)
            for view in (norm, window) if norm is not window else (window,):
                for start, rule_id, info, detail in _in_view(view, depth):
                    offset = view.origin(start)
                    if offset not in seen:
                        seen.add(offset)
                        yield offset, rule_id, info, detail


WANTS = Wants(utf16=True)


def wants(ctx: FileContext, data: bytes) -> bool:
    """UTF-16 (a BOM or its NUL pattern): hints are searched in the narrowed view too. Any
    other file, binary ones included, only when a trigger occurs: the hints are the triggers,
    and `find` looks only around them."""
    del ctx
    return is_utf16(data)


def scan(ctx: FileContext, data: bytes) -> Iterable[Hit]:
    """Hits for every unarmored key in `data`. Never raises, never keeps key bytes."""
    del ctx
    return [Hit(rule_id, offset, info.describe(), info.fingerprint, detail)
            for offset, rule_id, info, detail in find(data)]
