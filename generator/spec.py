"""The project spec: validated answers plus every name derived from them.

`build_spec(answers)` is the only way in. It checks every answer, collects every problem and
raises one SpecError, so a user fixes everything in one pass.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

from generator import naming
from generator.errors import AnswersFileError, Problem, SpecError

DEFAULT_API_VERSION = "68.0"
MIN_API_VERSION = 60
MAX_API_VERSION = 70
APEX_NAME_LIMIT = 40
# The longest suffix appended to the class prefix ("...SetupControllerTest") must still fit
# Salesforce's 40-character limit for Apex class names.
LONGEST_CLASS_SUFFIX = "SetupControllerTest"
APP_NAME_LIMIT = APEX_NAME_LIMIT - len(LONGEST_CLASS_SUFFIX)
LABEL_LIMIT = 40
DESCRIPTION_LIMIT = 255
LOGIN_HOSTS = {"login": "https://login.salesforce.com", "test": "https://test.salesforce.com"}
# The accepted login URLs, defined once (SALESFORCE.md 5.2) and rendered into the generated
# project: the setup controller's server-side check, the config class's audience logic and the
# setup LWC's client-side check all use these, so the --login-url answer and the setup tab
# accept exactly the same URLs. A My Domain name is letters, digits and hyphens (a sandbox's
# looks like acme--uat), one DNS label: no leading or trailing hyphen, at most 63 characters.
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
# The accepted forms, as error messages name them.
LOGIN_URL_FORMS = (
    "https://login.salesforce.com, https://test.salesforce.com, or a My Domain login URL: "
    "https://<name>.my.salesforce.com, https://<name>.sandbox.my.salesforce.com, "
    "https://<name>.develop.my.salesforce.com or https://<name>.scratch.my.salesforce.com "
    "(<name>: letters, digits and hyphens)"
)
# Patterns are used with fullmatch ("$" would accept a trailing newline) and spell out [0-9]
# ("\d" also matches non-ASCII digits such as "６").
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_HOST_LABEL}(?:\.{_HOST_LABEL})+")
_API_VERSION = re.compile(r"([1-9][0-9])\.0")
# Characters that cannot appear in one line of XML/JSON/Apex text: C0/C1 controls, surrogates,
# line and paragraph separators, and the two XML 1.0 non-characters.
_BAD_TEXT_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_XML_NONCHARACTERS = frozenset("\ufffe\uffff")
# Standard OAuth scope tokens accepted by ExtlClntAppOauthSettings.commaSeparatedOauthScopes.
OAUTH_SCOPES = (
    "Basic", "Api", "Web", "Full", "Chatter", "CustomApplications", "RefreshToken", "OpenID",
    "Profile", "Email", "Address", "Phone", "OfflineAccess", "CustomPermissions", "Wave", "Eclair",
    "Pardot", "Lightning", "Content", "CDPIngest", "CDPProfile", "CDPQuery", "Chatbot",
    "CDPSegment", "CDPIdentityResolution", "CDPCalculatedInsight", "SFApiPlatform", "Interaction",
    "EinsteinGPT", "PwdlessLogin", "ForgotPassword", "UserRegistration", "MCP", "SCRT",
)


class EcaMode(Enum):
    """Where the External Client App lives."""

    TEMPLATE = "template"  # subscriber deploys its own local ECA from eca-template/ (default)
    PACKAGED = "packaged"  # header + OAuth settings ship in the package (ISV-owned consumer)


@dataclass(frozen=True, slots=True)
class Field:
    """One answer: its key in scaffold.toml, the CLI option, the prompt and the default."""

    key: str
    option: str
    prompt: str
    help: str


FIELDS: tuple[Field, ...] = (
    Field("app_label", "--app-label", "Integration label", "Label shown to admins."),
    Field("app_name", "--app-name", "Integration API name",
          f"API name; letters, digits, single underscores, at most {APP_NAME_LIMIT} characters."),
    Field("description", "--description", "Description", "One line describing the integration."),
    Field("namespace", "--namespace", "Namespace prefix (empty for none)",
          "The 2GP namespace registered in your Dev Hub; 1-15 letters and digits, or empty."),
    Field("package_name", "--package-name", "Package name", "The 2GP package name."),
    Field("api_version", "--api-version", "API version",
          f"Salesforce API version, {MIN_API_VERSION}.0 to {MAX_API_VERSION}.0."),
    Field("contact_email", "--contact-email", "Contact email",
          "Contact email on the External Client App."),
    Field("setting_name", "--setting-name", "Custom setting API name (without __c)",
          "API name of the protected hierarchy custom setting."),
    Field("login_url", "--login-url", "Default login URL (login, test or https My Domain URL)",
          "login, test, or an https My Domain login URL such as https://acme.my.salesforce.com "
          "(also the sandbox, develop and scratch forms)."),
    Field("oauth_scopes", "--oauth-scopes", "OAuth scopes (comma separated)",
          "Standard scope tokens such as Api, RefreshToken, OpenID."),
    Field("eca", "--eca", "External Client App (template or packaged)",
          "template: the subscriber deploys its own ECA; packaged: the ECA ships in the package."),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)


def default_answers(partial: Mapping[str, str] | None = None) -> dict[str, str]:
    """Defaults for every answer; defaults that derive from other answers follow `partial`."""
    given = dict(partial or {})
    label = given.get("app_label", "Acme Integration")
    derived = naming.label_to_api_name(label)[:APP_NAME_LIMIT].rstrip("_")
    name = given.get("app_name", derived or "Integration")
    return {
        "app_label": label,
        "app_name": name,
        "description": f"{label}: calls the Salesforce APIs of the org behind the login URL "
                       "as its integration user (OAuth 2.0 JWT bearer flow).",
        "namespace": "",
        "package_name": label,
        "api_version": DEFAULT_API_VERSION,
        "contact_email": "admin@example.com",
        "setting_name": f"{name}_Settings"
        if naming.api_name_problem(f"{name}_Settings", 37) is None
        else "Integration_Settings",
        "login_url": "login",
        "oauth_scopes": "Api",
        "eca": EcaMode.TEMPLATE.value,
    }


@dataclass(frozen=True, slots=True)
class Names:
    """Every API name the project uses, derived once from the answers."""

    app: str  # Acme_Integration (ECA, tab, permission sets start with it)
    class_prefix: str  # AcmeIntegration
    config_class: str
    handler_class: str
    controller_class: str
    api_class: str  # AcmeIntegrationApi: REST client that uses the token
    api_job_class: str  # AcmeIntegrationApiJob: Queueable example (Database.AllowsCallouts)
    token_cache_class: str  # AcmeIntegrationTokenCache: Platform Cache + per-transaction reuse
    sandbox_copy_class: str  # AcmeIntegrationSandboxPostCopy: global SandboxPostCopy
    cache_partition: str  # AcmeIntegrationTokens: packaged org cache partition (alphanumeric)
    lwc: str  # acmeIntegrationSetup
    tab: str
    admin_permset: str
    integration_permset: str
    custom_permission: str
    setting: str  # Acme_Integration_Settings__c (no namespace)
    remote_site_login: str
    remote_site_test: str
    remote_site_my_domain: str
    project: str  # acme-integration


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """Validated answers plus derived names. Everything a template may use."""

    app_label: str
    app_name: str
    description: str
    namespace: str
    package_name: str
    api_version: str
    contact_email: str
    setting_name: str
    login_url: str  # always a full https URL, no trailing slash
    oauth_scopes: tuple[str, ...]
    eca: EcaMode
    names: Names

    @property
    def ns_prefix(self) -> str:
        """'acme__' or '' : how subscriber-side metadata refers to packaged components."""
        return f"{self.namespace}__" if self.namespace else ""

    @property
    def my_domain_url(self) -> str | None:
        """The configured login URL when it is neither login nor test.salesforce.com."""
        return None if self.login_url in LOGIN_HOSTS.values() else self.login_url

    def answers(self) -> dict[str, str]:
        """The answers as given to build_spec (normalized): what scaffold.toml records."""
        login = next((k for k, v in LOGIN_HOSTS.items() if v == self.login_url), self.login_url)
        return {
            "app_label": self.app_label,
            "app_name": self.app_name,
            "description": self.description,
            "namespace": self.namespace,
            "package_name": self.package_name,
            "api_version": self.api_version,
            "contact_email": self.contact_email,
            "setting_name": self.setting_name,
            "login_url": login,
            "oauth_scopes": ", ".join(self.oauth_scopes),
            "eca": self.eca.value,
        }


def derive_names(app_name: str, setting_name: str) -> Names:
    prefix = naming.to_pascal(app_name)
    return Names(
        app=app_name,
        class_prefix=prefix,
        config_class=f"{prefix}Config",
        handler_class=f"{prefix}JwtHandler",
        controller_class=f"{prefix}SetupController",
        api_class=f"{prefix}Api",
        api_job_class=f"{prefix}ApiJob",
        token_cache_class=f"{prefix}TokenCache",
        sandbox_copy_class=f"{prefix}SandboxPostCopy",
        cache_partition=f"{prefix}Tokens",
        lwc=f"{naming.to_camel(app_name)}Setup",
        tab=f"{app_name}_Setup",
        admin_permset=f"{app_name}_Admin",
        integration_permset=f"{app_name}_Integration_User",
        custom_permission=f"{app_name}_Configure",
        setting=f"{setting_name}__c",
        remote_site_login=f"{app_name}_Login",
        remote_site_test=f"{app_name}_Sandbox_Login",
        remote_site_my_domain=f"{app_name}_My_Domain",
        project=naming.to_kebab(app_name),
    )


def _text_problem(value: str, limit: int) -> str | None:
    if not value.strip():
        return "is empty"
    if len(value) > limit:
        return f"is {len(value)} characters long; the limit is {limit}"
    if any(c in _XML_NONCHARACTERS or unicodedata.category(c) in _BAD_TEXT_CATEGORIES
           for c in value):
        return "must be one line of text without control characters"
    return None


def _login_url(value: str) -> tuple[str | None, str | None]:
    """(normalized URL, problem)."""
    if value in LOGIN_HOSTS:
        return LOGIN_HOSTS[value], None
    if value != value.strip() or any(ord(c) < 33 or ord(c) > 126 for c in value):
        return None, "must be login, test, or an https URL without spaces or control characters"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None, "is not a valid URL"
    if parts.scheme != "https":
        return None, "must be login, test, or an https URL"
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc \
            or port is not None or value.endswith(("?", "#")):
        return None, "must be the bare origin, with no path, query, port or user"
    url = f"https://{host}"  # urlsplit lower-cases the host
    if not re.fullmatch(LOGIN_URL_PATTERN, url):
        return None, "is not a Salesforce login URL"
    return url, None


def login_audience(login_url: str) -> str:
    """The JWT audience (aud) for an accepted, normalized login URL."""
    sandbox = login_url == LOGIN_HOSTS["test"] or login_url.endswith(SANDBOX_AUDIENCE_SUFFIXES)
    return LOGIN_HOSTS["test"] if sandbox else LOGIN_HOSTS["login"]


def build_spec(answers: Mapping[str, str]) -> ProjectSpec:
    """Validate `answers` (missing keys take defaults) and derive every name.

    Raises SpecError naming every bad answer at once.
    """
    unknown = sorted(set(answers) - set(FIELD_KEYS))
    problems: list[Problem] = [
        Problem(key, "is not a known answer", f"use one of: {', '.join(FIELD_KEYS)}")
        for key in unknown
    ]
    a = {**default_answers(answers), **{k: v for k, v in answers.items() if k in FIELD_KEYS}}
    opt = {f.key: f.option for f in FIELDS}
    # A default is derived from other answers (package_name from app_label...), so it can only
    # be bad because its source is: report the answer that was given, not the echo.
    echoes: list[Problem] = []

    def bad(key: str, message: str | None, fix: str) -> None:
        if message is not None:
            (problems if key in answers else echoes).append(Problem(opt[key], message, fix))

    bad("app_label", _text_problem(a["app_label"], LABEL_LIMIT), "give a short, one-line label")
    bad("app_name", naming.api_name_problem(a["app_name"], APP_NAME_LIMIT),
        f"use letters, digits and single underscores, starting with a letter, at most "
        f"{APP_NAME_LIMIT} characters so that <name>{LONGEST_CLASS_SUFFIX} "
        f"fits the {APEX_NAME_LIMIT}-character Apex class name limit")
    bad("description", _text_problem(a["description"], DESCRIPTION_LIMIT),
        "give one line of at most 255 characters")
    bad("namespace", naming.namespace_problem(a["namespace"]),
        "use the namespace registered in your Dev Hub, or leave it empty")
    bad("package_name", _text_problem(a["package_name"], 80), "give a name of 1 to 80 characters")
    match = _API_VERSION.fullmatch(a["api_version"])
    if not match or not MIN_API_VERSION <= int(match.group(1)) <= MAX_API_VERSION:
        bad("api_version", f"{a['api_version']!r} is not a supported API version",
            f"use {MIN_API_VERSION}.0 to {MAX_API_VERSION}.0, for example {DEFAULT_API_VERSION}")
    if not _EMAIL.fullmatch(a["contact_email"]) or len(a["contact_email"]) > 80:
        bad("contact_email", f"{a['contact_email']!r} is not an email address",
            "give an address such as admin@example.com")
    bad("setting_name", naming.api_name_problem(a["setting_name"], 37),
        "use letters, digits and single underscores, at most 37 characters, without __c")
    login_url, login_problem = _login_url(a["login_url"])
    bad("login_url", login_problem, f"use login, test, {LOGIN_URL_FORMS}")
    scopes = tuple(dict.fromkeys(s.strip() for s in a["oauth_scopes"].split(",") if s.strip()))
    unknown_scopes = [s for s in scopes if s not in OAUTH_SCOPES]
    if unknown_scopes:
        bad("oauth_scopes", f"unknown scope {', '.join(unknown_scopes)}",
            f"use tokens from: {', '.join(OAUTH_SCOPES)}")
    elif not [s for s in scopes if s != "RefreshToken"]:
        bad("oauth_scopes", "needs a standard scope other than RefreshToken",
            "add Api (the JWT bearer flow issues tokens only with such a scope)")
    try:
        eca = EcaMode(a["eca"])
    except ValueError:
        bad("eca", f"{a['eca']!r} is not an ECA mode", "use template or packaged")
        eca = EcaMode.TEMPLATE
    if problems or echoes:
        raise SpecError(problems or echoes)
    return ProjectSpec(
        app_label=a["app_label"].strip(),
        app_name=a["app_name"],
        description=a["description"].strip(),
        namespace=a["namespace"],
        package_name=a["package_name"].strip(),
        api_version=a["api_version"],
        contact_email=a["contact_email"],
        setting_name=a["setting_name"],
        login_url=login_url or "",
        oauth_scopes=scopes,
        eca=eca,
        names=derive_names(a["app_name"], a["setting_name"]),
    )


def load_answers(path: Path) -> dict[str, str]:
    """Read a TOML answers file (flat table, or a [scaffold] table). Values become strings."""
    import tomllib  # only with --answers: keeps it off the default start-up path

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AnswersFileError(f"{path}: cannot read answers file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AnswersFileError(f"{path}: not valid TOML: {exc} (fix the file)") from None
    table = data.get("scaffold", data)
    if not isinstance(table, dict):
        raise AnswersFileError(f"{path}: [scaffold] must be a table of answers")
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for key, value in table.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = ", ".join(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            problems.append(Problem(f"{path}: {key}", "must be a string (or a list of strings)",
                                    'quote the value, for example api_version = "68.0"'))
    if problems:
        raise SpecError(problems)
    return out


def dump_answers(spec: ProjectSpec) -> str:
    """scaffold.toml: the answers that regenerate this project, in a fixed order."""
    lines = [
        "# Answers used by `scaffold new`. Regenerate the project with:",
        "#   scaffold new . --answers scaffold.toml --force",
        "[scaffold]",
    ]
    for key, value in spec.answers().items():
        if key == "oauth_scopes":
            items = ", ".join(json.dumps(s) for s in spec.oauth_scopes)
            lines.append(f"{key} = [{items}]")
        else:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
