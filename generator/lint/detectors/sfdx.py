"""Salesforce metadata rules: secrets in metadata XML, files that must never ship in a package.

Path rules use `ctx.name`/`ctx.path` and `ctx.in_package`; content rules read XML with a locked
lxml parser (no entities, no DTD, no network, no huge trees), so XXE and billion-laughs
documents are inert. Malformed XML falls back to a regex over the raw bytes, so a broken file
never hides a secret. Values that are empty or obvious placeholders (`__PASTE_..__`, `${X}`,
`<secret>`, `changeme`, `xxxx`, `...`) are never reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

from generator.lint.base import FileContext, Wants
from generator.lint.finding import Hit, Rule, Severity, fingerprint
from generator.lint.shapes import consumer_secret

ECA_GLOBAL_OAUTH_FILE = Rule(
    id="eca-global-oauth-file",
    summary="External Client App global OAuth settings file inside a package directory",
    why="ExtlClntAppGlobalOauthSettings holds the consumer key and secret; Salesforce says it "
    "can't be packaged and must not be added to source control.",
    fix="Move it out of the package directory (or .forceignore it) and keep only a template "
    "with placeholders; each subscriber creates its own External Client App.",
)
CONSUMER_SECRET = Rule(
    id="oauth-consumer-secret",
    summary="OAuth consumer secret (or a global-settings consumer key) with a real value",
    why="A consumer secret lets anyone act as your OAuth client; retrieved global OAuth "
    "settings carry both key and secret.",
    fix="Empty the value (or use a placeholder), purge it from history and rotate the "
    "secret in Setup.",
)
PUSH_SIGNING_SECRET = Rule(
    id="push-signing-secret",
    summary="External Client App push settings with an Apple password/signing key or an "
    "Android service account",
    why="Push credentials let anyone send notifications as your app.",
    fix="Remove the values from the file, purge history, and revoke and reissue the "
    "credentials with Apple or Google.",
)
CERTIFICATE_IN_PACKAGE = Rule(
    id="certificate-in-package",
    summary="Certificate metadata (certs/*.crt, *.crt-meta.xml) inside a package directory",
    why="Shipping an org certificate makes every subscriber share your signing identity, "
    "defeating bring-your-own-credentials.",
    fix="Move the certificate out of the package directory; each subscriber creates its own "
    "certificate in Setup.",
)
CONSUMER_KEY = Rule(
    id="hardcoded-consumer-key",
    summary="Hard-coded OAuth consumer key (3MVG...) in a package directory",
    why="A consumer key is an identifier, not a secret, but a packaged one ties every install "
    "to your OAuth client, defeating bring-your-own-credentials.",
    fix="Let each subscriber create its own External Client App and enter its consumer key at "
    "setup (a protected custom setting or custom metadata record) instead of shipping yours.",
    severity=Severity.WARNING,
)
KEY_FILE_IN_PACKAGE = Rule(
    id="key-file-in-package",
    summary="Key or keystore file (.key, .p12, .pfx, .jks, .keystore) in a package directory",
    why="Such files usually hold private keys; in a package directory they would ship.",
    fix="Move the file out of the package directory and out of the repository.",
    severity=Severity.WARNING,
)
RULES: tuple[Rule, ...] = (ECA_GLOBAL_OAUTH_FILE, CONSUMER_SECRET, PUSH_SIGNING_SECRET,
                           CERTIFICATE_IN_PACKAGE, CONSUMER_KEY, KEY_FILE_IN_PACKAGE)

_GLOBAL_SUFFIXES = (".ecaglbloauth-meta.xml", ".ecaglbloauth")
_PUSH_SUFFIXES = (".ecapush-meta.xml", ".ecapush")
_KEY_SUFFIXES = (".key", ".p12", ".pfx", ".jks", ".jceks", ".keystore", ".bks", ".ppk")
_GLOBAL_DIR = "/extlclntappglobaloauthsets/"
_NAMED = (*_GLOBAL_SUFFIXES, ".crt-meta.xml", ".crt", *_KEY_SUFFIXES)  # every name a rule tests
_CONSUMER_KEY = re.compile(rb"(?<![A-Za-z0-9])3MVG[A-Za-z0-9._]{60,90}")
_PLACEHOLDER = re.compile(
    r"^\s*$|^__.*__$|^\$\{.*\}$|^\{\{.*\}\}$|^<.*>$|\.\.\.|x{4}|\*{3}|paste|replace|changeme"
    r"|your[_ -]|placeholder|redacted|example|todo",
    re.IGNORECASE,
)
_XML_VALUE = re.compile(
    rb"<(?:[A-Za-z0-9_]+:)?(consumerSecret|consumerKey|password|signingKey|serviceAccount)\s*>"
    rb"([^<]*)<"
)
_CODE_PIECE = re.compile(r"[\s\"'{}()+]")
_CODE_SECRET = re.compile(
    rb"(?i)consumer_?secret[\"']?\s*(?::|=>?)\s*[\"']([A-Za-z0-9]{16,128})[\"']"
)
# Content rules look only at files holding one of these (see prefilter.py for the anchors).
TRIGGERS = (rb"onsumer", rb"MER(?<=ONSUMER)", rb"onfig(?<=PushConfig)", rb"VG(?<=3MVG)")
_CONTENT = tuple(re.compile(p) for p in TRIGGERS[:3])


@cache
def _parser() -> etree.XMLParser:
    """The single locked-down parser every XML read goes through (lxml loads on first use)."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )


_PUSH = {
    ("applePushConfig", "password"),
    ("applePushConfig", "signingKey"),
    ("androidPushConfig", "serviceAccount"),
}


def _hit(rule_id: str, offset: int, detail: str, material: bytes, kind: str | None = None) -> Hit:
    return Hit(rule_id, offset, kind, fingerprint(material), detail)


_ENTITY_REF = re.compile(r"&[A-Za-z_][\w.-]*;")


def _real(value: str) -> bool:
    """A literal value: not empty, not a placeholder, not an unresolved entity reference."""
    return not _PLACEHOLDER.search(_ENTITY_REF.sub("", value).strip())


def _path_rules(ctx: FileContext) -> list[tuple[str, str]]:
    """(rule id, detail) of every layout rule the file's place breaks; bytes play no part."""
    if not ctx.in_package:
        return []
    name, path = ctx.name.lower(), "/" + ctx.path.lower()
    if not name.endswith(_NAMED) and _GLOBAL_DIR not in path:
        return []  # the common case (this runs on every packaged file): no rule below applies
    found = []
    if name.endswith(_GLOBAL_SUFFIXES) or _GLOBAL_DIR in path:
        found.append((ECA_GLOBAL_OAUTH_FILE.id, "global OAuth settings in a package dir"))
    if name.endswith(".crt-meta.xml") or (name.endswith(".crt") and "/certs/" in path):
        found.append((CERTIFICATE_IN_PACKAGE.id, "Certificate metadata in a package dir"))
    if name.endswith(_KEY_SUFFIXES):
        found.append((KEY_FILE_IN_PACKAGE.id, f"file name *{name[name.rfind('.') :]}"))
    return found


def _path_hits(ctx: FileContext, data: bytes) -> Iterator[Hit]:
    """Layout rules; the fingerprint is the file content's, so a moved file keeps it."""
    for rule_id, detail in _path_rules(ctx):
        yield _hit(rule_id, 0, detail, data)


def _line_offset(data: bytes, line: int) -> int:
    pos = 0
    for _ in range(max(0, line - 1)):
        pos = data.find(b"\n", pos) + 1
        if pos == 0:
            return 0
    return pos


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml_values(data: bytes) -> Iterator[tuple[str, str, str, str, int]] | None:
    """(root, parent, element, text, offset) of every secret-bearing element, or None."""
    from lxml import etree

    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    names = {"consumerSecret", "consumerKey", "password", "signingKey", "serviceAccount"}
    found = []
    for el in root.iter():
        local = _local(el.tag)
        if local in names:
            parent = el.getparent()
            text = "".join(t for t in el.itertext() if isinstance(t, str))
            line = el.sourceline
            offset = _line_offset(data, line if isinstance(line, int) else 1)
            found.append(
                (
                    _local(root.tag),
                    _local(parent.tag) if parent is not None else "",
                    local,
                    text,
                    offset,
                )
            )
    return iter(found)


def _regex_values(data: bytes) -> Iterator[tuple[str, str, str, str, int]]:
    """Fallback for malformed XML: every element anywhere, root and parent unknown."""
    for m in _XML_VALUE.finditer(data):
        value = m.group(2).decode("utf-8", "replace")
        if not _CODE_PIECE.search(value.strip()):  # not `' + secret + '` or `{secret}` in code
            yield "", "", m.group(1).decode(), value, m.start()


def _content_hits(ctx: FileContext, data: bytes) -> Iterator[Hit]:
    name = ctx.name.lower()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    values = _xml_values(data) if head == b"<" else None
    parsed = values is not None
    for root, parent, element, text, offset in values or _regex_values(data):
        if not _real(text):
            continue
        raw = text.strip().encode()
        if element == "consumerSecret":  # a value shaped like a secret, not `HIDDEN`/`test`
            if consumer_secret(text.strip()):
                yield _hit(CONSUMER_SECRET.id, offset, f"{root or 'XML'} {element}", raw)
        elif element == "consumerKey" and (
            root == "ExtlClntAppGlobalOauthSettings" or name.endswith(_GLOBAL_SUFFIXES)
        ):
            yield _hit(CONSUMER_SECRET.id, offset, f"{root or 'XML'} {element}", raw)
        elif (parent, element) in _PUSH or (
            not parsed and element != "consumerKey" and name.endswith(_PUSH_SUFFIXES)
        ):
            yield _hit(PUSH_SIGNING_SECRET.id, offset, f"{parent or 'push'}/{element}", raw)
    if head != b"<":
        for m in _CODE_SECRET.finditer(data):
            if _real(m.group(1).decode()) and consumer_secret(m.group(1).decode()):
                yield _hit(
                    CONSUMER_SECRET.id, m.start(), "consumer secret literal", m.group(1)
                )


WANTS = Wants(suffixes=_NAMED, in_path=(_GLOBAL_DIR,))


def wants(ctx: FileContext, data: bytes) -> bool:
    """A path rule applies, whatever the file holds."""
    del data
    return bool(_path_rules(ctx))


def scan(ctx: FileContext, data: bytes) -> Iterable[Hit]:
    """Path and content hits for one file. Never raises."""
    hits = list(_path_hits(ctx, data))
    if any(rx.search(data) for rx in _CONTENT):
        hits += _content_hits(ctx, data)
    # A consumer key alone ships only as a warning; beside a secret it is part of that error.
    if ctx.in_package and b"3MVG" in data and not any(h.rule_id == CONSUMER_SECRET.id
                                                      for h in hits):
        hits += _consumer_keys(data)
    return hits


def _consumer_keys(data: bytes) -> Iterator[Hit]:
    for m in _CONSUMER_KEY.finditer(data):
        token = m.group(0).rstrip(b".")
        text = token.decode("ascii")
        if len(token) < 64 or not _real(text) or len(set(text)) < 20:
            continue
        if not (re.search("[a-z]", text) and re.search("[A-Z]", text[4:])):
            continue
        yield _hit(CONSUMER_KEY.id, m.start(), "consumer key literal", token)
