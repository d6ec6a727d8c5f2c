"""The shared codecs: one base64 decoder (codec.py) and one ASN.1 reader (asn1.py)."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.lint import asn1, codec


@given(st.binary(max_size=300))
def test_b64decode_reads_base64_and_base64url_padded_or_not(raw):
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        assert codec.b64decode(encoded) == raw
        assert codec.b64decode(encoded.rstrip(b"=")) == raw
        assert codec.b64decode_exact(encoded.rstrip(b"=")) == raw


def test_exact_decoding_refuses_a_dangling_character_that_lenient_decoding_drops():
    assert codec.b64decode(b"QUJDx") == b"ABC"
    assert codec.b64decode_exact(b"QUJDx") is None


@settings(max_examples=300)
@given(st.binary(max_size=512), st.integers(min_value=0, max_value=600))
def test_codecs_never_raise_on_arbitrary_bytes(data, pos):
    codec.b64decode(data)
    codec.b64decode_exact(data)
    item = asn1.der_item(data, pos)
    if item is not None:
        asn1.der_children(data, item[1], item[2], True)
    ber = asn1.ber_item(data, pos)
    if ber is not None:
        asn1.ber_children(data, ber)
        asn1.octets(data, ber)


def test_der_is_strict_where_ber_is_lenient():
    non_minimal = b"\x04\x81\x05hello"  # long-form length for 5: BER yes, DER no
    assert asn1.der_item(non_minimal, 0) is None
    assert asn1.ber_item(non_minimal, 0) == (0x04, 3, 8, 8, 0)
    indefinite = b"\x24\x80\x04\x02hi\x04\x01!\x00\x00"  # constructed OCTET STRING
    assert asn1.der_item(indefinite, 0) is None
    item = asn1.ber_item(indefinite, 0)
    assert item is not None and asn1.octets(indefinite, item) == b"hi!"
    truncated = b"\x30\x82\x01\x00\x02\x01\x00"  # a SEQUENCE cut short: DER keeps its stop
    assert asn1.der_item(truncated, 0) == (0x30, 4, 260)
    assert asn1.ber_item(truncated, 0) is None


def test_encode_oid():
    assert asn1.encode_oid("1.2.840.113549.1.1.1") == bytes.fromhex("2a864886f70d010101")
