"""A folder shaped like real Salesforce DX repositories: many small files, a realistic mix.

    python benchmarks/make_tree.py OUT_DIR --shape real [--mb 200] [--seed 1]

About 1,000 files a repository, ~5 KB a file on average (log-normal sizes): Apex classes and
triggers with their -meta.xml, LWC bundles (js, html, css, Jest tests), a few Aura bundles,
objects with fields, list views and validation rules, layouts, permission sets, the odd large
profile and flow, FlexiPages, custom metadata records, static resources (binary images, zips),
JSON (sfdx-project.json, package.json, data), Markdown docs, and the directories a working
copy carries but nobody commits (node_modules/, .sfdx/, .sf/). The layout is deterministic
for a seed; the planted keys are generated at run time (so they differ between builds) in
forms Salesforce repositories hold them; ``planted_forms`` says which file holds which.
"""

from __future__ import annotations

import base64
import json
import math
import random
from collections.abc import Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from make_tree import _WORDS, _cert, _field, _meta, _zip

PKG = "force-app/main/default"
NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
Enc = serialization.Encoding
Fmt = serialization.PrivateFormat
Files = dict[str, bytes]


def _size(rng: random.Random, median: int, sigma: float = 0.8, top: int = 400_000) -> int:
    return max(120, min(top, int(median * math.exp(rng.gauss(0, sigma)))))


def _fill(rng: random.Random, head: str, block: Callable[[int], str], tail: str,
          target: int) -> bytes:
    parts, size, i = [head], len(head), 0
    while size < target:
        part = block(i)
        parts.append(part)
        size += len(part)
        i += 1
    parts.append(tail)
    return "".join(parts).encode()


def _words(rng: random.Random, n: int = 2) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _apex(rng: random.Random, name: str, target: int) -> bytes:
    def method(i: int) -> str:
        w = rng.choice(_WORDS)
        return (f"\n    /** Handles {_words(rng)} ({i}). */\n"  # noqa: S608
                f"    public static List<Account> {w}{i}(Set<Id> ids) {{\n"
                f"        List<Account> rows = [SELECT Id, Name FROM Account WHERE Id IN :ids "
                f"WITH USER_MODE LIMIT {rng.randint(1, 500)}];\n"
                f"        if (rows.isEmpty()) {{ throw new AuraHandledException('No {w}'); }}\n"
                "        return rows;\n    }\n")
    return _fill(rng, f"public with sharing class {name} {{\n", method, "}\n", target)


def _xml(rng: random.Random, root: str, element: str, target: int) -> bytes:
    def block(i: int) -> str:
        return (f"    <{element}>\n        <field>{rng.choice(_WORDS).title()}_{i}__c</field>\n"
                f"        <label>{_words(rng, 3)}</label>\n        <editable>"
                f"{rng.choice(['true', 'false'])}</editable>\n    </{element}>\n")
    return _fill(rng, f"{XML}<{root} {NS}>\n", block, f"</{root}>\n", target)


def _js(rng: random.Random, name: str, target: int) -> bytes:
    def handler(i: int) -> str:
        w = rng.choice(_WORDS)
        return (f"    handle{w.title()}{i}(event) {{\n        this.{w} = event.detail?.value ?? "
                f"'{w}-{rng.randint(0, 999)}';\n    }}\n")
    head = ("import { LightningElement, api, wire } from 'lwc';\n"
            f"export default class {name[0].upper()}{name[1:]} extends LightningElement {{\n"
            "    @api recordId;\n")
    return _fill(rng, head, handler, "}\n", target)


def _html(rng: random.Random, target: int) -> bytes:
    def row(i: int) -> str:
        return (f'        <lightning-input label="{_words(rng)}" data-id="f{i}" '
                f'onchange={{handleChange}}></lightning-input>\n')
    return _fill(rng, "<template>\n    <lightning-card>\n", row,
                 "    </lightning-card>\n</template>\n", target)


def _text(rng: random.Random, title: str, target: int) -> bytes:
    return _fill(rng, f"# {title}\n\n", lambda i: f"{_words(rng, 12).capitalize()}.\n\n", "",
                 target)


def _repo_makers(rng: random.Random) -> list[tuple[int, Callable[[str, int], Files]]]:
    def apex(p: str, i: int) -> Files:
        name = f"{rng.choice(_WORDS).title()}Service{i}"
        return {f"{p}/classes/{name}.cls": _apex(rng, name, _size(rng, 6000)),
                f"{p}/classes/{name}.cls-meta.xml": _meta("ApexClass").encode()}

    def trigger(p: str, i: int) -> Files:
        return {f"{p}/triggers/T{i}.trigger": _apex(rng, f"T{i}", _size(rng, 600)),
                f"{p}/triggers/T{i}.trigger-meta.xml": _meta("ApexTrigger").encode()}

    def obj(p: str, i: int) -> Files:
        d = f"{p}/objects/Obj{i}__c"
        out = {f"{d}/Obj{i}__c.object-meta.xml": _xml(rng, "CustomObject", "actionOverrides",
                                                      _size(rng, 3000, 0.5))}
        for j in range(rng.randint(1, 8)):
            out[f"{d}/fields/F{j}__c.field-meta.xml"] = _field(rng, f"F{j}__c").encode()
        for j in range(rng.randint(0, 3)):
            out[f"{d}/listViews/All{j}.listView-meta.xml"] = _xml(rng, "ListView", "columns", 1500)
        return out

    def lwc(p: str, i: int) -> Files:
        n = f"cmp{i}"
        d = f"{p}/lwc/{n}"
        out = {f"{d}/{n}.js": _js(rng, n, _size(rng, 5000)),
               f"{d}/{n}.html": _html(rng, _size(rng, 3000)),
               f"{d}/{n}.js-meta.xml": _meta("LightningComponentBundle").encode()}
        if rng.random() < 0.5:
            out[f"{d}/{n}.css"] = b":host { display: block; }\n" * rng.randint(1, 40)
        if rng.random() < 0.4:
            out[f"{d}/__tests__/{n}.test.js"] = _js(rng, n + "Test", _size(rng, 3000))
        return out

    def aura(p: str, i: int) -> Files:
        d = f"{p}/aura/Legacy{i}"
        return {f"{d}/Legacy{i}.cmp": _html(rng, _size(rng, 2000)),
                f"{d}/Legacy{i}Controller.js": _js(rng, f"c{i}", _size(rng, 1500)),
                f"{d}/Legacy{i}Helper.js": _js(rng, f"h{i}", _size(rng, 2500)),
                f"{d}/Legacy{i}.cmp-meta.xml": _meta("AuraDefinitionBundle").encode()}

    def big_xml(folder: str, suffix: str, root: str, median: int) -> Callable[[str, int], Files]:
        return lambda p, i: {f"{p}/{folder}/{root}{i}.{suffix}-meta.xml":
                             _xml(rng, root, "fieldPermissions", _size(rng, median, 1.0))}

    def cmdt(p: str, i: int) -> Files:
        return {f"{p}/customMetadata/Setting__mdt.Rec{i}.md-meta.xml":
                _xml(rng, "CustomMetadata", "values", _size(rng, 600, 0.3))}

    def resource(p: str, i: int) -> Files:
        if rng.random() < 0.2:
            body = _zip({f"lib{i}/lib.min.js": _js(rng, f"l{i}", _size(rng, 20_000))})
        else:
            body = b"\x89PNG\r\n\x1a\n" + rng.randbytes(_size(rng, 8000, 1.0, 200_000))
        return {f"{p}/staticresources/res{i}.resource": body,
                f"{p}/staticresources/res{i}.resource-meta.xml": _meta("StaticResource").encode()}

    def docs(p: str, i: int) -> Files:
        return {f"docs/topic{i}.md": _text(rng, f"Topic {i}", _size(rng, 6000))}

    def data(p: str, i: int) -> Files:
        rows = [{"attributes": {"type": "Account"}, "Name": _words(rng), "Rank": j}
                for j in range(_size(rng, 40, 1.0, 1500))]
        return {f"data/Account{i}.json": json.dumps({"records": rows}, indent=2).encode()}

    def node_module(p: str, i: int) -> Files:
        d = f"node_modules/{rng.choice(_WORDS)}-{i}"
        return {f"{d}/package.json": json.dumps({"name": f"pkg{i}", "version": "1.0.0"}).encode(),
                f"{d}/index.js": _js(rng, f"m{i}", _size(rng, 3000)),
                f"{d}/lib/util.js": _js(rng, f"u{i}", _size(rng, 5000)),
                f"{d}/README.md": _text(rng, f"pkg{i}", _size(rng, 1500))}

    def tool_state(p: str, i: int) -> Files:
        return {f".sfdx/tools/soqlMetadata/standardObjects/O{i}.json":
                json.dumps({"name": f"O{i}", "fields": [_words(rng)] * 20}).encode(),
                f".sf/orgs/{i}/state.json": json.dumps({"i": i}).encode()}

    return [(30, apex), (4, trigger), (5, obj), (12, lwc), (2, aura),
            (4, big_xml("layouts", "layout", "Layout", 12000)),
            (3, big_xml("permissionsets", "permissionset", "PermSet", 10000)),
            (1, big_xml("flows", "flow", "Flow", 30000)),
            (2, big_xml("flexipages", "flexipage", "Page", 6000)),
            (6, cmdt), (4, resource), (5, docs), (4, data), (3, node_module), (2, tool_state)]


def _repo_files(rng: random.Random, r: int) -> Files:
    return {"sfdx-project.json": json.dumps({"packageDirectories": [
                {"path": "force-app", "default": True}], "sourceApiVersion": "66.0"},
                indent=2).encode(),
            "package.json": json.dumps({"name": f"repo{r}", "private": True, "scripts": {
                "test": "sfdx-lwc-jest"}}, indent=2).encode(),
            "README.md": _text(rng, f"Repository {r}", _size(rng, 4000)),
            ".forceignore": b"**/jsconfig.json\n**/.eslintrc.json\n**/__tests__/**\n",
            ".gitignore": b".sfdx/\n.sf/\nnode_modules/\n",
            f"{PKG}/profiles/Admin.profile-meta.xml": _xml(rng, "Profile", "fieldPermissions",
                                                           _size(rng, 60_000, 0.6))}


def build_files(megabytes: int, seed: int) -> Files:
    """The clean tree: repositories of ~1,000 files until the size is reached."""
    rng = random.Random(seed)
    makers = _repo_makers(rng)
    weights = [w for w, _ in makers]
    target = megabytes * 1024 * 1024
    files: Files = {}
    size, r = 0, 0
    while size < target:
        repo = f"repo{r:02d}"
        made = _repo_files(rng, r)
        i = 0
        while len(made) < 1000 and size + sum(map(len, made.values())) < target:
            made.update(rng.choices(makers, weights)[0][1](PKG, i))
            i += 1
        files.update({f"{repo}/{k}": v for k, v in made.items()})
        size += sum(map(len, made.values()))
        r += 1
    return files


def planted_forms(repos: int) -> tuple[dict[str, tuple[str, bytes]], Files]:
    """(positives: path -> (form, content), negatives: path -> content), spread over repos."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = key.private_bytes(Enc.PEM, Fmt.PKCS8, serialization.NoEncryption())
    der = key.private_bytes(Enc.DER, Fmt.PKCS8, serialization.NoEncryption())
    lines = pkcs8.decode().strip().splitlines()
    concat = " +\n".join(f"        '{line}\\n'" for line in lines)
    cert = _cert(key)
    pw = serialization.BestAvailableEncryption(b"bench-password")

    def at(i: int, rel: str) -> str:
        return f"repo{i % repos:02d}/{rel}"

    pos = {
        at(0, "assets/server.key"): ("assets-server-key", key.private_bytes(
            Enc.PEM, Fmt.TraditionalOpenSSL, serialization.NoEncryption())),
        at(1, "config/jwt/server.key"): ("encrypted-pem", key.private_bytes(Enc.PEM, Fmt.PKCS8,
                                                                            pw)),
        at(2, f"{PKG}/classes/JwtKeyHolder.cls"): ("apex-base64-der", (
            "public with sharing class JwtKeyHolder {\n    static final Blob KEY = "
            f"EncodingUtil.base64Decode('{base64.b64encode(der).decode()}');\n}}\n").encode()),
        at(3, f"{PKG}/classes/JwtSigner.cls"): ("apex-concat-pem", (
            f"public with sharing class JwtSigner {{\n    static String k =\n{concat};\n}}\n"
        ).encode()),
        at(4, f"{PKG}/customMetadata/Jwt_Config.Default.md-meta.xml"): ("cmdt-entity-pem", (
            f'{XML}<CustomMetadata {NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n    <label>Default</label>\n'
            "    <values>\n        <field>Private_Key__c</field>\n        <value xsi:type="
            f'"xsd:string">{"&#10;".join(lines)}</value>\n    </values>\n</CustomMetadata>\n'
        ).encode()),
        at(5, f"{PKG}/staticresources/jwtcert.resource"): ("pkcs12-staticresource",
            pkcs12.serialize_key_and_certificates(b"jwt", key, cert, None, pw)),
        at(6, f"{PKG}/staticresources/jwtlib.resource"): ("zip-staticresource", _zip(
            {"jwtlib/keys/private.pem": pkcs8, "jwtlib/jwt.js": b"export {};\n"})),
        at(7, "config/auth/jwt-auth.json"): ("json-escaped-pem", json.dumps(
            {"username": "ci@example.com", "privateKey": pkcs8.decode()}).encode()),
        at(8, ".github/workflows/deploy.yml"): ("ci-base64-pem", (
            "jobs:\n  deploy:\n    env:\n      SF_JWT_KEY_B64: "
            f"{base64.b64encode(pkcs8).decode()}\n").encode()),
        at(9, f"{PKG}/lwc/jwtSigner/jwtSigner.js"): ("lwc-template-pem", (
            f"const KEY = `{pkcs8.decode()}`;\nexport default KEY;\n").encode()),
    }
    neg = {
        at(10, "config/jwt/server.crt"): cert.public_bytes(Enc.PEM),
        at(11, "config/jwt/public.pem"): key.public_key().public_bytes(
            Enc.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        at(12, "docs/JWT-SETUP.md"): (b"# JWT setup\n\nNever commit this:\n\n```\n-----BEGIN "
                                      b"PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n```\n"),
    }
    return pos, neg
