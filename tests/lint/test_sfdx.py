"""sfdx.py: Salesforce metadata path and content rules, with a locked-down XML parser."""

from __future__ import annotations

import re
import secrets
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.lint.base import FileContext
from generator.lint.detectors import sfdx
from generator.lint.finding import Location

REPO = Path(__file__).resolve().parents[2]
NS = "http://soap.sforce.com/2006/04/metadata"
PKG = "force-app/main/default"


def _ctx(path: str, in_package: bool = True) -> FileContext:
    return FileContext(Location(path), path.rsplit("/", 1)[-1], in_package)


def _consumer_key() -> str:
    """A fresh value shaped like a Salesforce consumer key (3MVG + 81 chars)."""
    alphabet = string.ascii_letters + string.digits
    return "3MVG9" + "".join(secrets.choice(alphabet) for _ in range(80))


def _consumer_secret() -> str:
    return secrets.token_hex(32).upper()


def _xml(root: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}\n'
            f"</{root}>\n").encode()


def _global(key: str = "", secret: str = "") -> bytes:
    return _xml("ExtlClntAppGlobalOauthSettings",
                "    <callbackUrl>https://login.salesforce.com/services/oauth2/success</callbackUrl>\n"
                "    <certificate>__PASTE_PUBLIC_X509_PEM_HERE__</certificate>\n"
                f"    <consumerKey>{key}</consumerKey>\n"
                f"    <consumerSecret>{secret}</consumerSecret>\n"
                "    <externalClientApplication>Acme</externalClientApplication>\n"
                "    <label>Acme</label>")


def _connected_app(secret: str) -> bytes:
    return _xml("ConnectedApp",
                "    <contactEmail>a@example.com</contactEmail>\n    <label>X</label>\n"
                "    <oauthConfig>\n"
                "        <callbackUrl>https://x.example.com/cb</callbackUrl>\n"
                f"        <consumerSecret>{secret}</consumerSecret>\n"
                "        <scopes>Api</scopes>\n    </oauthConfig>")


def _push(apple: dict[str, str] | None = None, android: str | None = None) -> bytes:
    body = ""
    if android is not None:
        body += ("    <androidPushConfig>\n        <fcmProject>p</fcmProject>\n"
                 f"        <serviceAccount>{android}</serviceAccount>\n    </androidPushConfig>\n")
    if apple is not None:
        body += "    <applePushConfig>\n        <environment>Production</environment>\n"
        body += "".join(f"        <{k}>{v}</{k}>\n" for k, v in apple.items())
        body += "    </applePushConfig>\n"
    return _xml("ExtlClntAppPushSettings", body + "    <externalClientApplication>Acme"
                "</externalClientApplication>\n    <label>Acme</label>")


GLOBAL = f"{PKG}/extlClntAppGlobalOauthSets/Acme_glbloauth.ecaGlblOauth-meta.xml"
TEMPLATE = "eca-template/main/default/extlClntAppGlobalOauthSets/A_glbloauth.ecaGlblOauth-meta.xml"
CLS = f"{PKG}/classes/JwtFlow.cls"

# (case id, path, in_package, builder, expected rule ids in order)
TRUE_POSITIVES = [
    ("global-file-in-package", GLOBAL, True, lambda: _global(), ["eca-global-oauth-file"]),
    ("global-file-bare-suffix", f"{PKG}/x/Acme.ecaGlblOauth", True, lambda: b"",
     ["eca-global-oauth-file"]),
    ("global-file-with-secret-in-package", GLOBAL, True,
     lambda: _global(_consumer_key(), _consumer_secret()),
     ["eca-global-oauth-file", "oauth-consumer-secret", "oauth-consumer-secret"]),
    ("global-file-key-outside-package", TEMPLATE, False, lambda: _global(_consumer_key()),
     ["oauth-consumer-secret"]),
    ("global-file-secret-outside-package", TEMPLATE, False,
     lambda: _global(secret=_consumer_secret()), ["oauth-consumer-secret"]),
    ("connected-app-secret", f"{PKG}/connectedApps/X.connectedApp-meta.xml", True,
     lambda: _connected_app("1234567890123456789"), ["oauth-consumer-secret"]),
    ("auth-provider-secret", "authproviders/G.authprovider-meta.xml", False,
     lambda: _xml("AuthProvider", f"<consumerKey>abc</consumerKey>\n<consumerSecret>"
                  f"{_consumer_secret()}</consumerSecret>"), ["oauth-consumer-secret"]),
    ("malformed-xml-secret", GLOBAL, False,
     lambda: _global(secret=_consumer_secret()).replace(b"</label>", b"</lab"),
     ["oauth-consumer-secret"]),
    ("secret-in-apex-literal", CLS, True,
     lambda: f"String consumerSecret = '{_consumer_secret()}';\n".encode(),
     ["oauth-consumer-secret"]),
    ("secret-in-json", "config/auth.json", False,
     lambda: f'{{"consumer_secret": "{_consumer_secret()}"}}'.encode(), ["oauth-consumer-secret"]),
    ("push-apple-password", f"{PKG}/extlClntAppPushSettings/A.ecaPush-meta.xml", True,
     lambda: _push({"password": "s3cr3t-Pa55"}), ["push-signing-secret"]),
    ("push-apple-signing-key", f"{PKG}/extlClntAppPushSettings/A.ecaPush-meta.xml", True,
     lambda: _push({"keyIdentifier": "ABC123", "signingKey": "MIGTAgEAMBMGByqGSM49"}),
     ["push-signing-secret"]),
    ("push-android-service-account", "x/A.ecaPush-meta.xml", False,
     lambda: _push(android='{"type": "service_account", "private_key_id": "1f2e"}'),
     ["push-signing-secret"]),
    ("certificate-meta-in-package", f"{PKG}/certs/Jwt.crt-meta.xml", True,
     lambda: _xml("Certificate", "<masterLabel>Jwt</masterLabel>"), ["certificate-in-package"]),
    ("certificate-crt-in-package", f"{PKG}/certs/Jwt.crt", True,
     lambda: b"-----BEGIN CERTIFICATE-----\n", ["certificate-in-package"]),
    ("consumer-key-apex", CLS, True,
     lambda: f"private static final String CK = '{_consumer_key()}';\n".encode(),
     ["hardcoded-consumer-key"]),
    ("consumer-key-js", f"{PKG}/lwc/setup/setup.js", True,
     lambda: f"const CLIENT_ID = \"{_consumer_key()}\";\n".encode(), ["hardcoded-consumer-key"]),
    ("consumer-key-custom-metadata", f"{PKG}/customMetadata/Cfg.Default.md-meta.xml", True,
     lambda: _xml("CustomMetadata", f"<values><value>{_consumer_key()}</value></values>"),
     ["hardcoded-consumer-key"]),
    ("consumer-key-beside-secret-is-one-error", CLS, True,
     lambda: (f"String k = '{_consumer_key()}';\n"
              f"String consumerSecret = '{_consumer_secret()}';\n").encode(),
     ["oauth-consumer-secret"]),
    ("consumer-key-with-dot", CLS, True,
     lambda: f"String k = '{_consumer_key()[:60]}.{_consumer_key()[5:20]}';".encode(),
     ["hardcoded-consumer-key"]),
    ("key-file-in-package", f"{PKG}/staticresources/server.key", True, lambda: b"",
     ["key-file-in-package"]),
    ("p12-file-in-package", f"{PKG}/staticresources/jwt.p12", True, lambda: b"\x30\x82",
     ["key-file-in-package"]),
    ("jks-file-in-package", f"{PKG}/staticresources/org.jks", True, lambda: b"",
     ["key-file-in-package"]),
    ("keystore-file-in-package", f"{PKG}/staticresources/sfdc.keystore", True, lambda: b"",
     ["key-file-in-package"]),
    ("pfx-file-in-package", f"{PKG}/staticresources/x.PFX", True, lambda: b"",
     ["key-file-in-package"]),
]

FALSE_POSITIVES = [
    # a consumer key is an identifier: reported only where it ships, and not beside a secret
    ("consumer-key-apex-outside-package", "scripts/apex/setup.apex", False,
     lambda: f"cfg.Consumer_Key__c = '{_consumer_key()}';\n".encode()),
    ("consumer-key-real-in-markdown", "README.md", False,
     lambda: f"Use `{_consumer_key()}`.\n".encode()),
    ("consumer-key-in-cli-test", "test/unit/org/authInfo.test.ts", False,
     lambda: f"'force://{_consumer_key()}:1234@test.my.salesforce.com'\n".encode()),
    ("consumer-secret-word-values", "test/sensitive-metadatas.test.ts", False,
     lambda: b"'<AuthProvider><consumerSecret>should-hide</consumerSecret></AuthProvider>'\n"
             b"'<consumerSecret>HIDDEN_BY_SFDX_HARDIS</consumerSecret>'\n"
             b"'<consumerSecret>test</consumerSecret><consumerSecret>masked</consumerSecret>'\n"),
    ("consumer-secret-short-word", f"{PKG}/connectedApps/X.connectedApp-meta.xml", True,
     lambda: _connected_app("hidden")),
    ("global-file-outside-package", TEMPLATE, False, lambda: _global()),
    ("global-file-placeholders", TEMPLATE, False,
     lambda: _global("__PASTE_CONSUMER_KEY_HERE__", "__PASTE_CONSUMER_SECRET__")),
    ("global-file-env-placeholders", TEMPLATE, False,
     lambda: _global("${CONSUMER_KEY}", "<your consumer secret>")),
    ("global-file-whitespace", TEMPLATE, False, lambda: _global("  ", "\n   ")),
    ("connected-app-consumer-key-only", "x/X.connectedApp-meta.xml", False,
     lambda: _xml("ConnectedApp", "<oauthConfig><consumerKey>abc</consumerKey></oauthConfig>")),
    ("connected-app-no-secret", "x/X.connectedApp-meta.xml", True, lambda: _connected_app("")),
    ("eca-oauth-settings", f"{PKG}/extlClntAppOauthSettings/A_oauth.ecaOauth-meta.xml", True,
     lambda: _xml("ExtlClntAppOauthSettings", "<commaSeparatedOauthScopes>Api"
                  "</commaSeparatedOauthScopes><label>A</label>")),
    ("push-empty", f"{PKG}/extlClntAppPushSettings/A.ecaPush-meta.xml", False,
     lambda: _push({"password": "", "signingKey": "__PASTE__"})),
    ("push-certificate-only", "x/A.ecaPush-meta.xml", False,
     lambda: _push({"applicationBundle": "com.acme", "keyIdentifier": "ABC123"})),
    ("password-elsewhere", "x/Y.namedCredential-meta.xml", False,
     lambda: _xml("NamedCredential", "<password>p4ss</password>")),
    ("certificate-outside-package", "certs/Jwt.crt-meta.xml", False,
     lambda: _xml("Certificate", "<masterLabel>Jwt</masterLabel>")),
    ("crt-not-in-certs-dir", f"{PKG}/staticresources/ca.crt", True, lambda: b"x"),
    ("key-file-outside-package", "scripts/server.key", False, lambda: b""),
    ("pem-in-package-is-text-rule", f"{PKG}/staticresources/server.pem", True, lambda: b""),
    ("consumer-key-doc-placeholder", "README.md", False,
     lambda: b"Paste the consumer key (3MVG9...) into the setup page.\n"),
    ("consumer-key-doc-placeholder-long", "README.md", False,
     lambda: b"Example: 3MVG9" + b"x" * 80 + b"\n"),
    ("consumer-key-doc-dots", "docs/setup.md", False,
     lambda: b"key 3MVG9" + b"." * 70 + b"AbC\n"),
    ("consumer-key-too-short", CLS, True, lambda: b"String k = '3MVG9abcDEF123';"),
    ("consumer-secret-reference", CLS, True,
     lambda: b"String consumerSecret = cfg.Consumer_Secret__c;\n"),
    ("consumer-secret-mention", "README.md", False,
     lambda: b"Never commit the consumerSecret value.\n"),
    ("apex-plain", CLS, True, lambda: b"public with sharing class JwtFlow {\n}\n"),
    ("apex-builds-xml", CLS, True,
     lambda: b"String x = '<consumerSecret>' + secret + '</consumerSecret>';\n"),
    ("python-fstring-xml", "tools/gen.py", False,
     lambda: b'body = f"<consumerSecret>{secret}</consumerSecret>"\n'),
]


@pytest.mark.parametrize(("case", "path", "in_package", "build", "rules"), TRUE_POSITIVES,
                         ids=[c[0] for c in TRUE_POSITIVES])
def test_true_positives(case, path, in_package, build, rules):
    hits = list(sfdx.scan(_ctx(path, in_package), build()))
    assert [h.rule_id for h in hits] == rules, case


@pytest.mark.parametrize(("case", "path", "in_package", "build"), FALSE_POSITIVES,
                         ids=[c[0] for c in FALSE_POSITIVES])
def test_false_positives(case, path, in_package, build):
    assert list(sfdx.scan(_ctx(path, in_package), build())) == [], case


def test_generated_subscriber_eca_template_is_clean():
    templates = REPO / "templates" / "subscriber-eca"
    files = [p for p in templates.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = re.sub(rb"\{\{[^}]*\}\}", b"Acme", path.read_bytes())
        rel = path.relative_to(templates).as_posix().removesuffix(".j2")
        assert list(sfdx.scan(_ctx(rel, in_package=False), data)) == [], rel


def test_secret_offsets_point_at_the_element_line():
    data = _global(_consumer_key(), _consumer_secret())
    hits = list(sfdx.scan(_ctx(TEMPLATE, False), data))
    lines = [data[: h.offset].count(b"\n") + 1 for h in hits]
    assert lines == [5, 6]


def test_consumer_key_in_global_file_is_not_reported_twice():
    data = _global(_consumer_key())
    assert [h.rule_id for h in sfdx.scan(_ctx(TEMPLATE, False), data)] == ["oauth-consumer-secret"]


def test_hits_never_carry_the_secret():
    key, secret = _consumer_key(), _consumer_secret()
    for hit in sfdx.scan(_ctx(GLOBAL), _global(key, secret)):
        assert key[:20] not in repr(hit) and secret[:20] not in repr(hit)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ExtlClntAppGlobalOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">
<consumerSecret>&xxe;</consumerSecret></ExtlClntAppGlobalOauthSettings>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">""" + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
    for i in range(1, 10)
) + b"""]>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata"><oauthConfig>
<consumerSecret>&lol9;</consumerSecret></oauthConfig></ConnectedApp>"""


def test_xxe_is_not_resolved():
    hits = list(sfdx.scan(_ctx(TEMPLATE, False), XXE))
    assert hits == []  # the entity is neither fetched nor expanded into a value


def test_billion_laughs_is_not_expanded():
    hits = list(sfdx.scan(_ctx("x/X.connectedApp-meta.xml", False), LAUGHS))
    assert hits == []


def test_parser_is_locked_down():
    opts = sfdx._parser()  # the single parser every XML read goes through
    assert opts is not None
    secret_file = Path("/etc/hostname")
    if secret_file.exists():
        doc = XXE.replace(b"/etc/passwd", str(secret_file).encode())
        hits = list(sfdx.scan(_ctx(TEMPLATE, False), doc))
        assert hits == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_scan_never_raises(data):
    list(sfdx.scan(_ctx(GLOBAL), data))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>/?!&;= \"'\nconsumerSecretKeyPushConfig3MVGabc", max_size=500))
def test_scan_never_raises_on_xml_like_text(text):
    list(sfdx.scan(_ctx("x/A.ecaPush-meta.xml"), text.encode()))


def test_ordinary_files_are_never_parsed(monkeypatch):
    def fail(data):
        raise AssertionError("an ordinary file reached the XML parser")

    monkeypatch.setattr(sfdx, "_xml_values", fail)
    monkeypatch.setattr(sfdx, "_regex_values", fail)
    apex = b"public with sharing class A { Integer x = 1; }\n" * 2_000
    xml = (b'<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="' + NS.encode()
           + b'"><fullName>Token__c</fullName><length>255</length></CustomField>\n')
    for path, data in ((CLS, apex), (f"{PKG}/objects/A__c/fields/Token__c.field-meta.xml", xml)):
        assert sfdx.wants(_ctx(path), data) is False
        assert list(sfdx.scan(_ctx(path), data)) == []


def test_consumer_key_alone_is_a_warning_not_an_error():
    assert sfdx.CONSUMER_KEY.severity.value == "warning"
    assert sfdx.CONSUMER_SECRET.severity.value == "error"
