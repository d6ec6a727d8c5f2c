"""Key forms and the ways source code hides them, shared by test_pem and test_encoded.

Every key is generated at test time (tests/keygen.py); nothing here holds key material.
Assertions in the tests compare precomputed ints/bools, so a failure never prints key bytes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass

import keygen as k

from generator.lint.finding import Hit


@dataclass(frozen=True)
class Form:
    """An armored key file as a tool writes it. `lines`: its body must keep line breaks (header
    lines such as Proc-Type, PPK fields, PGP armor headers)."""

    id: str
    make: Callable[[], bytes | None]
    expect: str  # substring of Hit.key_type
    lines: bool = False


ARMORED = (
    Form("rsa-pkcs1", lambda: k.pem(k.rsa_key(), "pkcs1"), "RSA 2048"),
    Form("rsa-pkcs8", lambda: k.pem(k.rsa_key()), "RSA 2048"),
    Form("rsa-pkcs8-encrypted", lambda: k.pem(k.rsa_key(), password=k.PASSWORD),
         "encrypted PKCS#8"),
    Form("rsa-legacy-encrypted", lambda: k.pem(k.rsa_key(), "pkcs1", k.PASSWORD),
         "legacy encrypted", lines=True),
    Form("rsa-4096-pkcs8", lambda: k.pem(k.rsa_key(4096)), "RSA 4096"),
    Form("ec-p256-sec1", lambda: k.pem(k.ec_key(), "pkcs1"), "EC P-256"),
    Form("ec-p256-sec1-with-parameters", k.ec_with_parameters, "EC P-256"),
    Form("ec-p384-pkcs8", lambda: k.pem(k.ec_key("secp384r1")), "EC P-384"),
    Form("ed25519-pkcs8", lambda: k.pem(k.ed25519_key()), "Ed25519"),
    Form("ed25519-openssh", lambda: k.pem(k.ed25519_key(), "openssh"), "OpenSSH Ed25519"),
    Form("rsa-openssh", lambda: k.pem(k.rsa_key(), "openssh"), "OpenSSH RSA 2048"),
    Form("ed25519-openssh-encrypted", k.openssh_encrypted, "(encrypted)"),
    Form("dsa-pkcs1", lambda: k.pem(k.dsa_key(), "pkcs1"), "DSA 2048"),
    Form("dsa-pkcs8", lambda: k.pem(k.dsa_key()), "DSA 2048"),
    Form("putty-v2", lambda: k.ppk(2), "PuTTY v2 RSA 2048", lines=True),
    Form("putty-v3", lambda: k.ppk(3), "PuTTY v3 RSA 2048", lines=True),
    Form("putty-v2-encrypted", lambda: k.ppk(2, b"pw"), "(encrypted)", lines=True),
    Form("putty-v3-encrypted", lambda: k.ppk(3, b"pw"), "(encrypted)", lines=True),
    Form("sshcom", lambda: k.sshcom_private(), "SSH2 RSA", lines=True),
    Form("sshcom-encrypted", lambda: k.sshcom_private(b"pw"), "SSH2 RSA (encrypted)",
         lines=True),
    Form("pgp", lambda: (k.pgp_blocks() or (None, None))[0], "OpenPGP RSA 2048", lines=True),
)

_ANCHOR = re.compile(rb"-{4,5} ?BEGIN [A-Z0-9 ]*PRIVATE KEY|PuTTY-User-Key-File")


def anchor(plain: bytes) -> bytes:
    """The bytes a hit must point at: the private-key armor line (or the PPK first line)."""
    m = _ANCHOR.search(plain)
    assert m is not None
    return m.group(0)


def _literals(p: bytes, quote: str, nl: str) -> list[str]:
    return [f"{quote}{line}{nl}{quote}" for line in p.decode().rstrip("\n").split("\n")]


@dataclass(frozen=True)
class Hiding:
    """One way real code hides a multi-line key. `keeps_lines`: line breaks survive."""

    id: str
    wrap: Callable[[bytes], bytes]
    keeps_lines: bool = True
    codec: str = ""  # the file's text encoding when not ASCII


HIDINGS = (
    Hiding("plain", lambda p: p),
    Hiding("crlf", lambda p: p.replace(b"\n", b"\r\n")),
    Hiding("apex-escaped-string",
           lambda p: b"String key = '" + p.replace(b"\n", b"\\n") + b"';\n"),
    Hiding("json-crlf-escapes",
           lambda p: b'{\n  "private_key": "' + p.replace(b"\n", b"\\r\\n") + b'"\n}\n'),
    Hiding("double-escaped", lambda p: b'"key": "' + p.replace(b"\n", b"\\\\n") + b'"'),
    Hiding("dotenv-unquoted", lambda p: b"A=1\nJWT_KEY=" + p.replace(b"\n", b"\\n") + b"\nB=2\n"),
    Hiding("apex-concatenation", lambda p: (
        "public class K {\n  static String key =\n      "
        + " +\n      ".join(_literals(p, "'", "\\n")) + ";\n}\n").encode()),
    Hiding("apex-concatenation-no-newlines", lambda p: (
        "String key = " + " +\n    ".join(_literals(p, "'", "")) + ";\n").encode(),
        keeps_lines=False),
    Hiding("java-concatenation", lambda p: (
        'String key = ""\n    + ' + "\n    + ".join(_literals(p, '"', "\\n")) + ";\n").encode()),
    Hiding("apex-plus-equals", lambda p: (
        "String key = '';\n" + "".join(f"key += {lit};\n" for lit in _literals(p, "'", "\\n"))
    ).encode()),
    Hiding("js-array-join", lambda p: (
        "const KEY = [\n  " + ",\n  ".join(_literals(p, "'", "")) + ",\n].join('\\n');\n"
    ).encode(), keeps_lines=False),
    Hiding("template-literal", lambda p: b"export const KEY = `" + p + b"`;\n"),
    Hiding("xml-entity-10", lambda p: (
        b'<?xml version="1.0"?>\n<CustomLabels><labels><value>'
        + p.replace(b"\n", b"&#10;") + b"</value></labels></CustomLabels>\n")),
    Hiding("xml-entity-xA", lambda p: b"<value>" + p.replace(b"\n", b"&#xA;") + b"</value>"),
    Hiding("xml-entity-crlf", lambda p: (
        b"<values><value>" + p.replace(b"\n", b"&#xD;&#xA;") + b"</value></values>")),
    Hiding("xml-entity-13-10", lambda p: b"<v>" + p.replace(b"\n", b"&#13;&#10;") + b"</v>"),
    Hiding("yaml-block-scalar", lambda p: (
        b"jwt:\n  username: x\n  key: |\n" + b"".join(b"    " + line + b"\n"
                                                     for line in p.splitlines())
        + b"  audience: y\n")),
    Hiding("utf16le-bom", lambda p: p.decode().encode("utf-16"), codec="utf-16-le"),
    Hiding("utf16be-bom", lambda p: b"\xfe\xff" + p.decode().encode("utf-16-be"),
           codec="utf-16-be"),
    Hiding("utf16le-no-bom", lambda p: p.decode().encode("utf-16-le"), codec="utf-16-le"),
    Hiding("markdown-fence", lambda p: b"# Setup\n\n```\n" + p + b"```\n"),
    Hiding("markdown-quote", lambda p: b"> " + p.rstrip(b"\n").replace(b"\n", b"\n> ") + b"\n"),
    Hiding("c-comment", lambda p: b"/*\n * " + p.rstrip(b"\n").replace(b"\n", b"\n * ")
           + b"\n */\n"),
    Hiding("python-implicit-concatenation", lambda p: (
        "KEY = (\n" + "\n".join(f"    {lit}" for lit in _literals(p, '"', "\\n")) + "\n)\n"
    ).encode()),
    Hiding("shell-heredoc", lambda p: b"cat > server.key <<EOF\n" + p + b"EOF\n"),
    Hiding("terraform-heredoc", lambda p: b'private_key = <<-EOT\n    '
           + p.rstrip(b"\n").replace(b"\n", b"\n    ") + b"\n  EOT\n"),
    Hiding("template-literal-indented", lambda p: b"const k = `"
           + p.replace(b"\n", b"\n        ") + b"`;"),
    Hiding("utf16le-escaped-string", lambda p: (b'{"k": "' + p.replace(b"\n", b"\\n")
                                                + b'"}').decode().encode("utf-16"),
           codec="utf-16-le"),
    Hiding("xml-double-escaped-entity", lambda p: b"<v>" + p.replace(b"\n", b"&amp;#10;")
           + b"</v>"),
    Hiding("one-line-spaces", lambda p: p.rstrip(b"\n").replace(b"\n", b" "), keeps_lines=False),
    Hiding("html-br", lambda p: b"<p>" + p.rstrip(b"\n").replace(b"\n", b"<br>") + b"</p>\n"),
    Hiding("html-br-slash", lambda p: b"<td>" + p.rstrip(b"\n").replace(b"\n", b"<br/>")
           + b"</td>"),
    Hiding("html-br-space-upper", lambda p: p.rstrip(b"\n").replace(b"\n", b"<BR />")),
    Hiding("xml-escaped-br", lambda p: b"<value>" + p.rstrip(b"\n").replace(b"\n", b"&lt;br/&gt;")
           + b"</value>"),
)


def expected_offset(hidden: bytes, plain: bytes, hiding: Hiding) -> int:
    needle = anchor(plain)
    if hiding.codec:
        needle = needle.decode().encode(hiding.codec)
    return hidden.index(needle)


def leaks(hits: list[Hit], material: bytes) -> bool:
    """True when any hit field holds a 12-byte slice of the key's text or of its base64 body."""
    text = " ".join(f"{h.rule_id} {h.key_type} {h.fingerprint} {h.detail}" for h in hits)
    body = re.sub(rb"\s|-----[^-]*-----", b"", material)
    chunks = [body[i:i + 12] for i in range(0, max(len(body) - 12, 0), 6)]
    chunks += [base64.b64encode(material)[i:i + 12] for i in range(0, 48, 6)]
    return any(c.decode("latin-1") in text for c in chunks if c)
