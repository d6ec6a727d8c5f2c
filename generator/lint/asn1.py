"""The one ASN.1 reader: TLV headers parsed in one place, read two ways.

- `der_item`/`der_children`: strict DER (definite, minimal lengths) for key bodies, tolerant of
  a body cut short (a truncated key is still a leak): an item's stop may run past the buffer.
- `ber_item`/`ber_children`/`octets`: BER as PKCS#12 writers emit it (indefinite lengths,
  constructed OCTET STRINGs), every item fully inside the buffer.
Nothing here raises on arbitrary bytes; malformed input gives None.
"""

from __future__ import annotations

DerItem = tuple[int, int, int]  # tag, content start, content stop (stop may exceed the buffer)
BerItem = tuple[int, int, int, int, int]  # tag, content start, content end, next, tag position

_MAX_DEPTH = 24


def encode_oid(dotted: str) -> bytes:
    """DER content octets of an OBJECT IDENTIFIER."""
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for n in parts[2:]:
        chunk = [n & 0x7F]
        while n > 0x7F:
            n >>= 7
            chunk.append(0x80 | (n & 0x7F))
        out.extend(reversed(chunk))
    return bytes(out)


def _header(buf: bytes, pos: int) -> tuple[int, int, int, int] | None:
    """(tag, content start, length or -1 when indefinite, length-of-length) of the TLV at pos:
    low-tag-number form, at most 4 length octets, the header inside the buffer."""
    if pos + 2 > len(buf):
        return None
    tag, first = buf[pos], buf[pos + 1]
    if tag & 0x1F == 0x1F:
        return None
    if first < 0x80:
        return tag, pos + 2, first, 0
    count = first & 0x7F
    if count == 0:
        return tag, pos + 2, -1, 0
    if count > 4 or pos + 2 + count > len(buf):
        return None
    return tag, pos + 2 + count, int.from_bytes(buf[pos + 2:pos + 2 + count], "big"), count


def der_item(buf: bytes, pos: int) -> DerItem | None:
    """One DER TLV at pos (definite, minimal length); its content may run past the buffer."""
    head = _header(buf, pos)
    if head is None:
        return None
    tag, start, length, count = head
    if length < 0 or (count and (length < 0x80 or buf[pos + 2] == 0)):  # DER: minimal
        return None
    return tag, start, start + length


def der_children(buf: bytes, start: int, stop: int, partial: bool) -> list[DerItem] | None:
    """The TLVs inside [start, stop). When partial, the last one may run past the buffer."""
    out: list[DerItem] = []
    pos = start
    end = min(stop, len(buf))
    while pos < end:
        item = der_item(buf, pos)
        if item is None:
            return out if partial and out else None
        out.append(item)
        if item[2] > end:
            return out if partial and item[2] > len(buf) and stop > len(buf) else None
        pos = item[2]
    return out if pos == stop or partial else None


def int_value(buf: bytes, item: DerItem) -> int | None:
    """A small INTEGER's value (at most 8 octets, complete), else None."""
    tag, start, stop = item
    if tag != 0x02 or stop - start > 8 or stop > len(buf) or stop == start:
        return None
    return int.from_bytes(buf[start:stop], "big", signed=True)


def int_bits(buf: bytes, item: DerItem) -> int:
    """Bit length of a (positive) INTEGER from its declared length and first bytes."""
    _tag, start, stop = item
    while start < min(stop, len(buf)) and buf[start] == 0:
        start += 1
    if start >= len(buf):
        return 0
    return (stop - start - 1) * 8 + buf[start].bit_length()


def ber_item(buf: bytes, pos: int, depth: int = 0) -> BerItem | None:
    """One BER TLV (definite or indefinite length) fully inside buf, or None."""
    head = _header(buf, pos) if depth <= _MAX_DEPTH else None
    if head is None:
        return None
    tag, start, length, _count = head
    if length < 0:  # indefinite: constructed only, ends with 00 00
        if not tag & 0x20:
            return None
        p = start
        while buf[p:p + 2] != b"\0\0":
            item = ber_item(buf, p, depth + 1)
            if item is None:
                return None
            p = item[3]
        return tag, start, p, p + 2, pos
    end = start + length
    return (tag, start, end, end, pos) if end <= len(buf) else None


def ber_children(buf: bytes, item: BerItem) -> list[BerItem] | None:
    out, pos = [], item[1]
    while pos < item[2]:
        kid = ber_item(buf, pos)
        if kid is None:
            return None
        out.append(kid)
        pos = kid[3]
    return out


def octets(buf: bytes, item: BerItem, depth: int = 0) -> bytes | None:
    """OCTET STRING content, joining BER constructed segments."""
    if item[0] == 0x04:
        return buf[item[1]:item[2]]
    kids = ber_children(buf, item) if item[0] == 0x24 and depth < 8 else None
    if kids is None:
        return None
    parts = [octets(buf, k, depth + 1) for k in kids]
    return None if any(p is None for p in parts) else b"".join(p or b"" for p in parts)
