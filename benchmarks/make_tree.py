"""Generate a large synthetic Salesforce DX tree with private keys planted in known forms.

    python benchmarks/make_tree.py OUT_DIR [--shape synthetic|real] [--mb 300] [--seed 1]
                                           [--scale 1.0]

``--shape synthetic`` (default): everything is generated: code-like Apex, metadata XML, LWC
bundles, custom labels, JSON and zip static resources, deterministic for a seed, plus one file
per planted key form and a few negatives (certificates, public keys, prose about PEM). Keys are
made here with `cryptography` (and `keytool` when present); nothing is ever committed. The
manifest lists which files hold a key (`positive`) and which must stay clean (`negative`).
``--scale`` multiplies the size of every generated file (0.33 with ``--mb 100`` gives ~28k
files of ~3.5 KB).

``--shape real``: a folder of repositories shaped like real Salesforce DX ones
(benchmarks/real_tree.py: ~1,000 files a repository, ~5 KB a file, keys in Salesforce forms).

The manifest is written beside the tree, as ``OUT_DIR.planted.json`` (outside the tree, so
every scanner sees exactly the same files): ``positive``, ``negative``, ``forms`` (path ->
form name), ``files``, ``bytes``.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from measure import manifest_path

PKG = "force-app/main/default"
Enc = serialization.Encoding
Fmt = serialization.PrivateFormat
_WORDS = ("account", "contact", "invoice", "payload", "request", "response", "token", "record",
          "mapping", "status", "result", "header", "queue", "batch", "schedule", "endpoint")


def _apex_class(rng: random.Random, name: str, target_bytes: int) -> str:
    lines = [f"/**\n * {name}: generated benchmark class.\n */",
             f"public with sharing class {name} {{"]
    i = 0
    while sum(len(x) + 1 for x in lines) < target_bytes:
        w1, w2 = rng.choice(_WORDS), rng.choice(_WORDS)
        lines += [
            "    /**", f"     * Handles the {w1} {w2} step {i}.", "     */",
            f"    public static Map<String, Object> {w1}{w2.title()}{i}(List<Id> ids) {{",
            "        Map<String, Object> out = new Map<String, Object>();",
            f"        for (Account a : [SELECT Id, Name FROM Account WHERE Id IN :ids "  # noqa: S608
            f"WITH USER_MODE LIMIT {rng.randint(10, 500)}]) {{",
            f"            out.put(a.Id, '{w2}-' + a.Name + '-{rng.randint(0, 10**6)}');",
            "        }",
            f"        if (out.size() > {rng.randint(1, 99)}) {{",
            f"            throw new IllegalArgumentException('Too many {w1} records');",
            "        }",
            "        return out;",
            "    }",
        ]
        i += 1
    lines.append("}")
    return "\n".join(lines) + "\n"


def _meta(kind: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{kind} '
            f'xmlns="http://soap.sforce.com/2006/04/metadata">\n    <apiVersion>66.0</apiVersion>\n'
            f"    <status>Active</status>\n</{kind}>\n")


def _field(rng: random.Random, name: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<CustomField '
            'xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"    <fullName>{name}</fullName>\n"
            f"    <description>{rng.choice(_WORDS)} {rng.choice(_WORDS)} field</description>\n"
            f"    <label>{name.replace('_', ' ')[:-3]}</label>\n    <length>255</length>\n"
            "    <type>Text</type>\n</CustomField>\n")


def _labels(rng: random.Random, count: int) -> str:
    body = "".join(
        f"    <labels>\n        <fullName>Label_{i}</fullName>\n"
        "        <language>en_US</language>\n"
        f"        <protected>false</protected>\n        <shortDescription>Label {i}"
        f"</shortDescription>\n        <value>The {rng.choice(_WORDS)} for {rng.choice(_WORDS)} "
        f"&amp; more&#10;second line {i}</value>\n    </labels>\n"
        for i in range(count))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<CustomLabels '
            f'xmlns="http://soap.sforce.com/2006/04/metadata">\n{body}</CustomLabels>\n')


def _lwc_js(rng: random.Random, name: str, target_bytes: int) -> str:
    parts = ["import { LightningElement, api } from 'lwc';\n",
             f"export default class {name[0].upper() + name[1:]} extends LightningElement {{\n",
             "    @api recordId;\n"]
    i = 0
    while sum(map(len, parts)) < target_bytes:
        w = rng.choice(_WORDS)
        parts.append(f"    handle{w.title()}{i}(event) {{\n"
                     f"        const value = event.target.value ?? '{w}-{rng.randint(0, 999)}';\n"
                     f"        this.dispatchEvent(new CustomEvent('{w}', {{ detail: value }}));\n"
                     "    }\n")
        i += 1
    parts.append("}\n")
    return "".join(parts)


def _js_library(rng: random.Random, target_bytes: int) -> bytes:
    chunks = []
    size = 0
    i = 0
    while size < target_bytes:
        w = rng.choice(_WORDS)
        line = (f"function {w}{i}(a,b){{var c=a||{{}};return c['{w}']=b*{rng.randint(1, 999)},"
                f"c}}/* {w} helper {i} */\n")
        chunks.append(line)
        size += len(line)
        i += 1
    return "".join(chunks).encode()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _cert(key: rsa.RSAPrivateKey) -> x509.Certificate:
    import datetime

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))


def _keytool_jks(tmp: Path) -> bytes | None:
    if shutil.which("keytool") is None:
        return None
    store = tmp / "bench.jks"
    cmd = ["keytool", "-genkeypair", "-alias", "jwt", "-keyalg", "RSA", "-keysize", "2048",
           "-dname", "CN=bench", "-storetype", "JKS", "-keystore", str(store),
           "-storepass", "changeit", "-keypass", "changeit", "-validity", "30"]
    done = subprocess.run(cmd, capture_output=True, check=False)
    return store.read_bytes() if done.returncode == 0 and store.exists() else None


def planted_forms(tmp: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(positives, negatives): relative path -> content."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    pkcs8 = rsa_key.private_bytes(Enc.PEM, Fmt.PKCS8, serialization.NoEncryption())
    pkcs8_der = rsa_key.private_bytes(Enc.DER, Fmt.PKCS8, serialization.NoEncryption())
    pw = serialization.BestAvailableEncryption(b"bench-password")
    lines = pkcs8.decode().strip().splitlines()
    esc = "\\n".join(lines)
    concat = " +\n".join(f"        '{line}\\n'" for line in lines)
    js_array = ",\n".join(f"    '{line}'" for line in lines)
    entity = "&#10;".join(lines)
    cert = _cert(rsa_key)
    pos: dict[str, bytes] = {
        "server.key": pkcs8,
        "config/jwt/server.pem": rsa_key.private_bytes(Enc.PEM, Fmt.TraditionalOpenSSL,
                                                       serialization.NoEncryption()),
        "config/jwt/ec.pem": ec_key.private_bytes(Enc.PEM, Fmt.TraditionalOpenSSL,
                                                  serialization.NoEncryption()),
        "config/jwt/ed25519.pem": ed_key.private_bytes(Enc.PEM, Fmt.PKCS8,
                                                       serialization.NoEncryption()),
        "config/jwt/encrypted.pem": rsa_key.private_bytes(Enc.PEM, Fmt.PKCS8, pw),
        "config/jwt/legacy.pem": rsa_key.private_bytes(Enc.PEM, Fmt.TraditionalOpenSSL, pw),
        "config/ssh/id_ed25519": ed_key.private_bytes(Enc.PEM, Fmt.OpenSSH,
                                                      serialization.NoEncryption()),
        f"{PKG}/classes/KeyEscaped.cls":
            f"public class KeyEscaped {{\n    static String k = '{esc}';\n}}\n".encode(),
        f"{PKG}/classes/KeyConcat.cls":
            f"public class KeyConcat {{\n    static String k =\n{concat};\n}}\n".encode(),
        f"{PKG}/lwc/keyHolder/keyHolder.js":
            f"const KEY = [\n{js_array}\n].join('\\n');\nexport default KEY;\n".encode(),
        f"{PKG}/labels/KeyLabels.labels-meta.xml":
            ('<?xml version="1.0" encoding="UTF-8"?>\n<CustomLabels xmlns="http://soap.sforce.'
             'com/2006/04/metadata">\n    <labels>\n        <fullName>Jwt_Key</fullName>\n'
             f"        <value>{entity}</value>\n    </labels>\n</CustomLabels>\n").encode(),
        f"{PKG}/classes/KeyBase64.cls":
            ("public class KeyBase64 {\n    static Blob k = EncodingUtil.base64Decode('"
             f"{base64.b64encode(pkcs8_der).decode()}');\n}}\n").encode(),
        f"{PKG}/classes/KeyHex.cls":
            ("public class KeyHex {\n    static Blob k = EncodingUtil.convertFromHex('"
             f"{pkcs8_der.hex()}');\n}}\n").encode(),
        ".github/ci-secrets.env": f"JWT_KEY_B64={base64.b64encode(pkcs8).decode()}\n".encode(),
        f"{PKG}/staticresources/jwtkey.resource": pkcs8_der,
        f"{PKG}/staticresources/jwtcert.resource": pkcs12.serialize_key_and_certificates(
            b"jwt", rsa_key, cert, None, pw),
        f"{PKG}/staticresources/jwk.resource": json.dumps({"keys": [{
            "kty": "EC", "crv": "P-256",
            "x": base64.urlsafe_b64encode(ec_key.public_key().public_numbers().x.to_bytes(
                32, "big")).rstrip(b"=").decode(),
            "y": base64.urlsafe_b64encode(ec_key.public_key().public_numbers().y.to_bytes(
                32, "big")).rstrip(b"=").decode(),
            "d": base64.urlsafe_b64encode(ec_key.private_numbers().private_value.to_bytes(
                32, "big")).rstrip(b"=").decode()}]}).encode(),
        f"{PKG}/staticresources/jwtlib.resource": _zip({"jwtlib/keys/private.pem": pkcs8,
                                                        "jwtlib/jwt.js": b"export {}\n"}),
        "scripts/key-utf16.pem": pkcs8.decode().encode("utf-16"),
        "config/auth/auth.json":
            json.dumps({"privateKey": pkcs8.decode()}).encode(),
    }
    jks = _keytool_jks(tmp)
    if jks is not None:
        pos[f"{PKG}/staticresources/keystore.resource"] = jks
    neg: dict[str, bytes] = {
        "config/jwt/server.crt": cert.public_bytes(Enc.PEM),
        "config/jwt/public.pem": rsa_key.public_key().public_bytes(
            Enc.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        f"{PKG}/classes/KeyStripper.cls": (
            b"public class KeyStripper {\n    public static String strip(String k) {\n"
            b"        return k.replace('-----BEGIN RSA PRIVATE KEY-----', '')\n"
            b"            .replace('-----END RSA PRIVATE KEY-----', '');\n    }\n}\n"),
        "docs/KEYS.md": (b"# Keys\n\nNever commit a file like this:\n\n```\n"
                         b"-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n```\n"),
        f"{PKG}/staticresources/certonly.resource": pkcs12.serialize_key_and_certificates(
            b"cert", None, None, [cert], serialization.NoEncryption()),
    }
    return pos, neg


def build(out: Path, megabytes: int, seed: int, scale: float = 1.0) -> dict[str, object]:
    rng = random.Random(seed)

    def n(low: int, high: int) -> int:
        return max(1, int(rng.randint(low, high) * scale))

    target = megabytes * 1024 * 1024
    files: dict[str, bytes] = {
        "sfdx-project.json": json.dumps({"packageDirectories": [
            {"path": "force-app", "default": True, "package": "Bench", "versionNumber":
             "0.1.0.NEXT"}], "namespace": "", "sourceApiVersion": "66.0"}, indent=2).encode(),
        ".forceignore": b"**/__tests__/**\n",
    }
    makers: list[Callable[[int], dict[str, bytes]]] = [
        lambda i: {f"{PKG}/classes/Service{i}.cls":
                   _apex_class(rng, f"Service{i}", n(4_000, 60_000)).encode(),
                   f"{PKG}/classes/Service{i}.cls-meta.xml": _meta("ApexClass").encode()},
        lambda i: {f"{PKG}/objects/Obj{i}__c/fields/Field_{j}__c.field-meta.xml":
                   _field(rng, f"Field_{j}__c").encode() for j in range(8)},
        lambda i: {f"{PKG}/lwc/cmp{i}/cmp{i}.js":
                   _lwc_js(rng, f"cmp{i}", n(2_000, 20_000)).encode(),
                   f"{PKG}/lwc/cmp{i}/cmp{i}.html":
                   f"<template>\n    <p>{rng.choice(_WORDS)}</p>\n</template>\n".encode(),
                   f"{PKG}/lwc/cmp{i}/cmp{i}.js-meta.xml":
                   _meta("LightningComponentBundle").encode()},
        lambda i: {f"{PKG}/staticresources/lib{i}.resource":
                   _zip({f"lib{i}/dist/lib.js": _js_library(rng, n(100_000, 600_000)),
                         f"lib{i}/README.md": b"# vendored library\n"}),
                   f"{PKG}/staticresources/lib{i}.resource-meta.xml":
                   b'<?xml version="1.0" encoding="UTF-8"?>\n<StaticResource xmlns="http://soap'
                   b'.sforce.com/2006/04/metadata">\n    <cacheControl>Private</cacheControl>\n'
                   b"    <contentType>application/zip</contentType>\n</StaticResource>\n"},
        lambda i: {f"data/records{i}.json": json.dumps(
                   [{"Id": f"001{rng.randint(10**11, 10**12):012d}AAA", "Name":
                     f"{rng.choice(_WORDS)} {j}"} for j in range(n(50, 2_000))],
                   indent=2).encode()},
        lambda i: {f"{PKG}/labels/Set{i}.labels-meta.xml":
                   _labels(rng, n(20, 400)).encode()},
    ]
    weights = [40, 15, 20, 3, 12, 10]
    size = sum(map(len, files.values()))
    i = 0
    while size < target:
        made = rng.choices(makers, weights)[0](i)
        files.update(made)
        size += sum(map(len, made.values()))
        i += 1
    with tempfile.TemporaryDirectory() as tmp:
        positives, negatives = planted_forms(Path(tmp))
    return write(out, files, {p: Path(p).name for p in positives}, positives, negatives)


def build_real(out: Path, megabytes: int, seed: int) -> dict[str, object]:
    import real_tree

    files = real_tree.build_files(megabytes, seed)
    repos = len({p.split("/", 1)[0] for p in files})
    planted, negatives = real_tree.planted_forms(repos)
    positives = {p: data for p, (_, data) in planted.items()}
    return write(out, files, {p: form for p, (form, _) in planted.items()}, positives, negatives)


def write(out: Path, files: dict[str, bytes], forms: dict[str, str],
          positives: dict[str, bytes], negatives: dict[str, bytes]) -> dict[str, object]:
    files = {**files, **positives, **negatives}
    if out.exists():
        shutil.rmtree(out)
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    manifest = {"positive": sorted(positives), "negative": sorted(negatives), "forms": forms,
                "files": len(files), "bytes": sum(map(len, files.values()))}
    manifest_path(out).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--shape", choices=("synthetic", "real"), default="synthetic")
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="synthetic: file size factor")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    manifest = (build_real(out, args.mb, args.seed) if args.shape == "real"
                else build(out, args.mb, args.seed, args.scale))
    print(f"{out}: {manifest['files']} files, {int(manifest['bytes']) / 2**20:.0f} MiB, "
          f"{len(manifest['positive'])} planted keys, {len(manifest['negative'])} negatives "
          f"(manifest: {manifest_path(out)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
