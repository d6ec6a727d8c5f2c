"""prefilter.py: the shared gate runs no detector on ordinary files and never hides a key.

Speed itself is measured only by benchmarks/bench_lint.py; these tests are deterministic.
(conftest.py also checks, in every detector test, that each hit passes the gate.)
"""

from __future__ import annotations

import types

import keygen as k
import pytest

from generator.lint import prefilter, registry
from generator.lint.base import FileContext
from generator.lint.engine import Options, scan
from generator.lint.finding import Location

PKG = "force-app/main/default"
ORDINARY = {
    f"{PKG}/classes/AccountService.cls": b"public with sharing class AccountService {\n"
    b"    public static Map<String, Object> run(List<Id> ids) {\n"
    b"        return new Map<String, Object>{'status' => 'ok', 'count' => 3082};\n"
    b"    }\n}\n" * 200,
    f"{PKG}/classes/AccountService.cls-meta.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <apiVersion>66.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n",
    f"{PKG}/lwc/card/card.js": b"import { LightningElement, api } from 'lwc';\n"
    b"export default class Card extends LightningElement { @api recordId; }\n",
    "data/accounts.json":
        b'[{"Id": "0015g00000ABCDEAA3", "Name": "Acme", "Revenue": 30000}]\n' * 500,
    "README.md": b"Never commit a private key; `scaffold lint` proves none ships.\n",
}


def _ctx(path: str) -> FileContext:
    return FileContext(Location(path), path.rsplit("/", 1)[-1], path.startswith("force-app/"))


@pytest.mark.parametrize("path", sorted(ORDINARY))
def test_ordinary_files_select_no_detector(path):
    assert registry.DEFAULT.gate.select(_ctx(path), ORDINARY[path]) == []


def test_ordinary_tree_never_reaches_a_full_scan(tmp_path, monkeypatch):
    def fail(ctx, data):
        raise AssertionError(f"{ctx.path} reached a full scan")

    for detector in registry.DETECTORS:
        monkeypatch.setattr(detector, "scan", fail)
    for rel, data in ORDINARY.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    result = scan([], tmp_path, opts=Options(jobs=1))
    assert result.findings == ()
    assert result.files_scanned == len(ORDINARY)


@pytest.mark.parametrize(("data", "module"), [
    (lambda: k.pem(k.rsa_key()), "pem"),
    (lambda: b"key = '" + k.pem(k.ec_key()).replace(b"\n", b"\\n") + b"';", "pem"),
    (lambda: k.pem(k.rsa_key()).decode().encode("utf-16"), "pem"),
    (lambda: k.der(k.rsa_key()), "container"),
    (lambda: b'{"kty": "EC"}', "jwk"),
    (lambda: b"<consumerSecret/>", "sfdx"),
    (lambda: b"CONSUMER_SECRET=x", "sfdx"),
    (lambda: b"<applePushConfig/>", "sfdx"),
    (lambda: b"3MVG9" + b"a" * 80, "sfdx"),
    (lambda: b"b3BlbnNzaC1rZXktdjEAAAA", "encoded"),
    (lambda: b"LS0tLS1CRUdJTiBQUklWQVRF", "encoded"),
    (lambda: b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "encoded"),
    (lambda: b"30" + b"82" * 46, "encoded"),
])
def test_each_trigger_selects_its_detector(data, module):
    chosen = registry.DEFAULT.gate.select(_ctx("x/y.txt"), data())
    assert module in {d.__name__.rsplit(".", 1)[-1] for d in chosen}  # type: ignore[attr-defined]


def test_path_rules_select_sfdx_whatever_the_content():
    chosen = registry.DEFAULT.gate.select(_ctx(f"{PKG}/certs/jwt.crt"), b"")
    assert [d.__name__ for d in chosen] == ["generator.lint.detectors.sfdx"]  # type: ignore[attr-defined]


def test_detector_without_triggers_always_runs():
    fake = types.SimpleNamespace(RULES=(), scan=lambda ctx, data: [])
    gate = prefilter.build((fake,))  # type: ignore[arg-type]
    assert gate.select(_ctx("a.txt"), b"plain") == [fake]


@pytest.mark.parametrize("pattern", [rb"[A-Z]PRIV", rb"(PRIV)", rb"P?RIV", rb".kty", b""])
def test_trigger_needs_a_literal_first_byte(pattern):
    with pytest.raises(ValueError, match="literal byte"):
        prefilter.anchor_of(pattern)


def test_triggers_sharing_an_anchor_share_one_pass():
    gate = registry.DEFAULT.gate
    anchors = [g.anchor for g in gate.groups]
    assert len(anchors) == len(set(anchors))
    assert len(gate.groups) < sum(len(d.TRIGGERS) for d in registry.DETECTORS)
