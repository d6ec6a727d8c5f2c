"""The answers of `scaffold new`, each declared once in ANSWERS.

An Answer carries its key (also its scaffold.toml key), prompt, help, default (a value, or a
function of the answers before it) and check. Everything else is derived from ANSWERS: the
command line options (cli.py), the prompts, the help text with its defaults, the validation
messages, and reading and writing scaffold.toml.

`check(answers)` normalizes every answer (missing ones take their defaults) and raises one
SpecError naming every problem, so a user fixes everything in one pass.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from generator.errors import AnswersFileError, Problem, SpecError
from generator.new import naming

ANSWERS_FILE = "scaffold.toml"
DEFAULT_API_VERSION = "68.0"  # Winter '27, the newest GA release (SALESFORCE.md 7)
MIN_API_VERSION = 60
MAX_API_VERSION = 68  # 69.0 and later do not exist yet: an org refuses an apiVersion above its own
APEX_NAME_LIMIT = 40
# The longest suffix appended to the class prefix ("...SetupControllerTest") must still fit
# Salesforce's 40-character limit for Apex class names.
LONGEST_CLASS_SUFFIX = "SetupControllerTest"
APP_NAME_LIMIT = APEX_NAME_LIMIT - len(LONGEST_CLASS_SUFFIX)
LABEL_LIMIT = 40
DESCRIPTION_LIMIT = 255
PACKAGE_NAME_LIMIT = 80
SETTING_NAME_LIMIT = 37  # 40 with "__c"
EMAIL_LIMIT = 80
# Standard OAuth scope tokens accepted by ExtlClntAppOauthSettings.commaSeparatedOauthScopes.
OAUTH_SCOPES = (
    "Basic", "Api", "Web", "Full", "Chatter", "CustomApplications", "RefreshToken", "OpenID",
    "Profile", "Email", "Address", "Phone", "OfflineAccess", "CustomPermissions", "Wave", "Eclair",
    "Pardot", "Lightning", "Content", "CDPIngest", "CDPProfile", "CDPQuery", "Chatbot",
    "CDPSegment", "CDPIdentityResolution", "CDPCalculatedInsight", "SFApiPlatform", "Interaction",
    "EinsteinGPT", "PwdlessLogin", "ForgotPassword", "UserRegistration", "MCP", "SCRT",
)
ECA_README_SECTION = "Why the External Client App is the subscriber's own"
# Patterns are used with fullmatch ("$" would accept a trailing newline) and spell out [0-9]
# ("\d" also matches non-ASCII digits such as "６").
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_HOST_LABEL}(?:\.{_HOST_LABEL})+")
_API_VERSION = re.compile(r"([1-9][0-9])\.0")
# Characters that cannot appear in one line of XML/JSON/Apex text: C0/C1 controls, surrogates,
# line and paragraph separators, and the two XML 1.0 non-characters.
_BAD_TEXT_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_XML_NONCHARACTERS = frozenset("\ufffe\uffff")


class EcaMode(Enum):
    """Where the External Client App lives: only in the subscriber's org (see the README)."""

    TEMPLATE = "template"  # subscriber deploys its own local ECA from subscriber-eca/


class Invalid(Exception):
    """Raised by an Answer's normalizer: what is wrong with the value and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


Default = str | Callable[[Mapping[str, str]], str]


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of `scaffold new`: everything about it, in one place."""

    key: str  # the scaffold.toml key; the option is --key-with-dashes
    prompt: str
    help: str
    default: Default  # a value, or a function of the (resolved) answers declared before it
    normalize: Callable[[str], str]  # the value as scaffold.toml records it, or raise Invalid
    default_help: str = ""  # how --help describes a derived default
    choices: tuple[str, ...] = ()  # a closed set, shown as the option's metavar
    toml_list: bool = False  # written to scaffold.toml as a list of strings

    @property
    def option(self) -> str:
        return "--" + self.key.replace("_", "-")

    def default_for(self, resolved: Mapping[str, str]) -> str:
        return self.default if isinstance(self.default, str) else self.default(resolved)

    def shown_default(self) -> str:
        if self.default_help:
            return self.default_help
        return self.default if isinstance(self.default, str) and self.default else "empty"


# --- normalizers -------------------------------------------------------------------------


def _text(limit: int, fix: str) -> Callable[[str], str]:
    def normalize(value: str) -> str:
        if not value.strip():
            raise Invalid("is empty", fix)
        if len(value) > limit:
            raise Invalid(f"is {len(value)} characters long; the limit is {limit}", fix)
        if any(c in _XML_NONCHARACTERS or unicodedata.category(c) in _BAD_TEXT_CATEGORIES
               for c in value):
            raise Invalid("must be one line of text without control characters", fix)
        return value.strip()

    return normalize


def _api_name(limit: int, fix: str) -> Callable[[str], str]:
    def normalize(value: str) -> str:
        problem = naming.api_name_problem(value, limit)
        if problem is not None:
            raise Invalid(problem, fix)
        return value

    return normalize


def _namespace(value: str) -> str:
    problem = naming.namespace_problem(value)
    if problem is not None:
        raise Invalid(problem, "use the namespace registered in your Dev Hub, or leave it empty")
    return value


def _api_version(value: str) -> str:
    match = _API_VERSION.fullmatch(value)
    if not match or not MIN_API_VERSION <= int(match.group(1)) <= MAX_API_VERSION:
        raise Invalid(f"{value!r} is not a supported API version",
                      f"use {MIN_API_VERSION}.0 to {MAX_API_VERSION}.0, "
                      f"for example {DEFAULT_API_VERSION}")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value) or len(value) > EMAIL_LIMIT:
        raise Invalid(f"{value!r} is not an email address",
                      "give an address such as admin@example.com")
    return value


def _login_url(value: str) -> str:
    url, problem = naming.login_url_problem(value)
    if problem is not None:
        raise Invalid(problem, "use login, test or https://<name>.my.salesforce.com "
                               "(--help lists the other forms)")
    return next((k for k, v in naming.LOGIN_HOSTS.items() if v == url), url)


def _oauth_scopes(value: str) -> str:
    scopes = tuple(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    unknown = [s for s in scopes if s not in OAUTH_SCOPES]
    if unknown:
        raise Invalid(f"unknown scope {', '.join(unknown)}",
                      f"use tokens from: {', '.join(OAUTH_SCOPES)}")
    if not [s for s in scopes if s != "RefreshToken"]:
        raise Invalid("needs a standard scope other than RefreshToken",
                      "add Api (the JWT bearer flow issues tokens only with such a scope)")
    return ", ".join(scopes)


def _eca(value: str) -> str:
    if value == "packaged":
        raise Invalid(
            "'packaged' is no longer offered: a packaged External Client App is built in the "
            "package's ephemeral build org, which can't be packaged, and it would give every "
            "subscriber the ISV's consumer key and certificate, defeating "
            "bring-your-own-credentials",
            f"use template (the default); see the README section \"{ECA_README_SECTION}\"")
    if value not in {m.value for m in EcaMode}:
        raise Invalid(f"{value!r} is not an ECA mode", "use template")
    return value


# --- derived defaults ----------------------------------------------------------------------


def _default_app_name(a: Mapping[str, str]) -> str:
    derived = naming.label_to_api_name(a["app_label"])[:APP_NAME_LIMIT].rstrip("_")
    return derived or "Integration"


def _default_setting_name(a: Mapping[str, str]) -> str:
    name = f"{a['app_name']}_Settings"
    ok = naming.api_name_problem(name, SETTING_NAME_LIMIT) is None
    return name if ok else "Integration_Settings"


_NAME_FIX = (f"use letters, digits and single underscores, starting with a letter, at most "
             f"{APP_NAME_LIMIT} characters so that <name>{LONGEST_CLASS_SUFFIX} fits the "
             f"{APEX_NAME_LIMIT}-character Apex class name limit")

ANSWERS: tuple[Answer, ...] = (
    Answer("app_label", "Integration label", "Label shown to admins (ECA, tab, permission sets).",
           "Acme Integration", _text(LABEL_LIMIT, "give a short, one-line label")),
    Answer("app_name", "Integration API name",
           f"API name; letters, digits, single underscores, at most {APP_NAME_LIMIT} characters.",
           _default_app_name, _api_name(APP_NAME_LIMIT, _NAME_FIX), "from the label"),
    Answer("description", "Description", "One line describing the integration.",
           lambda a: f"{a['app_label']}: calls the Salesforce APIs of the org behind the login "
                     "URL as its integration user (OAuth 2.0 JWT bearer flow).",
           _text(DESCRIPTION_LIMIT, "give one line of at most 255 characters"),
           "from the label"),
    Answer("namespace", "Namespace prefix (empty for none)",
           "The 2GP namespace registered in your Dev Hub; 1-15 letters and digits, or empty "
           "(a managed package needs one).", "", _namespace),
    Answer("package_name", "Package name", "The 2GP package name.", lambda a: a["app_label"],
           _text(PACKAGE_NAME_LIMIT, "give a name of 1 to 80 characters"), "the label"),
    Answer("api_version", "API version",
           f"Salesforce API version, {MIN_API_VERSION}.0 to {MAX_API_VERSION}.0.",
           DEFAULT_API_VERSION, _api_version),
    Answer("contact_email", "Contact email", "Contact email on the External Client App.",
           "admin@example.com", _email),
    Answer("setting_name", "Custom setting API name (without __c)",
           "API name of the protected hierarchy custom setting, without __c.",
           _default_setting_name,
           _api_name(SETTING_NAME_LIMIT, "use letters, digits and single underscores, at most "
                                         f"{SETTING_NAME_LIMIT} characters, without __c"),
           "<app-name>_Settings"),
    Answer("login_url", "Default login URL (login, test or https My Domain URL)",
           "login, test, or a My Domain login URL: https://<name>.my.salesforce.com, or its "
           ".sandbox.my, .develop.my or .scratch.my form.", "login", _login_url),
    Answer("oauth_scopes", "OAuth scopes (comma separated)",
           "Standard scope tokens such as Api, RefreshToken, OpenID.", "Api", _oauth_scopes,
           toml_list=True),
    Answer("eca", "External Client App (template)",
           "template: each subscriber deploys its own External Client App (the only mode).",
           EcaMode.TEMPLATE.value, _eca, choices=tuple(m.value for m in EcaMode)),
)
KEYS = tuple(a.key for a in ANSWERS)
BY_KEY = {a.key: a for a in ANSWERS}


def resolve(given: Mapping[str, str]) -> dict[str, str]:
    """Every answer: the given value, else its default (derived from the answers before it)."""
    resolved: dict[str, str] = {}
    for answer in ANSWERS:
        resolved[answer.key] = given[answer.key] if answer.key in given \
            else answer.default_for(resolved)
    return resolved


def problems(given: Mapping[str, str]) -> list[Problem]:
    """What is wrong with the given answers alone (unknown keys, bad values); no defaults."""
    found = [Problem(key, "is not a known answer", f"use one of: {', '.join(KEYS)}")
             for key in sorted(set(given) - set(KEYS))]
    for answer in ANSWERS:
        if answer.key in given:
            try:
                answer.normalize(given[answer.key])
            except Invalid as exc:
                found.append(Problem(answer.option, exc.message, exc.fix))
    return found


def check(given: Mapping[str, str]) -> dict[str, str]:
    """Every answer, normalized (as scaffold.toml records it); raises SpecError with every
    problem. A default derives from other answers (package_name from app_label...), so it can
    only be bad because its source is: those echoes are reported only when nothing given is."""
    found = problems(given)
    resolved = resolve({k: v for k, v in given.items() if k in BY_KEY})
    normalized: dict[str, str] = {}
    echoes: list[Problem] = []
    for answer in ANSWERS:
        try:
            normalized[answer.key] = answer.normalize(resolved[answer.key])
        except Invalid as exc:
            if answer.key not in given:
                echoes.append(Problem(answer.option, exc.message, exc.fix))
    if found or echoes:
        raise SpecError(found or echoes)
    return normalized


# --- scaffold.toml ---------------------------------------------------------------------------


def read_answers(path: Path) -> dict[str, str]:
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
    found: list[Problem] = []
    for key, value in table.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = ", ".join(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            found.append(Problem(f"{path}: {key}", "must be a string (or a list of strings)",
                                 'quote the value, for example api_version = "68.0"'))
    if found:
        raise SpecError(found)
    return out


def format_answers(normalized: Mapping[str, str]) -> str:
    """The [scaffold] table of scaffold.toml: the answers that regenerate a project."""
    lines = [
        "# Answers used by `scaffold new`. To change one, edit it here (or pass --set KEY=VALUE)",
        "# and run `scaffold update .`: it re-renders and merges, keeping your edits.",
        "[scaffold]",
    ]
    for answer in ANSWERS:
        value = normalized[answer.key]
        if answer.toml_list:
            items = ", ".join(json.dumps(s) for s in value.split(", ") if s)
            lines.append(f"{answer.key} = [{items}]")
        else:
            lines.append(f"{answer.key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
