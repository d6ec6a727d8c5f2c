"""credentials.py: CLI auth URLs, access tokens, org display dumps, the login store, consumer
secrets in config, encrypted keys at rest. Every credential-shaped value is built at test time
from random pieces, so this file holds none (the repository lints itself)."""

from __future__ import annotations

import base64
import json
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.lint import shapes
from generator.lint.base import FileContext
from generator.lint.detectors import credentials
from generator.lint.finding import Location

ALNUM = string.ascii_letters + string.digits
PREFIX = "5Aep" + "861"  # a refresh token's prefix, split so no line here starts one


def _ctx(path: str, in_package: bool = False) -> FileContext:
    return FileContext(Location(path), path.rsplit("/", 1)[-1], in_package)


def _rand(n: int, alphabet: str = ALNUM) -> str:
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(n))
        if shapes.random_token(value, 0):  # a random draw that happens to spell "xxxx" is redrawn
            return value


def refresh_token() -> str:
    return PREFIX + _rand(60) + "." + _rand(19, ALNUM + "._")


def org_id() -> str:
    return "00D" + _rand(2) + "0" + _rand(9, string.digits + string.ascii_uppercase)


def access_token() -> str:
    return org_id() + "!" + "AQ" + _rand(3) + _rand(90, ALNUM + "._")


def consumer_key() -> str:
    return "3MVG9" + _rand(80, ALNUM + "._")


def consumer_secret() -> str:
    return secrets.token_hex(32).upper()


def auth_url(host: str = "acme--uat.sandbox.my.salesforce.com") -> str:
    return "force" + f"://PlatformCLI::{refresh_token()}@{host}"


def old_auth_url() -> str:
    return "force" + f"://{consumer_key()}:{secrets.randbelow(10**19):019d}:{refresh_token()}" \
        "@login.salesforce.com"


def org_display(**result: str) -> bytes:
    base = {"id": org_id(), "apiVersion": "62.0", "instanceUrl": "https://acme.my.salesforce.com",
            "username": "ci@acme.com", "clientId": "PlatformCLI", "connectedStatus": "Connected"}
    doc = {"status": 0, "result": {**base, **result},
           "warnings": ["This command will expose sensitive information that allows for "
                        "subsequent activity using your current authenticated session."]}
    return json.dumps(doc, indent=2).encode()


def _text(s: str) -> bytes:
    return s.encode()


# (case id, path, builder, expected rule ids in order)
TRUE_POSITIVES = [
    ("auth-url-platformcli-shell", "scripts/deploy.sh",
     lambda: _text(f"echo '{auth_url()}' > authFile.txt\n"), ["sf-auth-url"]),
    ("auth-url-old-format", "build/deploy.sh",
     lambda: _text(f"devHubSfdxAuthUrl={old_auth_url()}\n"), ["sf-auth-url"]),
    ("auth-url-old-format-with-developer-id", "scripts/login.sh",
     lambda: _text("force" + f"://SalesforceDevelopmentExperience:{_rand(64, '0123456789ABCDEF')}"
                   f":{refresh_token()}@acme.my.salesforce.com\n"), ["sf-auth-url"]),
    ("auth-url-in-markdown", "docs/notes.md",
     lambda: _text(f"Login with `sf org login sfdx-url` and:\n\n    {auth_url()}\n"),
     ["sf-auth-url"]),
    ("auth-url-sfdxurl-file", "authFile.sfdxurl", lambda: _text(auth_url() + "\n"),
     ["sf-auth-url"]),
    ("auth-url-json-escaped-slashes", "config/ci.json",
     lambda: _text('{"url": "' + auth_url().replace("/", "\\/") + '"}'), ["sf-auth-url"]),
    ("auth-url-apex", "force-app/main/default/classes/Ci.cls",
     lambda: _text(f"String u = '{auth_url()}';\n"), ["sf-auth-url"]),
    ("auth-url-with-port", "test/fixture.ts",
     lambda: _text(f"const u = '{auth_url('acme.my.salesforce.com:6101')}';\n"),
     ["sf-auth-url"]),
    ("org-display-dump", "authFile.json",
     lambda: org_display(accessToken=access_token(), sfdxAuthUrl=auth_url()),
     ["sf-org-display-dump", "sf-org-display-dump"]),
    ("org-display-access-token-only", "orgInfo.json",
     lambda: org_display(accessToken=access_token()), ["sf-org-display-dump"]),
    ("oauth-token-response", "tmp/token.json",
     lambda: _text(json.dumps({"access_token": access_token(), "refresh_token": refresh_token(),
                               "instance_url": "https://acme.my.salesforce.com"})),
     ["sf-org-display-dump", "sf-org-display-dump"]),
    ("refresh-token-json", "config/auth.json",
     lambda: _text(json.dumps({"refreshToken": refresh_token()})), ["sf-org-display-dump"]),
    ("access-token-jwt-json", "out.json",
     lambda: _text(json.dumps({"accessToken": "eyJ" + _rand(40) + "." + _rand(120) + "."
                               + _rand(60)})), ["sf-org-display-dump"]),
    ("access-token-curl", "scripts/query.sh",
     lambda: _text(f'curl -H "Authorization: Bearer {access_token()}" https://x\n'),
     ["sf-access-token"]),
    ("access-token-18-char-org-id", "notes.txt",
     lambda: _text(f"sid={org_id()}ABC!{_rand(96)}\n"), ["sf-access-token"]),
    ("access-token-env", ".env", lambda: _text(f"SF_ACCESS_TOKEN={access_token()}\n"),
     ["sf-access-token"]),
    ("cli-store-key-json", ".sfdx/key.json",
     lambda: _text(json.dumps({"service": "sfdx", "account": "local",
                               "key": secrets.token_hex(16)})), ["sf-cli-credential-store"]),
    ("cli-store-user-json", ".sfdx/ci@acme.com.json",
     lambda: _text(json.dumps({"accessToken": secrets.token_hex(16) + ":" + secrets.token_hex(64),
                               "orgId": org_id(), "username": "ci@acme.com"})),
     ["sf-cli-credential-store"]),
    ("cli-store-sf-dir", "sub/.sf/key.json", lambda: b"{}", ["sf-cli-credential-store"]),
    ("cli-store-key-json-content-elsewhere", "backup/key.json",
     lambda: _text(json.dumps({"service": "sfdx", "account": "local",
                               "key": secrets.token_hex(16)})), ["sf-cli-credential-store"]),
    ("secret-in-dotenv", ".env", lambda: _text(f"SF_CONSUMER_SECRET={consumer_secret()}\n"),
     ["consumer-secret-assignment"]),
    ("secret-in-dotenv-quoted", "config/.env.production",
     lambda: _text(f'SFDX_CLIENT_SECRET="{consumer_secret()}"\n'), ["consumer-secret-assignment"]),
    ("secret-in-github-workflow", ".github/workflows/ci.yml",
     lambda: _text(f"env:\n  CONSUMER_SECRET: {consumer_secret()}\n"),
     ["consumer-secret-assignment"]),
    ("secret-in-gitlab-ci", ".gitlab-ci.yml",
     lambda: _text(f"variables:\n  SF_CLIENT_SECRET: '{secrets.randbelow(10**19):019d}'\n"),
     ["consumer-secret-assignment"]),
    ("secret-in-circleci", ".circleci/config.yml",
     lambda: _text(f"      - run: export CLIENT_SECRET={consumer_secret()}\n"),
     ["consumer-secret-assignment"]),
    ("secret-in-bitbucket", "bitbucket-pipelines.yml",
     lambda: _text(f"script:\n  - CONSUMER_SECRET={consumer_secret()} ./deploy.sh\n"),
     ["consumer-secret-assignment"]),
    ("secret-in-azure", "azure-pipelines.yml",
     lambda: _text(f"variables:\n  clientSecret: {_rand(40)}\n"), ["consumer-secret-assignment"]),
    ("secret-in-jenkinsfile", "Jenkinsfile",
     lambda: _text(f"environment {{\n  SF_CONSUMER_SECRET = '{consumer_secret()}'\n}}\n"),
     ["consumer-secret-assignment"]),
    ("secret-in-curl-script", "scripts/token.sh",
     lambda: _text(f"curl -d 'grant_type=password&client_id=abc&client_secret="
                   f"{secrets.randbelow(10**19):019d}' https://login.salesforce.com\n"),
     ["consumer-secret-assignment"]),
    ("secret-in-powershell", "scripts/login.ps1",
     lambda: _text(f"$env:SF_CONSUMER_SECRET = '{consumer_secret()}'\n"),
     ["consumer-secret-assignment"]),
    ("openssl-salted", "assets/server.key.bin",
     lambda: b"Salted__" + secrets.token_bytes(8) + secrets.token_bytes(1200),
     ["private-key-encrypted-at-rest"]),
    ("openssl-salted-base64", "keys/jwt.txt",
     lambda: base64.b64encode(b"Salted__" + secrets.token_bytes(600)) + b"\n",
     ["private-key-encrypted-at-rest"]),
    ("travis-key-enc", "assets/server.key.enc", lambda: secrets.token_bytes(1216),
     ["private-key-encrypted-at-rest"]),
    ("hardis-jwt-key", "config/branches/.jwt/integration.key",
     lambda: _text(secrets.token_hex(16) + ":" + secrets.token_hex(1200)),
     ["private-key-encrypted-at-rest"]),
    ("hardis-devhub-jwt-key", ".jwt/devhub.key", lambda: _text(secrets.token_hex(200)),
     ["private-key-encrypted-at-rest"]),
]

FALSE_POSITIVES = [
    ("auth-url-placeholder", "README.md",
     lambda: b"force://<clientId>:<clientSecret>:<refreshToken>@<instanceUrl>\n"),
    ("auth-url-placeholder-dashes", "README.md",
     lambda: b"force://PlatformCLI::<refresh-token>@<host>\n"),
    ("auth-url-truncated", "docs/env.md",
     lambda: _text("force" + f"://PlatformCLI::{PREFIX}4XXXXXXXXXXXX...@x.my.salesforce.com\n")),
    ("auth-url-ellipsis", "docs/ci.md", lambda: b"SFDX_AUTH_URL=force://...\n"),
    ("auth-url-stars", "docs/ci.md",
     lambda: _text("force" + "://PlatformCLI::" + "*" * 40 + "@acme.my.salesforce.com\n")),
    ("auth-url-redacted", "docs/ci.md",
     lambda: _text("force" + "://PlatformCLI::(redacted)@acme.my.salesforce.com\n")),
    ("auth-url-redacted-word", "docs/ci.md",
     lambda: _text("force" + f"://PlatformCLI::{PREFIX}REDACTED{_rand(40)}@acme.my.salesforce.com\n")),
    ("auth-url-short-fake", "test/login.test.ts",
     lambda: b"'force://PlatformCLI::CoffeeAndBacon@su0503.my.salesforce.com'\n"),
    ("auth-url-variable", ".github/workflows/ci.yml",
     lambda: b"run: echo $SFDX_AUTH_URL > auth.txt\n  env:\n    SFDX_AUTH_URL: "
             b"${{ secrets.SFDX_AUTH_URL }}\n"),
    ("auth-url-built-in-code", "src/authInfo.ts",
     lambda: b"return `force://${clientIdAndSecret}:${token}@${url}`;\n"),
    ("auth-url-concatenation", "src/x.js",
     lambda: b"const u = 'force://PlatformCLI::' + token + '@' + host;\n"),
    ("auth-url-mention", "src/utils.ts", lambda: b"if (authUrl.includes('force://')) {\n"),
    ("access-token-doc-example-org", "test/login.test.ts",
     lambda: _text(f"'00Dxx0000000001!{_rand(96)}'\n")),
    ("access-token-x-body", "test/access-token.test.ts",
     lambda: b"const t = '00Dxx0000000000!" + b"x" * 54 + b"';\n"),
    ("access-token-too-short", "test/filter.test.ts",
     lambda: _text(f"token: '{org_id()}!AQ0AQHg3LnYDOyobmH07',\n")),
    ("access-token-redacted", "docs/x.md", lambda: _text(f"{org_id()}!" + "*" * 90 + "\n")),
    ("access-token-org-id-only", "docs/x.md", lambda: _text(f"Org id {org_id()}!\n")),
    ("dump-placeholders", "authFile.json",
     lambda: org_display(accessToken="<access token>", sfdxAuthUrl="force://<redacted>")),
    ("dump-variables", "config/auth.json",
     lambda: b'{"accessToken": "${ACCESS_TOKEN}", "refreshToken": "$REFRESH"}'),
    ("dump-test-words", "test/fixtures/auth.json",
     lambda: b'{"accessToken": "authInfoTest_access_token", "refreshToken": "refresh_token"}'),
    ("dump-hidden", "test/x.json",
     lambda: b'{"refreshToken": "<refresh_token - HIDDEN>", "accessToken": "HIDDEN"}'),
    ("dump-empty", "x.json", lambda: b'{"accessToken": "", "sfdxAuthUrl": ""}'),
    # another provider's OAuth response (a recorded GitHub device flow, a Google token): a
    # secret, but not a Salesforce one, so no Salesforce rule claims it
    ("oauth-response-github", "tests/cassettes/device.yaml",
     lambda: _text(json.dumps({"access_token": "gho" + "_" + _rand(36),
                               "token_type": "bearer", "scope": "gist,repo"}))),
    ("oauth-response-google", "tmp/google.json",
     lambda: _text(json.dumps({"access_token": "ya29." + _rand(120, ALNUM + "_-"),
                               "refresh_token": "1//0" + _rand(96, ALNUM + "_-")}))),
    ("sfdx-project-config", ".sfdx/sfdx-config.json",
     lambda: b'{"defaultusername": "ci@acme.com"}'),
    ("sf-config", ".sf/config.json", lambda: b'{"target-org": "ci@acme.com"}'),
    ("sfdx-alias", ".sfdx/alias.json", lambda: b'{"orgs": {"ci": "ci@acme.com"}}'),
    ("username-json-outside-store", "data/ci@acme.com.json", lambda: b"{}"),
    ("key-json-other-tool", "config/key.json", lambda: b'{"key": "value"}'),
    ("secret-from-ci-store", ".github/workflows/ci.yml",
     lambda: b"env:\n  SF_CONSUMER_SECRET: ${{ secrets.SF_CONSUMER_SECRET }}\n"),
    ("secret-from-env", "scripts/login.sh",
     lambda: b'CLIENT_SECRET="$SF_CLIENT_SECRET"\ncurl -d client_secret=$CLIENT_SECRET x\n'),
    ("secret-placeholder-dotenv", ".env.example",
     lambda: b"SF_CONSUMER_SECRET=your-consumer-secret\nSF_CLIENT_SECRET=changeme\n"
             b"CONSUMER_SECRET=<paste here>\nCLIENT_SECRET=XXXXXXXXXXXXXXXXXXXXXXXXXXXX\n"),
    ("secret-word-values", ".env",
     lambda: b"CONSUMER_SECRET=should-hide\nCLIENT_SECRET=HIDDEN_BY_SFDX_HARDIS\n"),
    ("secret-in-ts-test-not-config", "test/sensitive.test.ts",
     lambda: _text(f"const CLIENT_SECRET = '{consumer_secret()}';\n")),
    ("secret-comment", "scripts/x.sh", lambda: b"# the client secret is read from vault\n"),
    ("secret-azure-variable", "azure-pipelines.yml",
     lambda: b"variables:\n  clientSecret: $(CLIENT_SECRET)\n"),
    ("key-enc-not-a-key", "assets/data.csv.enc", lambda: secrets.token_bytes(64)),
    ("jwt-dir-plain-pem-left-to-pem-rule", "config/.jwt/x.key",
     lambda: b"-----BEGIN PRIVATE KEY-----\n"),
    ("plain-server-key-name", "assets/server.key", lambda: b"not encrypted"),
    ("plaintext-pem-named-enc-left-to-pem-rule", "assets/server.key.enc",
     lambda: b"-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n"),
    ("salted-not-at-start", "notes.md", lambda: b"OpenSSL files start with Salted__\n"),
]


@pytest.mark.parametrize(("case", "path", "build", "rules"), TRUE_POSITIVES,
                         ids=[c[0] for c in TRUE_POSITIVES])
def test_true_positives(case, path, build, rules):
    hits = list(credentials.scan(_ctx(path), build()))
    assert [h.rule_id for h in hits] == rules, case


@pytest.mark.parametrize(("case", "path", "build"), FALSE_POSITIVES,
                         ids=[c[0] for c in FALSE_POSITIVES])
def test_false_positives(case, path, build):
    assert list(credentials.scan(_ctx(path), build())) == [], case


@pytest.mark.parametrize(("case", "path", "build", "rules"), TRUE_POSITIVES,
                         ids=[c[0] for c in TRUE_POSITIVES])
def test_the_engine_gate_selects_the_detector(case, path, build, rules):
    """TRIGGERS or wants() let every true positive through the shared prefilter."""
    from generator.lint import prefilter

    gate = prefilter.build([credentials])
    assert gate.select(_ctx(path), build()) == [credentials], case


def test_rule_severities():
    severity = {r.id: r.severity.value for r in credentials.RULES}
    assert severity == {
        "sf-auth-url": "error", "sf-org-display-dump": "error", "sf-access-token": "error",
        "sf-cli-credential-store": "error", "consumer-secret-assignment": "error",
        "private-key-encrypted-at-rest": "warning"}


def test_dump_values_are_not_reported_twice():
    hits = list(credentials.scan(_ctx("authFile.json"),
                                 org_display(accessToken=access_token(), sfdxAuthUrl=auth_url())))
    assert sorted(h.detail for h in hits) == ["JSON accessToken", "JSON sfdxAuthUrl"]


def test_one_refresh_token_one_fingerprint_wherever_it_appears():
    token = refresh_token()
    url = "force" + f"://PlatformCLI::{token}@acme.my.salesforce.com"
    in_url = list(credentials.scan(_ctx("a.sh"), _text(url)))
    in_dump = list(credentials.scan(_ctx("a.json"), _text(json.dumps({"refreshToken": token}))))
    assert in_url[0].fingerprint == in_dump[0].fingerprint


def test_offsets_point_at_the_credential():
    data = _text("line one\nline two\n" + auth_url() + "\n")
    (hit,) = credentials.scan(_ctx("x.txt"), data)
    assert data[hit.offset:hit.offset + 5] == b"force"


def test_hits_never_carry_the_credential():
    token, secret, access = refresh_token(), consumer_secret(), access_token()
    data = _text(f"U={'force'}://PlatformCLI::{token}@a.my.salesforce.com\n"
                 f"CONSUMER_SECRET={secret}\nT={access}\n")
    hits = list(credentials.scan(_ctx(".env"), data))
    assert {h.rule_id for h in hits} == {"sf-auth-url", "consumer-secret-assignment",
                                         "sf-access-token"}
    text = repr(hits)
    for material in (token, token[:20], secret, secret[:16], access, access[16:40]):
        assert material not in text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_scan_never_raises(data):
    for path in (".env", ".sfdx/key.json", "config/.jwt/a.key", "x.json", "a.key.enc"):
        list(credentials.scan(_ctx(path), data))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALNUM + "!:@/._=-\"{} \n", max_size=400))
def test_scan_never_raises_on_token_like_text(text):
    list(credentials.scan(_ctx(".env"), ("force://" + text + " 00D" + text).encode()))


def _git(repo, *args):
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


def test_tracked_cli_store_is_scanned_but_cli_caches_are_not(tmp_path):
    """A walk skips .sfdx/ and .sf/ except what git tracks or has staged."""
    from generator.lint import engine
    from tests.conftest import make_tree

    key = json.dumps({"service": "sfdx", "account": "local", "key": secrets.token_hex(16)})
    make_tree(tmp_path, {".sfdx/key.json": key, ".sf/ci@acme.com.json": "{}",
                         ".sfdx/untracked@acme.com.json": "{}",
                         ".sf/orgs/cache.txt": access_token(), "README.md": "hello\n"})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "README.md", ".sfdx/key.json")
    _git(tmp_path, "commit", "-qm", "x")
    _git(tmp_path, "add", ".sf/ci@acme.com.json")  # staged, not committed
    walked = engine.scan([], tmp_path)
    assert sorted((f.rule_id, f.path) for f in walked.findings) == [
        ("sf-cli-credential-store", ".sf/ci@acme.com.json"),
        ("sf-cli-credential-store", ".sfdx/key.json")]
    staged = engine.scan([], tmp_path, staged=True)
    assert sorted(f.path for f in staged.findings) == [".sf/ci@acme.com.json", ".sfdx/key.json"]


def test_cli_state_dirs_outside_git_are_skipped(tmp_path):
    from generator.lint import engine
    from tests.conftest import make_tree

    make_tree(tmp_path, {".sfdx/key.json": "{}", ".sf/orgs/t.txt": access_token()})
    assert engine.scan([], tmp_path).findings == ()
