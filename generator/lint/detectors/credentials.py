"""Salesforce CLI credentials: auth URLs, access tokens, `org display` dumps, the CLI login store,
consumer secrets in .env/CI/scripts, and private keys kept encrypted in the repository.

A value counts only when it has the shape of a live credential: a refresh token of 40+ token
characters (`5Aep861...` today), an access token `00D<org id>!<80+ chars>` whose org id is not
one of Salesforce's documentation examples (`00Dxx...`), a consumer secret of 19-20 digits, 64
hex digits or 24+ mixed characters. Placeholders (`<refresh-token>`, `...`, `***`, `XXXX`,
`(redacted)`), variables (`$SFDX_AUTH_URL`, `${{ secrets.X }}`) and code that builds a URL
(`force://${id}:${token}@${host}`) never match, since none of them is made of token characters.
Hits carry a fingerprint of the token, never the token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from generator.lint.base import FileContext, Wants
from generator.lint.finding import Hit, Rule, Severity, fingerprint
from generator.lint.shapes import consumer_secret, random_token

_ROTATE = ("Revoke it now (Setup > Connected Apps OAuth Usage, or `sf org logout`), purge it "
           "from git history, and keep credentials in your CI's secret store, never in files in "
           "the repository; prefer the JWT bearer flow, which stores no refresh token.")
RULES: tuple[Rule, ...] = (
    Rule("sf-auth-url", "Salesforce CLI auth URL (force://...) holding a refresh token",
         "An sfdx auth URL logs anyone into the org as its user, with no password or MFA, "
         "until the refresh token is revoked.", _ROTATE),
    Rule("sf-org-display-dump", "JSON holding a Salesforce accessToken, refreshToken or "
         "sfdxAuthUrl value (e.g. `sf org display --verbose --json` output)",
         "The CLI warns that sharing this output is equivalent to logging someone in.",
         "Delete the file; pipe `sf org display` output into a secret store or a temporary "
         "file outside the repository. " + _ROTATE),
    Rule("sf-access-token", "Salesforce access token or session id (00D...!...)",
         "A session id is a bearer credential: anyone holding it calls the org's APIs as the "
         "user until the session expires or is revoked.",
         "Remove it, purge it from history and revoke the session (log out, or Setup > Session "
         "Management); pass tokens through CI secrets."),
    Rule("sf-cli-credential-store", "Salesforce CLI login store (.sfdx/key.json, "
         ".sfdx/<username>.json or their .sf/ equivalents) tracked or staged in git",
         "The CLI keeps every org login there: the encrypted tokens and, in key.json, the key "
         "that decrypts them.",
         "`git rm --cached` the files, add `.sf/` and `.sfdx/` to .gitignore, purge history and "
         "log out of (revoke) every org listed there."),
    Rule("consumer-secret-assignment", "OAuth consumer secret assigned in .env, CI "
         "configuration or a script", "A consumer secret lets anyone act as your OAuth client.",
         "Read it from the CI's secret store (`${{ secrets.X }}`, `$X`), purge it from history "
         "and rotate the secret in Setup."),
    Rule("private-key-encrypted-at-rest", "Encrypted private key or secret kept in the "
         "repository (OpenSSL `Salted__`, *.key.enc, sfdx-hardis .jwt/*.key)",
         "It is only as safe as its passphrase, which CI holds and which is often weak "
         "(`-md md5`, `-nosalt`); history keeps it after rotation.",
         "Prefer keeping the key out of the repository: store the PEM (base64) as a CI secret "
         "or in a vault and write it to a temporary file at run time. If you keep it, use a "
         "strong random passphrase and PBKDF2 (`openssl enc -pbkdf2 -iter 600000`).",
         Severity.WARNING),
)

_TOKEN = rb"[A-Za-z0-9._=-]"
_AUTH_URL = re.compile(rb"force:(?:\\?/){2}(" + _TOKEN + rb"+):(" + _TOKEN + rb"*):("
                       + _TOKEN + rb"+)@[A-Za-z0-9.-]+")
_ACCESS = re.compile(rb"(00D(?<![A-Za-z0-9]00D)[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)!"
                     rb"([A-Za-z0-9._]{80,})")
_JSON_VALUE = re.compile(rb"\"(accessToken|refreshToken|sfdxAuthUrl|access_token|refresh_token)"
                         rb"\"\s*:\s*\"([^\"\\\s]{1,2048})\"")
_SF_REFRESH = b"5Aep"  # how Salesforce refresh tokens begin
_SECRET = re.compile(rb"(?i)(?:consumer|client)[_-]?secret"
                     rb"[A-Za-z0-9_]*[\"']?[ \t]*(?::|=|[ \t])[ \t]*[\"']?([A-Za-z0-9._~+/-]+)")
_KEY_JSON = re.compile(rb"\"service\"\s*:\s*\"sfdx\"")
_OPENSSL_B64 = re.compile(rb"\s{0,64}U2FsdGVkX1")
_HARDIS = re.compile(rb"\s*[0-9a-f]{32}:[0-9a-f]{64,}\s*")
TRIGGERS = (rb"force:", rb"00D[A-Za-z0-9]{12}", rb"ccess_?[Tt]oken\"", rb"efresh_?[Tt]oken\"",
            rb"fdxAuthUrl\"", rb"ECRET", rb"ecret", rb"service\"\s*:\s*\"sfdx")

_CI_NAMES = frozenset({".gitlab-ci.yml", "bitbucket-pipelines.yml", ".travis.yml",
                       "azure-pipelines.yml", "azure-pipelines.yaml", "cloudbuild.yaml",
                       "buildspec.yml", ".drone.yml", "makefile", "gnumakefile"})
_CI_DIRS = ("/.github/workflows/", "/.github/actions/", "/.circleci/", "/.azure-pipelines/",
            "/.pipelines/", "/.gitlab/")
_SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh", ".ps1", ".psm1", ".bat", ".cmd", ".mk")
_ENCRYPTED_SUFFIXES = tuple(f"{k}{e}" for k in (".key", ".pem", ".p12", ".pfx", ".jks", ".p8",
                                                ".der", ".keystore")
                            for e in (".enc", ".gpg", ".age"))


def _refresh_token(value: bytes) -> bool:
    return random_token(value.decode("ascii").rstrip("="), 40)


def _access_token(org_id: bytes, body: bytes) -> bool:
    return not org_id[3:5].lower() == b"xx" and random_token(body.decode("ascii"), 80)


def _store_path(ctx: FileContext) -> str | None:
    """Why `ctx.path` is a file of the CLI's login store, or None."""
    path = ctx.path.lower()
    if ".sf" not in path:  # the common case, decided without splitting the path
        return None
    parts = path.split("/")
    if len(parts) < 2 or parts[-2] not in (".sfdx", ".sf"):
        return None
    name = parts[-1]
    if name == "key.json":
        return f"{parts[-2]}/key.json (the key that decrypts the stored tokens)"
    if name.endswith(".json") and "@" in name:
        return f"{parts[-2]}/<username>.json (an org login)"
    return None


def _encrypted_at_rest(ctx: FileContext, data: bytes) -> str | None:
    """How `data` is an encrypted key or secret kept on purpose, or None."""
    if data.startswith(b"Salted__"):
        return "OpenSSL enc file (Salted__)"
    if _OPENSSL_B64.match(data):
        return "OpenSSL enc -a file (base64 of Salted__)"
    name = ctx.name.lower()
    suffix = next((s for s in _ENCRYPTED_SUFFIXES if name.endswith(s)), None) \
        if name.endswith(_ENCRYPTED_SUFFIXES) else None
    hardis = name.endswith(".key") and "/.jwt/" in "/" + ctx.path.lower()
    if not (suffix or hardis) or b"PRIVATE KEY" in data:
        return None  # a plaintext key under an "encrypted" name: pem-private-key reports it
    if suffix is not None:
        return f"encrypted key file *{suffix}"
    form = "iv:ciphertext" if _HARDIS.fullmatch(data) else "content not recognised"
    return f"sfdx-hardis .jwt/*.key ({form})"


def _config_file(ctx: FileContext) -> bool:
    """A .env file, CI configuration or a shell/PowerShell/batch script."""
    name, path = ctx.name.lower(), "/" + ctx.path.lower()
    return (name == ".env" or name.startswith(".env.") or name.endswith(".env")
            or name in _CI_NAMES or name.startswith(("jenkinsfile", "azure-pipelines"))
            or (any(d in path for d in _CI_DIRS) and name.endswith((".yml", ".yaml")))
            or name.endswith(_SCRIPT_SUFFIXES))


# the login store (".sf" in the path), Salted__ or its base64, encrypted names, .jwt/*.key
WANTS = Wants(head=rb"Salted__|" + _OPENSSL_B64.pattern, suffixes=(*_ENCRYPTED_SUFFIXES, ".key"),
              in_path=(".sf",))


def wants(ctx: FileContext, data: bytes) -> bool:
    """Path and file-magic rules, which no content trigger expresses."""
    return _store_path(ctx) is not None or _encrypted_at_rest(ctx, data) is not None


def _dump_hits(data: bytes) -> Iterator[tuple[Hit, int, int]]:
    for m in _JSON_VALUE.finditer(data):
        key, value = m.group(1).decode(), m.group(2)
        if key == "sfdxAuthUrl":
            url = _AUTH_URL.fullmatch(value)
            real = url is not None and _refresh_token(url.group(3))
            material = url.group(3) if url is not None else value
        elif key.startswith("access"):
            token = _ACCESS.fullmatch(value)
            if token is not None:
                real = _access_token(token.group(1), token.group(2))
            else:  # the CLI's camelCase key may hold a JWT-based token (API 68.0 and later);
                # a snake_case OAuth response of another provider (GitHub, Google) is not ours
                real = key == "accessToken" and random_token(value.decode("ascii", "replace"), 40)
            material = value
        else:  # refresh tokens: in a snake_case OAuth response only Salesforce's 5Aep... form
            real = (key == "refreshToken" or value.startswith(_SF_REFRESH)) \
                and _refresh_token(value)
            material = value
        if real:
            yield (Hit("sf-org-display-dump", m.start(), None, fingerprint(material),
                       f"JSON {key}"), m.start(), m.end())


def _token_hits(data: bytes, taken: list[tuple[int, int]]) -> Iterator[Hit]:
    def free(pos: int) -> bool:
        return not any(start <= pos < end for start, end in taken)

    for m in _AUTH_URL.finditer(data):
        if free(m.start()) and _refresh_token(m.group(3)):
            form = "client id:secret:refresh token" if m.group(2) else "client id::refresh token"
            yield Hit("sf-auth-url", m.start(), None, fingerprint(m.group(3)), form)
    for m in _ACCESS.finditer(data):
        if free(m.start()) and _access_token(m.group(1), m.group(2)):
            yield Hit("sf-access-token", m.start(), None, fingerprint(m.group(0)),
                      "00D<org id>!<token>")


def _secret_hits(ctx: FileContext, data: bytes) -> Iterator[Hit]:
    if not _config_file(ctx):
        return
    for m in _SECRET.finditer(data):
        value = m.group(1).decode("ascii").strip("'\".,;")
        if consumer_secret(value):
            yield Hit("consumer-secret-assignment", m.start(), None,
                      fingerprint(value.encode()), f"assignment in {ctx.name}")


def scan(ctx: FileContext, data: bytes) -> Iterable[Hit]:
    """Every credential hit in one blob."""
    hits: list[Hit] = []
    store = _store_path(ctx)
    if store is not None:
        hits.append(Hit("sf-cli-credential-store", 0, None, fingerprint(data), store))
    elif _KEY_JSON.search(data) and b'"key"' in data and ctx.name.lower().endswith(".json"):
        hits.append(Hit("sf-cli-credential-store", 0, None, fingerprint(data),
                        "CLI key.json content (the key that decrypts stored tokens)"))
    encrypted = _encrypted_at_rest(ctx, data)
    if encrypted is not None:
        hits.append(Hit("private-key-encrypted-at-rest", 0, None, fingerprint(data), encrypted))
    dumps = [] if store is not None else list(_dump_hits(data))
    hits += (hit for hit, _, _ in dumps)
    hits += _token_hits(data, [(start, end) for _, start, end in dumps])
    hits += _secret_hits(ctx, data)
    return hits
