"""Pure Salesforce identifier checks and case conversions, and the login URL rule."""

from __future__ import annotations

import re

# fullmatch, not match with "$": "$" also matches before a trailing newline.
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,14}")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def api_name_problem(value: str, max_length: int) -> str | None:
    """Why `value` is not a Salesforce API (developer) name, or None when it is one.

    Salesforce's rules: starts with a letter, only letters, digits and underscores,
    no two consecutive underscores, does not end with an underscore, at most `max_length`.
    """
    if not value:
        return "is empty"
    if len(value) > max_length:
        return f"is {len(value)} characters long; the limit is {max_length}"
    if not value[0].isascii() or not value[0].isalpha():
        return "must start with a letter"
    if not _API_NAME.fullmatch(value):
        return "may contain only letters, digits and underscores"
    if "__" in value:
        return "must not contain two consecutive underscores"
    if value.endswith("_"):
        return "must not end with an underscore"
    return None


def namespace_problem(value: str) -> str | None:
    """Why `value` is not a namespace prefix (1-15 alphanumerics, starting with a letter)."""
    if value == "":
        return None
    if not _NAMESPACE.fullmatch(value):
        return "must be 1 to 15 letters and digits, starting with a letter"
    return None


def label_to_api_name(label: str) -> str:
    """'Acme Integration (EU)' -> 'Acme_Integration_EU'; '' when nothing usable remains."""
    name = _NON_ALNUM.sub("_", label.encode("ascii", "ignore").decode()).strip("_")
    while name and not name[0].isalpha():
        name = name[1:].lstrip("_")
    return name


def to_pascal(api_name: str) -> str:
    """'Acme_Integration' -> 'AcmeIntegration'. Idempotent on PascalCase input."""
    return "".join(part[:1].upper() + part[1:] for part in api_name.split("_") if part)


def to_camel(api_name: str) -> str:
    """'Acme_Integration' -> 'acmeIntegration' (LWC bundle names start lower case)."""
    pascal = to_pascal(api_name)
    return pascal[:1].lower() + pascal[1:]


def to_kebab(api_name: str) -> str:
    """'Acme_Integration' -> 'acme-integration' (npm and sfdx-project names)."""
    return "-".join(part.lower() for part in api_name.split("_") if part)


# --- login URLs ---------------------------------------------------------------------------
# The accepted login URLs, defined once (SALESFORCE.md 5.2) and rendered into the generated
# project: the setup controller's server-side check, the config class's audience logic and the
# setup LWC's client-side check all use these, so the --login-url answer and the setup tab
# accept exactly the same URLs. A My Domain name is letters, digits and hyphens (a sandbox's
# looks like acme--uat), one DNS label: no leading or trailing hyphen, at most 63 characters.
LOGIN_HOSTS = {"login": "https://login.salesforce.com", "test": "https://test.salesforce.com"}
SANDBOX_MY_DOMAIN_SUFFIX = ".sandbox.my.salesforce.com"
SCRATCH_MY_DOMAIN_SUFFIX = ".scratch.my.salesforce.com"  # scratch orgs
# Lower-case, anchored, in the syntax common to Python re, Java (Apex Pattern) and JavaScript;
# callers lower-case the URL (Apex, Python) or match case-insensitively (LWC).
LOGIN_URL_PATTERN = (
    r"^https://(?:login|test|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.(?:sandbox|develop|scratch))?\.my)\.salesforce\.com$"
)
# Sandboxes and scratch orgs use the test.salesforce.com audience; everything else (production
# login, production and Developer Edition My Domains) the login.salesforce.com one.
SANDBOX_AUDIENCE_SUFFIXES = (SANDBOX_MY_DOMAIN_SUFFIX, SCRATCH_MY_DOMAIN_SUFFIX)
# The accepted forms, as the generated setup tab's messages and `--login-url --help` name them.
LOGIN_URL_FORMS = (
    "https://login.salesforce.com, https://test.salesforce.com, or a My Domain login URL: "
    "https://<name>.my.salesforce.com, https://<name>.sandbox.my.salesforce.com, "
    "https://<name>.develop.my.salesforce.com or https://<name>.scratch.my.salesforce.com "
    "(<name>: letters, digits and hyphens)"
)


def login_url_problem(value: str) -> tuple[str, str | None]:
    """(normalized https origin, why `value` is not a login URL or None). `login`/`test` expand
    to their hosts; messages quote `value` so a prompt's error names its subject."""
    from urllib.parse import urlsplit  # only when a login URL other than login/test is given

    if value in LOGIN_HOSTS:
        return LOGIN_HOSTS[value], None
    if value != value.strip() or any(ord(c) < 33 or ord(c) > 126 for c in value):
        return "", f"{value!r} must be login, test, or an https URL without spaces or " \
                   "control characters"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "", f"{value!r} is not a valid URL"
    if parts.scheme != "https":
        return "", f"{value!r} must be login, test, or an https URL"
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc \
            or port is not None or value.endswith(("?", "#")):
        return "", f"{value!r} must be the bare origin, with no path, query, port or user"
    url = f"https://{host}"  # urlsplit lower-cases the host
    if not re.fullmatch(LOGIN_URL_PATTERN, url):
        return "", f"{value!r} is not a Salesforce login URL"
    return url, None


def login_audience(login_url: str) -> str:
    """The JWT audience (aud) for an accepted, normalized login URL."""
    sandbox = login_url == LOGIN_HOSTS["test"] or login_url.endswith(SANDBOX_AUDIENCE_SUFFIXES)
    return LOGIN_HOSTS["test"] if sandbox else LOGIN_HOSTS["login"]
