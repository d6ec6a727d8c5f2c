"""Build the git history that bench_history.py scans (real git, ``git fast-import``).

    python benchmarks/history_repo.py OUT_REPO [--commits 3000] [--seed 1]

Deterministic for a seed (fixed author, dates one minute apart), except the key material,
which is generated at run time. Writes OUT_REPO.planted.json beside the repository: what was
planted where (path, the commits that add and remove it, branch) and the repository's size.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import string
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from make_tree import _cert, _field, _meta
from measure import manifest_path
from real_tree import PKG, _apex, build_files

Enc = serialization.Encoding
Fmt = serialization.PrivateFormat
START = 1767225600  # 2026-01-01T00:00:00Z
WORKING_COPY_ONLY = ("node_modules/", ".sfdx/", ".sf/")


def _token(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _auth_url(rng: random.Random) -> str:
    """A fake SFDX auth URL, force://<clientId>:<clientSecret>:<refreshToken>@<instance>."""
    refresh = "5Aep" + "861" + _token(rng, 80, string.ascii_letters + string.digits + "._")
    return "force:" + "//" + "PlatformCLI" + "::" + refresh + "@" + "acme.my.salesforce.com"


def _org_display(rng: random.Random) -> bytes:
    """A fake `sf org display --verbose --json` dump (access token and auth URL)."""
    org = "00D" + _token(rng, 12)
    result = {"id": org, "apiVersion": "66.0",
              "accessToken": org + "!" + "AQ" + _token(rng, 94, string.ascii_letters + "._"),
              "instanceUrl": "https://acme.my.salesforce.com", "username": "ci@acme.example",
              "clientId": "PlatformCLI", "connectedStatus": "Connected",
              "sfdxAuthUrl": _auth_url(rng)}
    return json.dumps({"status": 0, "result": result}, indent=2).encode()


def planted(commits: int, rng: random.Random) -> dict[str, dict[str, object]]:
    """name -> path, content, add/delete commit (fractions of the history), branch, note."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(Enc.PEM, Fmt.PKCS8, serialization.NoEncryption())
    der = key.private_bytes(Enc.DER, Fmt.PKCS8, serialization.NoEncryption())
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        Enc.PEM, Fmt.TraditionalOpenSSL, serialization.NoEncryption())
    p12 = pkcs12.serialize_key_and_certificates(
        b"jwt", key, _cert(key), None, serialization.BestAvailableEncryption(b"bench"))
    apex = ("public with sharing class JwtKey {\n    static final Blob KEY = EncodingUtil."
            f"base64Decode('{base64.b64encode(der).decode()}');\n}}\n").encode()

    def at(fraction: float) -> int:
        return max(1, min(commits, int(commits * fraction)))

    items: dict[str, dict[str, object]] = {
        "pem-added-deleted": {"path": "config/jwt/server.key", "data": key.private_bytes(
                                  Enc.PEM, Fmt.TraditionalOpenSSL, serialization.NoEncryption()),
                              "add": at(0.10),
                              "delete": at(0.30), "note": "PEM, deleted later"},
        "apex-base64-der": {"path": f"{PKG}/classes/JwtKey.cls", "data": apex, "add": at(0.20),
                            "delete": at(0.60), "note": "base64 DER in Apex, replaced later"},
        "pkcs12-staticresource": {"path": f"{PKG}/staticresources/jwtcert.resource",
                                  "data": p12, "add": at(0.40), "delete": at(0.70),
                                  "note": "PKCS#12 static resource, deleted later"},
        "sfdx-auth-url": {"path": "scripts/ci/auth-url.txt",
                          "data": (_auth_url(rng) + "\n").encode(), "add": at(0.50),
                          "delete": at(0.80), "note": "SFDX auth URL, deleted later"},
        "org-display-json": {"path": "scripts/ci/org.json", "data": _org_display(rng),
                             "add": at(0.85), "delete": None,
                             "note": "`sf org display --verbose --json` dump, still in HEAD"},
        "branch-only-key": {"path": "config/feature/server.key", "data": other,
                            "add": at(0.45), "delete": None, "branch": "feature/jwt",
                            "note": "EC PEM only on branch feature/jwt"},
        "same-blob-many-commits": {"path": "assets/server.key", "data": pem, "add": at(0.05),
                                   "delete": at(0.95),
                                   "note": "one blob in ~90% of the commits, deleted later"},
    }
    return items


def _data(body: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(body), body)


def _commit(ref: str, n: int, message: str, ops: list[bytes], parent: int | None) -> bytes:
    stamp = f"Bench Dev <dev@bench.example> {START + 60 * n} +0000\n".encode()
    head = (f"commit {ref}\nmark :{n}\n".encode() + b"author " + stamp + b"committer " + stamp
            + _data(message.encode()))
    return head + (f"from :{parent}\n".encode() if parent else b"") + b"".join(ops) + b"\n"


def _modify(path: str, body: bytes) -> bytes:
    return f"M 100644 inline {path}\n".encode() + _data(body)


def stream(commits: int, seed: int) -> tuple[bytes, dict[str, dict[str, object]], int]:
    rng = random.Random(seed)
    tree = {k.split("/", 1)[1]: v for k, v in build_files(4, seed).items()
            if k.startswith("repo00/") and not k.split("/", 1)[1].startswith(WORKING_COPY_ONLY)}
    items = planted(commits, rng)
    out = [_commit("refs/heads/main", 1, "Initial import",
                   [_modify(p, b) for p, b in sorted(tree.items())], None)]
    classes = sorted(p for p in tree if p.endswith(".cls"))
    for n in range(2, commits + 1):
        ops, what = [], []
        for _ in range(rng.randint(1, 3)):
            kind = rng.random()
            if kind < 0.6 and classes:
                path = rng.choice(classes)
                tree[path] = tree[path][:-2] + _apex(rng, "X", 400)[len("public with sharing "
                                                                    "class X {\n"):]
                what.append(f"update {Path(path).stem}")
            elif kind < 0.8:
                path = f"{PKG}/classes/Feature{n}.cls"
                tree[path] = _apex(rng, f"Feature{n}", rng.randint(800, 6000))
                tree[path + "-meta.xml"] = _meta("ApexClass").encode()
                ops.append(_modify(path + "-meta.xml", tree[path + "-meta.xml"]))
                classes.append(path)
                what.append(f"add Feature{n}")
            else:
                path = f"{PKG}/objects/Invoice__c/fields/F{n}__c.field-meta.xml"
                tree[path] = _field(rng, f"F{n}__c").encode()
                what.append(f"add field F{n}__c")
            ops.append(_modify(path, tree[path]))
        for name, item in items.items():
            path = str(item["path"])
            if item["add"] == n and "branch" not in item:
                ops.append(_modify(path, item["data"]))  # type: ignore[arg-type]
                what.append(f"add {Path(path).name}")
            if item["delete"] == n:
                clean = b"public with sharing class JwtKey {}\n"
                ops.append(_modify(path, clean) if name == "apex-base64-der"
                           else f"D {path}\n".encode())
                what.append(f"remove {Path(path).name}")
        out.append(_commit("refs/heads/main", n, "; ".join(what), ops, None))
    branch = commits + 1
    for item in items.values():
        if "branch" in item:
            out.append(_commit(f"refs/heads/{item['branch']}", branch, "WIP: JWT signing",
                               [_modify(str(item["path"]), item["data"])],  # type: ignore[arg-type]
                               int(item["add"])))  # type: ignore[call-overload]
    return b"".join(out), items, len(tree)


def build(repo: Path, commits: int, seed: int) -> dict[str, object]:
    data, items, files = stream(commits, seed)
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "fast-import", "--quiet"], input=data, check=True)
    subprocess.run([*git, "checkout", "-q", "-f", "main"], check=True)
    count = subprocess.run([*git, "count-objects", "-v"], capture_output=True, text=True,
                           check=True).stdout
    sizes = dict(line.split(": ") for line in count.splitlines())
    kinds = subprocess.run([*git, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype)"],
                           capture_output=True, text=True, check=True).stdout.split()
    blobs = kinds.count("blob")
    info = {"commits": commits + 1, "files": files, "blobs": blobs,
            "pack_mb": (int(sizes["size-pack"]) + int(sizes["size"])) / 1024,
            "planted": {n: {k: v for k, v in i.items() if k != "data"} for n, i in items.items()}}
    manifest_path(repo).write_text(json.dumps(info, indent=2) + "\n")
    return info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("repo", type=Path)
    p.add_argument("--commits", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    info = build(args.repo.resolve(), args.commits, args.seed)
    print(f"{args.repo}: {info['commits']} commits, {info['files']} files at HEAD, "
          f"{info['blobs']} blobs, {info['pack_mb']:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
