"""jwk.py: private JWKs in JSON, JWKS, Apex, JS, escaped JSON and XML; public ones never."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.lint.base import FileContext
from generator.lint.detectors import jwk
from generator.lint.finding import Location
from generator.lint.keys import classify_der
from tests import keygen

CTX = FileContext(Location("force-app/main/default/staticresources/keys.json"), "keys.json", True)


def _rsa(private: bool = True) -> dict[str, str]:
    return keygen.jwk(keygen.rsa_key(), private)


def _ec(private: bool = True) -> dict[str, str]:
    return keygen.jwk(keygen.ec_key(), private)


def _ed(private: bool = True) -> dict[str, str]:
    return keygen.jwk(keygen.ed25519_key(), private)


def _dumps(obj: object, indent: int | None = None) -> bytes:
    return json.dumps(obj, indent=indent).encode()


def _apex(obj: dict[str, str]) -> bytes:
    return b"String jwk = '" + _dumps(obj) + b"';\n"


def _js(obj: dict[str, str]) -> bytes:
    body = ", ".join(f"{k}: '{v}'" for k, v in obj.items())
    return f"export const KEY = {{ {body} }};\n".encode()


def _escaped(obj: dict[str, str]) -> bytes:
    return _dumps({"jwk": json.dumps(obj)})


def _xml(obj: dict[str, str]) -> bytes:
    text = json.dumps(obj).replace('"', "&quot;")
    return f"<CustomMetadata><value>{text}</value></CustomMetadata>".encode()


def _yaml(obj: dict[str, str]) -> bytes:
    return ("signing:\n" + "".join(f'  {k}: "{v}"\n' for k, v in obj.items())).encode()


def _rsa_d_only() -> dict[str, str]:
    full = _rsa()
    return {k: full[k] for k in ("kty", "n", "e", "d")}


def _rsa_pq_only() -> dict[str, str]:
    full = _rsa()
    return {k: full[k] for k in ("kty", "n", "e", "p", "q")}


# (case id, builder, expected key_type)
TRUE_POSITIVES: list[tuple[str, Callable[[], bytes], str]] = [
    ("rsa-json", lambda: _dumps(_rsa()), "RSA 2048"),
    ("rsa-json-pretty", lambda: _dumps(_rsa(), indent=2), "RSA 2048"),
    ("rsa-d-only", lambda: _dumps(_rsa_d_only()), "RSA 2048"),
    ("rsa-p-q-only", lambda: _dumps(_rsa_pq_only()), "RSA 2048"),
    ("ec-json", lambda: _dumps(_ec()), "EC P-256"),
    ("ec-p384", lambda: _dumps(keygen.jwk(keygen.ec_key("secp384r1"))), "EC P-384"),
    ("ed25519-json", lambda: _dumps(_ed()), "Ed25519"),
    ("oct-secret", lambda: _dumps(keygen.oct_jwk()), "oct 256-bit secret"),
    ("jwks-private-after-public", lambda: _dumps({"keys": [_ec(False), _rsa()]}), "RSA 2048"),
    ("apex-string", lambda: _apex(_ec()), "EC P-256"),
    ("js-object-literal", lambda: _js(_ed()), "Ed25519"),
    ("escaped-json-in-json", lambda: _escaped(_rsa()), "RSA 2048"),
    ("xml-entities", lambda: _xml(_ec()), "EC P-256"),
    ("yaml", lambda: _yaml(_ec()), "EC P-256"),
    ("minified-reordered", lambda: _dumps(dict(reversed(list(_ec().items())))), "EC P-256"),
]

FALSE_POSITIVES: list[tuple[str, Callable[[], bytes]]] = [
    ("rsa-public", lambda: _dumps(_rsa(False))),
    ("ec-public", lambda: _dumps(_ec(False))),
    ("ed25519-public", lambda: _dumps(_ed(False))),
    ("jwks-public", lambda: _dumps({"keys": [_rsa(False), _ec(False), _ed(False)]})),
    ("d-placeholder", lambda: _dumps({**_ec(False), "d": "<private-key-here>"})),
    ("d-redacted", lambda: _dumps({**_ec(False), "d": "REDACTED"})),
    ("d-constant", lambda: _dumps({**_ec(False), "d": "A" * 43})),
    ("d-wrong-size-ec", lambda: _dumps({**_ec(False), "d": _rsa()["d"]})),
    ("oct-short", lambda: _dumps({"kty": "oct", "k": "c2VjcmV0"})),
    ("no-kty", lambda: _dumps({k: v for k, v in _rsa().items() if k != "kty"})),
    ("unknown-kty", lambda: _dumps({**_ec(), "kty": "XYZ"})),
    ("prose", lambda: b"A JWK has kty, and private keys add d, p, q, dp, dq and qi.\n"),
    ("apex-code", lambda: b"Map<String, Object> jwk = new Map<String, Object>{'kty' => kty};\n"),
    ("d-in-neighbour-object", lambda: _dumps([_ec(False), {"id": 1, "d": _ec()["d"]}])),
]


@pytest.mark.parametrize(("case", "build", "kind"), TRUE_POSITIVES,
                         ids=[c[0] for c in TRUE_POSITIVES])
def test_true_positives(case, build, kind):
    hits = list(jwk.scan(CTX, build()))
    assert [h.rule_id for h in hits] == ["jwk-private-key"], case
    assert hits[0].key_type == kind, case


@pytest.mark.parametrize(("case", "build"), FALSE_POSITIVES, ids=[c[0] for c in FALSE_POSITIVES])
def test_false_positives(case, build):
    assert list(jwk.scan(CTX, build())) == [], case


@pytest.mark.parametrize("key", [keygen.rsa_key, keygen.ec_key, keygen.ed25519_key])
def test_fingerprint_matches_the_der_key(key):
    (hit,) = jwk.scan(CTX, _dumps(keygen.jwk(key())))
    info = classify_der(keygen.der(key()))
    assert info is not None and hit.fingerprint == info.fingerprint


def test_each_private_key_in_a_jwks_is_reported_once():
    data = _dumps({"keys": [_rsa(), _ec(False), _ec(), _ed()]}, indent=2)
    hits = list(jwk.scan(CTX, data))
    assert [h.key_type for h in hits] == ["RSA 2048", "EC P-256", "Ed25519"]


def test_offset_points_at_the_private_member():
    data = _dumps(_ec(), indent=2)
    (hit,) = jwk.scan(CTX, data)
    assert data[hit.offset:].lstrip(b'"').startswith(b"d")


def test_hits_never_carry_key_bytes():
    key = _rsa()
    (hit,) = jwk.scan(CTX, _dumps(key))
    text = repr(hit)
    assert all(key[m][:16] not in text for m in ("d", "p", "q", "dp", "dq", "qi"))


def test_ordinary_files_cost_one_find():
    assert list(jwk.scan(CTX, b"public class A { Integer d = 1; }\n" * 10_000)) == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_scan_never_raises(data):
    list(jwk.scan(CTX, data))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='{}[]":,kty RSAECOKPoctdpqnexy=_-ABCabc0123\\\'&quot;', max_size=600))
def test_scan_never_raises_on_jwk_like_text(text):
    list(jwk.scan(CTX, text.encode()))
