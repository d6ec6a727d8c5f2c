"""Security properties of generated projects, checked statically on the rendered Apex, LWC and
metadata of several variants (rendered in memory with build_spec + render).

Each property is a `check_*` function that returns a list of problems (empty means the property
holds). The variant tests assert that every check passes; `test_check_catches_sabotage` breaks one
rendered string per row and asserts that the matching check reports it, so no check can pass
vacuously.

Apex is read with a small lexer: comments and the contents of string literals are blanked (same
length, newlines kept), so braces, keywords and identifiers are only ever found in code, and
offsets still point into the original source (used to read literal values).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property

import pytest
from lxml import etree

from generator.errors import SpecError
from generator.new.render import PKG, render
from generator.new.spec import Names, ProjectSpec, build_spec

MD = "{http://soap.sforce.com/2006/04/metadata}"
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"
JWT_MAX_VALIDITY_SECONDS = 180  # SALESFORCE.md 5.2: exp "within 3 minutes"
# A cached token must expire well before the integration user's session can time out. The
# shortest session timeout Setup offers is 15 minutes (from Setup's picklist; not re-verified
# from a document here), so at most 10 minutes; at least 5, or caching saves little.
CACHE_TTL_RANGE = (300, 600)

VARIANTS: dict[str, dict[str, str]] = {
    "default": {},
    "namespace": {"namespace": "acme"},
    "my-domain": {"login_url": "https://acme.my.salesforce.com"},
    "sandbox-my-domain": {"login_url": "https://acme--uat.sandbox.my.salesforce.com"},
    "developer-edition": {"login_url": "https://acme-dev-ed.develop.my.salesforce.com",
                          "namespace": "acme"},
    "scratch-org": {"login_url": "https://acme.scratch.my.salesforce.com"},
    "test": {"login_url": "test"},
    "combined": {"namespace": "acme", "login_url": "https://acme.my.salesforce.com",
                 "oauth_scopes": "Api, RefreshToken, OpenID"},
    "hostile-label": {"app_label": 'Acme "R&D" <Ünï> & Co', "app_name": "Acme_RD"},
}

# Identifiers (compared lower-case: Apex is case-insensitive) that hold or produce the access
# token or the signed assertion, and those that hold the consumer key.
TOKEN_IDENTIFIERS = frozenset({"accesstoken", "token", "assertion", "jws", "jwt",
                               "getaccesstoken", "getcompactserialization", "tojsonstring"})
CONSUMER_KEY_IDENTIFIERS = frozenset({"consumerkey", "consumer_key__c"})
SECRET_WORDS = re.compile(r"secret|private[\s_]*key|password|passphrase|\bpem\b", re.I)
NEGATION = re.compile(r"\b(?:not|never|no|stays|without)\b", re.I)

# ---------------------------------------------------------------------------------------------
# A minimal Apex reader.

_LEXEME = re.compile(r"//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'", re.S)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_TYPE_DECL = re.compile(
    r"(?P<mods>(?:\b(?:public|private|protected|global|virtual|abstract)\s+)*)"
    r"(?P<sharing>\b(?:with|without|inherited)\s+sharing\s+)?"
    r"\b(?P<kind>class|interface)\s+(?P<name>\w+)[^{;]*\{", re.I)
_MODIFIER = r"(?:public|private|protected|global|static|override|virtual|abstract|testmethod)"
_METHOD_DECL = re.compile(
    rf"(?P<mods>(?:\b{_MODIFIER}\s+)+)"
    r"(?:(?P<type>[A-Za-z_][\w.]*(?:\s*<[\w.<>,\s]*>)?(?:\[\])?)\s+)?"
    r"(?P<name>[A-Za-z_]\w*)\s*\((?P<params>[^()]*)\)\s*\{", re.I)
_ANNOTATIONS = re.compile(r"(?:@\w+(?:\s*\([^()]*\))?\s*)+$")
_CONSTANT = re.compile(
    r"\bstatic\s+final\s+[\w.<>,\s\[\]]+?\s+(?P<name>\w+)\s*=\s*(?P<value>[^;]*);", re.I)
_DML_STATEMENT = re.compile(
    r"(?:^|(?<=[;{}]))\s*(?P<verb>insert|update|upsert|delete|undelete|merge)\s+"
    r"(?:as\s+(?P<mode>user|system)\s+)?(?P<operand>[^;]+);", re.I | re.M)
_DATABASE_DML = re.compile(r"\bDatabase\s*\.\s*(?:insert|update|upsert|delete|undelete|merge)"
                           r"(?:Immediate|Async)?\s*\(", re.I)
_DYNAMIC_QUERY = re.compile(
    r"\b(?:Database\s*\.\s*(?:query|queryWithBinds|countQuery|countQueryWithBinds|getQueryLocator"
    r"WithBinds)|Search\s*\.\s*query)\s*\(", re.I)
_INLINE_QUERY = re.compile(r"\[\s*(?:SELECT|FIND)\b[^\]]*\]", re.I)
_CALL_KEYWORDS = frozenset({"new", "return", "throw", "else", "when"})


def _blank(source: str) -> str:
    """`source` with comments and string contents replaced by spaces (offsets unchanged)."""
    def repl(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("'"):
            return "'" + " " * (len(text) - 2) + "'"
        return re.sub(r"[^\n]", " ", text)
    return _LEXEME.sub(repl, source)


def _closing(code: str, start: int, pair: str = "{}") -> int:
    """Index of the bracket closing the one at `start` (code must be blanked)."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == pair[0]:
            depth += 1
        elif code[i] == pair[1]:
            depth -= 1
            if depth == 0:
                return i
    raise AssertionError(f"unbalanced {pair} from offset {start}")


def _apex_string(literal: str) -> str:
    """Value of an Apex single-quoted literal such as 'a\\'b'."""
    escapes = {"n": "\n", "t": "\t", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), literal[1:-1])


def _identifiers(code: str) -> set[str]:
    return {name.lower() for name in _IDENTIFIER.findall(code)}


@dataclass(frozen=True)
class TypeDecl:
    name: str
    kind: str
    modifiers: frozenset[str]
    sharing: str | None  # "with", "without", "inherited" or None
    annotations: str
    start: int  # offset of the declaration
    open: int
    close: int


@dataclass(frozen=True)
class Method:
    owner: str  # innermost enclosing class
    name: str
    modifiers: frozenset[str]
    annotations: str  # lower case, e.g. "@auraenabled"
    return_type: str | None  # None for a constructor
    body: str  # blanked code between the braces
    start: int  # offset of the opening brace


@dataclass(frozen=True)
class Apex:
    name: str
    source: str
    code: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _blank(self.source))

    def _annotations_before(self, offset: int) -> str:
        match = _ANNOTATIONS.search(self.code[max(0, offset - 400):offset])
        return match.group(0).lower() if match else ""

    @cached_property
    def types(self) -> tuple[TypeDecl, ...]:
        found = []
        for m in _TYPE_DECL.finditer(self.code):
            open_ = m.end() - 1
            sharing = m.group("sharing")
            found.append(TypeDecl(
                name=m.group("name"), kind=m.group("kind").lower(),
                modifiers=frozenset(m.group("mods").lower().split()),
                sharing=sharing.split()[0].lower() if sharing else None,
                annotations=self._annotations_before(m.start()),
                start=m.start(), open=open_, close=_closing(self.code, open_)))
        return tuple(found)

    @property
    def top(self) -> TypeDecl:
        return self.types[0]

    @property
    def is_test(self) -> bool:
        return "@istest" in self.top.annotations

    def enclosing(self, offset: int) -> list[TypeDecl]:
        """Types around `offset`, outermost first."""
        return [t for t in self.types if t.open < offset < t.close]

    @cached_property
    def methods(self) -> tuple[Method, ...]:
        found = []
        for m in _METHOD_DECL.finditer(self.code):
            if m.group("name").lower() in {"if", "for", "while", "catch", "switch"}:
                continue
            open_ = m.end() - 1
            found.append(Method(
                owner=self.enclosing(open_)[-1].name, name=m.group("name"),
                modifiers=frozenset(m.group("mods").lower().split()),
                annotations=self._annotations_before(m.start()),
                return_type=m.group("type"),
                body=self.code[open_ + 1:_closing(self.code, open_)], start=open_))
        return tuple(found)

    def method(self, name: str) -> Method:
        matches = [m for m in self.methods if m.name.lower() == name.lower()]
        assert len(matches) == 1, f"{self.name}: expected one method {name}, found {len(matches)}"
        return matches[0]

    @cached_property
    def constants(self) -> dict[str, str]:
        """`static final` name (lower case) -> source text of its initializer."""
        return {m.group("name").lower(): self.source[m.start("value"):m.end("value")].strip()
                for m in _CONSTANT.finditer(self.code)}

    def value(self, expression: str) -> str | int:
        """Value of a literal, an Integer, Pattern.compile('...') or a constant naming one."""
        text = expression.strip()
        if text.lower() in self.constants:
            text = self.constants[text.lower()]
        if re.fullmatch(r"'(?:\\.|[^'\\])*'", text):
            return _apex_string(text)
        if re.fullmatch(r"[0-9]+", text):
            return int(text)
        compiled = re.fullmatch(r"Pattern\.compile\(\s*('(?:\\.|[^'\\])*')\s*\)", text, re.S)
        if compiled:
            return _apex_string(compiled.group(1))
        raise AssertionError(f"{self.name}: cannot evaluate {expression!r}")

    def comment_above(self, offset: int) -> str:
        """The comment lines directly above the line holding `offset`."""
        lines = self.source[:offset].splitlines()[:-1]
        comment: list[str] = []
        for line in reversed(lines):
            stripped = line.strip()
            if not stripped.startswith(("//", "*", "/*")):
                break
            comment.insert(0, stripped)
        return " ".join(comment)


def _arguments(code: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """(offset, argument text) of every call matched by `pattern` (which ends at "(")."""
    for m in pattern.finditer(code):
        yield m.start(), code[m.end():_closing(code, m.end() - 1, "()")]


def _called_names(code: str) -> set[str]:
    """Lower-case names used as calls `name(` (not declarations `Type name(`)."""
    called = set()
    for m in re.finditer(r"([A-Za-z_]\w*)\s*\(", code):
        before = code[:m.start()].rstrip()
        previous = re.search(r"([A-Za-z_]\w*|[>\]])$", before)
        if previous is None or previous.group(1).lower() in _CALL_KEYWORDS:
            called.add(m.group(1).lower())
    return called


# ---------------------------------------------------------------------------------------------
# Generated projects.


@dataclass(frozen=True)
class Project:
    spec: ProjectSpec
    files: Mapping[str, bytes] = field(repr=False)

    @property
    def names(self) -> Names:
        return self.spec.names

    def path(self, template: str) -> str:
        """`PKG/...` path from a template such as 'classes/{controller_class}.cls'."""
        return f"{PKG}/{template.format(**asdict(self.names))}"

    def text(self, template: str) -> str:
        return self.files[self.path(template)].decode("utf-8")

    def xml(self, template: str) -> etree._Element:
        return etree.fromstring(self.files[self.path(template)])

    @cached_property
    def classes(self) -> dict[str, Apex]:
        prefix, suffix = f"{PKG}/classes/", ".cls"
        return {p[len(prefix):-len(suffix)]: Apex(p[len(prefix):-len(suffix)], data.decode())
                for p, data in self.files.items()
                if p.startswith(prefix) and p.endswith(suffix)}

    def apex(self, class_field: str) -> Apex:
        return self.classes[getattr(self.names, class_field)]

    def sabotaged(self, template: str, old: str, new: str) -> Project:
        """A copy with `old` replaced by `new` (exactly once) in one rendered file."""
        path = self.path(template)
        text = self.files[path].decode("utf-8")
        assert text.count(old) == 1, f"{path}: sabotage target {old!r} must occur once"
        return replace(self, files={**self.files, path: text.replace(old, new).encode()})


def _render(answers: Mapping[str, str]) -> Project:
    spec = build_spec(answers)
    return Project(spec, render(spec))


@pytest.fixture(scope="module", params=list(VARIANTS.values()), ids=list(VARIANTS))
def project(request: pytest.FixtureRequest) -> Project:
    return _render(request.param)


@pytest.fixture(scope="module")
def default_project() -> Project:
    return _render({})


# ---------------------------------------------------------------------------------------------
# Checks: each returns the problems it finds.


def _touches_records(code: str) -> bool:
    return any(r.search(code) for r in (_INLINE_QUERY, _DML_STATEMENT, _DATABASE_DML,
                                        _DYNAMIC_QUERY))


def check_sharing(p: Project) -> list[str]:
    """Top-level classes are `with sharing` (or commented `inherited sharing`); test classes are
    @IsTest. No class is `without sharing`. An inner class without a keyword runs in its
    caller's sharing mode (Apex docs), so it may omit one only if it queries and writes nothing
    and, outside tests, has no code at all (exceptions and data holders such as Settings)."""
    problems = []
    for cls in p.classes.values():
        top = cls.top
        if re.search(r"\bwithout\s+sharing\b", cls.code, re.I):
            problems.append(f"{cls.name}: uses without sharing")
        if cls.name.endswith("Test") != cls.is_test:
            problems.append(f"{cls.name}: test classes (and only they) must be @IsTest")
        if not cls.is_test and top.sharing not in ("with", "inherited"):
            problems.append(f"{cls.name}: top-level class is not with sharing")
        if top.sharing == "inherited" and "sharing" not in cls.comment_above(top.start).lower():
            problems.append(f"{cls.name}: inherited sharing without a comment saying why")
        for inner in cls.types[1:]:
            body = cls.code[inner.open + 1:inner.close]
            if inner.sharing is None and _touches_records(body):
                problems.append(f"{cls.name}.{inner.name}: queries or DML, no sharing keyword")
            elif inner.sharing is None and not cls.is_test and re.search(r"\)\s*\{", body):
                problems.append(f"{cls.name}.{inner.name}: has code, no sharing keyword")
    return problems


def _declared_type(cls: Apex, offset: int, variable: str) -> str | None:
    method = next((m for m in cls.methods if m.start < offset <= m.start + len(m.body) + 1), None)
    scope = method.body if method else cls.code
    declared = re.search(rf"([\w.<>]+)\s+{re.escape(variable)}\s*[=;,)]", scope, re.I)
    return declared.group(1) if declared else None


def check_user_mode(p: Project) -> list[str]:
    """Non-test Apex: SOQL/SOSL `WITH USER_MODE`, DML `as user` or AccessLevel.USER_MODE, except
    DML on the protected custom setting, which is `as system` with a comment saying why. No
    dynamic SOQL anywhere (test classes included)."""
    problems = []
    setting = p.names.setting.lower()
    for cls in p.classes.values():
        problems += [f"{cls.name}: dynamic query {m.group(0)}"
                     for m in _DYNAMIC_QUERY.finditer(cls.code)]
        if cls.is_test:
            continue  # test setup inserts users and settings in system mode, as tests must
        for m in _INLINE_QUERY.finditer(cls.code):
            if not re.search(r"\bWITH\s+USER_MODE\b", m.group(0), re.I):
                problems.append(f"{cls.name}: query without WITH USER_MODE: {m.group(0)[:60]}")
        for offset, args in _arguments(cls.code, _DATABASE_DML):
            if not re.search(r"\bAccessLevel\s*\.\s*USER_MODE\b", args, re.I):
                problems.append(f"{cls.name}@{offset}: Database DML without AccessLevel.USER_MODE")
        for m in _DML_STATEMENT.finditer(cls.code):
            mode, operand = (m.group("mode") or "").lower(), m.group("operand").strip()
            where = f"{cls.name}: {m.group('verb')} {operand}"
            if mode == "user":
                continue
            target = _declared_type(cls, m.start("verb"), operand) or ""
            if mode != "system" or target.lower() != setting:
                problems.append(f"{where}: DML must run as user (only the custom setting may not)")
            elif not re.search(r"protected|system mode", cls.comment_above(m.start("verb")), re.I):
                problems.append(f"{where}: system-mode DML needs a comment saying why")
    return problems


def _gate_methods(p: Project, cls: Apex) -> set[str]:
    """Methods that start by throwing unless FeatureManagement grants the custom permission."""
    gates = set()
    for m in cls.methods:
        check = re.match(r"\s*if\s*(\()\s*!\s*FeatureManagement\s*\.\s*checkPermission\s*\(",
                         m.body)
        if check is None:
            continue
        argument = m.body[check.end():_closing(m.body, check.end() - 1, "()")]
        after_condition = m.body[_closing(m.body, check.start(1), "()") + 1:]
        if cls.value(argument) == p.names.custom_permission and re.match(
                r"\s*\{\s*throw\b", after_condition):
            gates.add(m.name.lower())
    return gates


def check_permission_gate(p: Project) -> list[str]:
    """Every @AuraEnabled method starts by checking the custom permission, and the controller
    throws only AuraHandledException (directly or through a helper returning one)."""
    cls = p.apex("controller_class")
    gates = _gate_methods(p, cls)
    problems = [] if gates else [f"{cls.name}: no method checks {p.names.custom_permission}"]
    aura = [m for m in cls.methods if "@auraenabled" in m.annotations]
    if not {"getSettings", "saveSettings", "testConnection"} <= {m.name for m in aura}:
        problems.append(f"{cls.name}: missing @AuraEnabled methods: {[m.name for m in aura]}")
    for m in aura:
        first = re.match(r"\s*(\w+)\s*\(\s*\)\s*;", m.body)
        if first is None or first.group(1).lower() not in gates:
            problems.append(f"{cls.name}.{m.name}: does not check the permission first")
    factories = {m.name.lower() for m in cls.methods
                 if (m.return_type or "").lower() == "aurahandledexception"}
    for thrown in re.finditer(r"\bthrow\s+(new\s+)?([\w.]+)", cls.code, re.I):
        name = thrown.group(2).lower()
        if name != "aurahandledexception" and (thrown.group(1) or name not in factories):
            problems.append(f"{cls.name}: throws {thrown.group(2)}, not AuraHandledException")
    return problems


# Inputs for the controller's validation: (setting, accepted, rejected).
VALIDATION_CASES = {
    "consumerKey": (
        ["TestConsumerKey.0123456789_abcdef", "3MVG9" + "A1b2_C3d4." * 8],
        ["too_short", "<b>not a consumer key</b>", "key with spaces 0123456789", "k" * 256, ""],
    ),
    "certificateName": (
        ["Integration_Cert", "A", "Cert2_B"],
        ["1Cert", "My__Cert", "My_Cert_", "_Cert", "C" * 65, "bad-name", "Cert Name", ""],
    ),
    "username": (
        ["integration@example.com", "int.user+jwt@acme.co.uk"],
        ["not-an-email", "a b@example.com", "a" * 75 + "@example.com", "@example.com", ""],
    ),
    "loginUrl": (
        ["https://login.salesforce.com", "https://test.salesforce.com",
         "https://acme.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com",
         "https://acme-dev-ed.develop.my.salesforce.com", "https://acme.scratch.my.salesforce.com",
         "https://a.my.salesforce.com", "https://" + "a" * 63 + ".sandbox.my.salesforce.com"],
        ["http://login.salesforce.com", "https://login.example.com",
         "https://acme.force.com", "https://acme.lightning.force.com",
         "https://acme.dev.my.salesforce.com", "https://acme.develop.salesforce.com",
         "https://a.b.my.salesforce.com", "https://-acme.my.salesforce.com",
         "https://acme-.my.salesforce.com", "https://" + "a" * 64 + ".my.salesforce.com",
         "https://acme_uat.sandbox.my.salesforce.com", "https://my.salesforce.com",
         "https://login.salesforce.com.example.com", "https://acme.my.salesforce.com/path",
         "https://acme.my.salesforce.com@evil.example.com", "https://evil.com/.my.salesforce.com",
         "https://acme.my.salesforce.com:8443", "javascript:alert(1)//.my.salesforce.com", ""],
    ),
}


def check_validation(p: Project) -> list[str]:
    """saveSettings validates every value (shape and length, as Apex `matches()` does) before
    the DML, and the rules accept and reject what they should, including the default URL."""
    cls = p.apex("controller_class")
    save = cls.method("saveSettings")
    problems = []
    validate = re.search(r"\b(\w+)\s*\(\s*candidate\s*\)\s*;", save.body)
    dml = re.search(r"\bupsert\b", save.body)
    if validate is None or dml is None or validate.start() > dml.start():
        return [f"{cls.name}.saveSettings: no validate(candidate) before the upsert"]
    checker = cls.method(validate.group(1))
    if not re.search(r"\bthrow\b", checker.body):
        problems.append(f"{cls.name}.{checker.name}: never throws")
    helper = cls.method("matches").body
    if not re.search(r"\.length\(\)\s*<=\s*maxLength", helper) or ".matcher(value).matches()" \
            not in re.sub(r"\s", "", helper):
        problems.append(f"{cls.name}.matches: no longer a length check plus a full match")
    cases = {**VALIDATION_CASES}
    accepted, rejected = cases["loginUrl"]
    cases["loginUrl"] = ([*accepted, p.spec.login_url], rejected)
    for setting, (good, bad) in cases.items():
        call = re.search(rf"\bmatches\s*\(\s*candidate\.{setting}\s*,\s*(\w+)\s*,\s*(\w+)\s*\)",
                         checker.body)
        if call is None:
            problems.append(f"{cls.name}.{checker.name}: {setting} is not validated")
            continue
        shape, limit = cls.value(call.group(1)), cls.value(call.group(2))
        assert isinstance(shape, str) and isinstance(limit, int)

        def ok(value: str, shape: str = shape, limit: int = limit) -> bool:
            return len(value) <= limit and re.fullmatch(shape, value) is not None
        problems += [f"{setting}: {v!r} rejected" for v in good if not ok(v)]
        problems += [f"{setting}: {v!r} accepted" for v in bad if ok(v)]
    return problems


def _expression_end(code: str, start: int) -> int:
    """End of the expression starting at `start`: the first `;`, `,` or unmatched `)`."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] in "({[":
            depth += 1
        elif code[i] in ")}]":
            if depth == 0:
                return i
            depth -= 1
        elif code[i] in ";," and depth == 0:
            return i
    return len(code)


def _exception_factories(cls: Apex) -> re.Pattern[str] | None:
    names = [m.name for m in cls.methods if (m.return_type or "").lower().endswith("exception")]
    return re.compile(rf"\b(?:{'|'.join(names)})\s*\(") if names else None


def check_secrets_in_memory(p: Project) -> list[str]:
    """The token and the assertion are never assigned to a custom-setting field and never a DML
    operand (Platform Cache: check_token_cache). Package Apex logs nothing (no System.debug
    outside tests). Neither the token, the assertion nor the consumer key reach System.debug or
    an exception message (`new ...Exception(`, setMessage, or a helper that builds an exception
    from its argument)."""
    problems = []
    secret = TOKEN_IDENTIFIERS | CONSUMER_KEY_IDENTIFIERS
    for cls in p.classes.values():
        code = cls.code
        if not cls.is_test and re.search(r"\bSystem\s*\.\s*debug\s*\(", code, re.I):
            problems.append(f"{cls.name}: logs with System.debug")
        for m in re.finditer(r"\b\w+__c\s*=(?!=)", code):
            value = code[m.end():_expression_end(code, m.end())]
            if _identifiers(value) & TOKEN_IDENTIFIERS:
                problems.append(f"{cls.name}: token stored in a setting field: {m.group(0)}{value}")
        for m in _DML_STATEMENT.finditer(code):
            if _identifiers(m.group("operand")) & TOKEN_IDENTIFIERS:
                problems.append(f"{cls.name}: token in DML: {m.group(0).strip()}")
        sinks = [re.compile(r"\bSystem\s*\.\s*debug\s*\(", re.I),
                 re.compile(r"\bnew\s+(?:[\w.]+\.)?\w*Exception\s*\(", re.I),
                 re.compile(r"\.\s*setMessage\s*\(", re.I)]
        factories = _exception_factories(cls)
        if factories is not None:
            sinks.append(factories)
        for sink in sinks:
            for offset, args in _arguments(code, sink):
                leaked = _identifiers(args) & secret
                if leaked:
                    problems.append(f"{cls.name}@{offset}: {sorted(leaked)} passed to "
                                    f"{code[offset:offset + 30].split('(')[0].strip()}")
    return problems


# Apex String comparisons: == and equalsIgnoreCase ignore case, the methods do not.
_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "==": lambda a, b: a.lower() == b.lower(),
    "equalsIgnoreCase": lambda a, b: a.lower() == b.lower(),
    "equals": str.__eq__,
    "endsWith": str.endswith,
    "startsWith": str.startswith,
    "contains": str.__contains__,
}


def _audience(config: Apex, url: str) -> str:
    """Evaluate `audienceFor(url)` from its Apex source. Supported shape (anything else fails
    the test so that this evaluator is updated together with the template):
        String v = normalizeLoginUrl(url);
        if (v == CONST || v.endsWith(CONST) || ...) {   (see _STRING_TESTS)
          return CONST;
        }
        return CONST;
    normalizeLoginUrl is applied as trim + lower case + no trailing slashes (asserted on its
    source in check_jwt_claims; its behaviour is covered by the generated Apex tests)."""
    body = config.method("audienceFor").body
    normalized = url.strip().lower().rstrip("/")
    statements = re.finditer(
        r"\s*(?:String\s+\w+\s*=\s*normalizeLoginUrl\(\s*\w+\s*\)\s*;"
        r"|if\s*\((?P<cond>[^{]*)\)\s*\{\s*return\s+(?P<then>\w+)\s*;\s*\}"
        r"|return\s+(?P<final>\w+)\s*;)", body)
    consumed = 0
    for s in statements:
        assert s.start() == consumed, f"audienceFor: unsupported code {body[consumed:][:80]!r}"
        consumed = s.end()
        if s.group("final"):
            assert not body[consumed:].strip(), "audienceFor: code after the last return"
            return str(config.value(s.group("final")))
        if s.group("cond") is not None:
            assert "&&" not in s.group("cond"), "audienceFor: && is not supported"
            for term in s.group("cond").split("||"):
                t = re.fullmatch(rf"\s*\w+\s*(?:(==)\s*(\w+)|\.({'|'.join(_STRING_TESTS)})"
                                 r"\(\s*(\w+)\s*\))\s*", term)
                assert t is not None, f"audienceFor: unsupported condition {term!r}"
                operator, constant = t.group(1) or t.group(3), t.group(2) or t.group(4)
                if _STRING_TESTS[operator](normalized, str(config.value(constant))):
                    return str(config.value(s.group("then")))
    raise AssertionError("audienceFor: no return statement")


def expected_audience(url: str) -> str:
    """SALESFORCE.md 5.2: sandboxes and scratch orgs (test.salesforce.com,
    *.sandbox.my.salesforce.com, *.scratch.my.salesforce.com) use https://test.salesforce.com;
    production login, production and Developer Edition (*.develop) My Domains the login host."""
    host = url.strip().lower().split("//", 1)[-1].rstrip("/")
    sandbox = host == "test.salesforce.com" or host.endswith(
        (".sandbox.my.salesforce.com", ".scratch.my.salesforce.com"))
    return SANDBOX_AUDIENCE if sandbox else PRODUCTION_AUDIENCE


AUDIENCE_URLS = (
    "https://login.salesforce.com", "https://test.salesforce.com",
    "https://acme.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com",
    " HTTPS://Acme--UAT.Sandbox.My.Salesforce.com// ", "https://ACME.my.salesforce.com/",
    "https://sandbox.my.salesforce.com",  # a production My Domain named "sandbox"
    "https://acme-dev-ed.develop.my.salesforce.com", "https://ACME.Scratch.my.salesforce.com/",
    "https://scratch.my.salesforce.com",  # a production My Domain named "scratch"
)


def check_jwt_claims(p: Project) -> list[str]:
    """One JWT: validity <= 180 s, iss = consumer key, sub = username, aud from the configured
    login URL, evaluated for production, sandbox and My Domain URLs and the generated default."""
    handler, config = p.apex("handler_class"), p.apex("config_class")
    problems = []
    claims = {name: [args.strip() for _, args in _arguments(
        handler.code, re.compile(rf"\.\s*set{name}\s*\(", re.I))]
        for name in ("ValidityLength", "Iss", "Sub", "Aud")}
    expected = {"Iss": r"\w+\.consumerKey", "Sub": r"\w+\.username", "Aud": r"\w+\.getAudience\(\)"}
    for name, shape in expected.items():
        if len(claims[name]) != 1 or not re.fullmatch(shape, claims[name][0]):
            problems.append(f"{handler.name}: set{name}{claims[name]} is not {shape}")
    if len(claims["ValidityLength"]) != 1:
        problems.append(f"{handler.name}: setValidityLength{claims['ValidityLength']}")
    else:
        seconds = handler.value(claims["ValidityLength"][0])
        if not isinstance(seconds, int) or not 0 < seconds <= JWT_MAX_VALIDITY_SECONDS:
            problems.append(f"{handler.name}: JWT validity {seconds} exceeds 3 minutes")
    if not re.search(r"return\s+audienceFor\(\s*loginUrl\s*\)\s*;",
                     config.method("getAudience").body):
        problems.append(f"{config.name}.getAudience: not audienceFor(loginUrl)")
    if not re.search(r"this\.loginUrl\s*=\s*normalizeLoginUrl\(\s*record\.Login_Url__c\s*\)",
                     config.code):
        problems.append(f"{config.name}: loginUrl does not come from Login_Url__c")
    normalize = config.method("normalizeLoginUrl").body
    if not all(s in normalize for s in (".toLowerCase()", ".removeEnd('", "trimToNull(")):
        problems.append(f"{config.name}.normalizeLoginUrl: no longer trim + lower + no slash")
    default = config.value("DEFAULT_LOGIN_URL")
    if default != p.spec.login_url:
        problems.append(f"{config.name}: DEFAULT_LOGIN_URL {default} != {p.spec.login_url}")
    for url in (*AUDIENCE_URLS, p.spec.login_url):
        actual = _audience(config, url)
        if actual != expected_audience(url):
            problems.append(f"aud for {url!r} is {actual}, expected {expected_audience(url)}")
    return problems


def _grants(root: etree._Element, tag: str, key: str, value: str) -> dict[str, str]:
    return {e.findtext(f"{MD}{key}", ""): e.findtext(f"{MD}{value}", "")
            for e in root.findall(f"{MD}{tag}")}


PERMSET_TEXT = {"description", "label", "hasActivationRequired"}


def check_permission_sets(p: Project) -> list[str]:
    """Admin: the controller class, the custom permission and the Visible setup tab. Integration
    user: the handler and config classes. Nothing else (unknown grant elements count too)."""
    n = p.names
    problems = []
    expected = {
        n.admin_permset: {
            "classAccesses": {n.controller_class: "true"},
            "customPermissions": {n.custom_permission: "true"},
            "tabSettings": {n.tab: "Visible"},
        },
        n.integration_permset: {
            "classAccesses": {},  # grants nothing: the ECA pre-authorizes it
        },
    }
    keys = {"classAccesses": ("apexClass", "enabled"), "customPermissions": ("name", "enabled"),
            "tabSettings": ("tab", "visibility")}
    for permset, grants in expected.items():
        root = p.xml(f"permissionsets/{permset}.permissionset-meta.xml")
        tags = {etree.QName(e).localname for e in root if isinstance(e.tag, str)}
        if extra := tags - PERMSET_TEXT - set(grants):
            problems.append(f"{permset}: grants more than needed: {sorted(extra)}")
        for tag, wanted in grants.items():
            actual = _grants(root, tag, *keys[tag])
            if actual != wanted:
                problems.append(f"{permset}: {tag} {actual} != {wanted}")
    return problems


SETTING_FIELDS = {"Consumer_Key__c", "Certificate_Name__c", "Integration_Username__c",
                  "Login_Url__c", "Org_Id__c"}
# The UI path to the consumer key names a button that also mentions the secret.
UI_LABELS = re.compile(r"Consumer Key and Secret", re.I)


def check_custom_setting(p: Project) -> list[str]:
    """Hierarchy + Protected, exactly the four fields, all short Text (a PEM private key cannot
    fit in 255 characters), none named, labelled or described as a secret. A description or
    help sentence may mention a secret only to deny it ("not a secret", "never store")."""
    base = f"objects/{p.names.setting}"
    obj = p.xml(f"{base}/{p.names.setting}.object-meta.xml")
    problems = []
    for tag, wanted in (("customSettingsType", "Hierarchy"), ("visibility", "Protected")):
        if obj.findtext(f"{MD}{tag}") != wanted:
            problems.append(f"{p.names.setting}: {tag} is not {wanted}")
    if obj.findall(f"{MD}fields"):
        problems.append(f"{p.names.setting}: declares fields inline")
    prefix = p.path(f"{base}/fields/")
    fields = {path[len(prefix):].removesuffix(".field-meta.xml")
              for path in p.files if path.startswith(prefix)}
    if fields != SETTING_FIELDS:
        problems.append(f"{p.names.setting}: fields {sorted(fields)} != {sorted(SETTING_FIELDS)}")
    for name in sorted(fields):
        f = p.xml(f"{base}/fields/{name}.field-meta.xml")
        where = f"{p.names.setting}.{name}"
        if f.findtext(f"{MD}fullName") != name:
            problems.append(f"{where}: fullName differs from the file name")
        if f.findtext(f"{MD}type") != "Text" or int(f.findtext(f"{MD}length") or 0) > 255:
            problems.append(f"{where}: not a Text field of at most 255 characters")
        for tag in ("fullName", "label"):
            if SECRET_WORDS.search(f.findtext(f"{MD}{tag}") or ""):
                problems.append(f"{where}: {tag} names a secret")
        for tag in ("description", "inlineHelpText"):
            prose = UI_LABELS.sub("", f.findtext(f"{MD}{tag}") or "")
            for sentence in re.split(r"(?<=[.;!?])\s+", prose):
                if SECRET_WORDS.search(sentence) and not NEGATION.search(sentence):
                    problems.append(f"{where}: {tag} describes a secret: {sentence!r}")
    return problems


def check_nothing_secret_returned(p: Project) -> list[str]:
    """getSettings/saveSettings return Settings with the consumer key masked (only null checks
    and the last four characters of it are used); testConnection returns a constant message
    and discards the token; the LWC never puts a server value into its consumerKey input."""
    cls = p.apex("controller_class")
    problems = []
    settings = next(t for t in cls.types if t.name == "Settings")
    members = re.findall(r"@AuraEnabled\s+public\s+\w+\s+(\w+)\s*;",
                         cls.code[settings.open:settings.close], re.I)
    if not members or {m.lower() for m in members} & CONSUMER_KEY_IDENTIFIERS:
        problems.append(f"{cls.name}.Settings: exposes {members}")
    for method in ("getSettings", "saveSettings"):
        if (cls.method(method).return_type or "").lower() != "settings":
            problems.append(f"{cls.name}.{method}: does not return Settings")
    for m in re.finditer(rf"\b\w+\.(?:{'|'.join(members) or 'x'})\s*=(?!=)", cls.code):
        value = cls.code[m.end():_expression_end(cls.code, m.end())]
        for use in re.finditer(r"\bconsumerKey\b", value, re.I):
            rest = value[use.end():]
            if not re.match(r"\s*!=\s*null|\.right\(\s*4\s*\)", rest):
                problems.append(f"{cls.name}: unmasked consumer key in {m.group(0)}{value}")
    test = cls.method("testConnection")
    if (test.return_type or "").lower() != "string":
        problems.append(f"{cls.name}.testConnection: does not return a message")
    for returned in re.findall(r"\breturn\s+([^;]*);", test.body):
        formatted = re.fullmatch(r"String\s*\.\s*format\(\s*(\w+)\s*,(.*)\)", returned.strip(),
                                 re.S)
        message = (formatted.group(1) if formatted else returned).strip().lower()
        arguments = _identifiers(formatted.group(2)) if formatted else set()
        if message not in cls.constants or arguments & TOKEN_IDENTIFIERS:
            problems.append(f"{cls.name}.testConnection: returns {returned}, not a message")
    for statement in re.findall(r"[^;{}]*getAccessToken\s*\([^;]*;", test.body):
        if re.search(r"(?<![=!<>])=(?!=)|\breturn\b", statement):
            problems.append(f"{cls.name}.testConnection: keeps the token: {statement.strip()}")
    js = p.text(f"lwc/{p.names.lwc}/{p.names.lwc}.js")
    for assignment in re.findall(r"this\.consumerKey\s*=\s*([^;]*);", js):
        if assignment.strip() not in ('""', "''"):
            problems.append(f"{p.names.lwc}.js: consumerKey set to {assignment}")
    return problems


def check_public_methods_tested(p: Project) -> list[str]:
    """Every method that is public/global (and whose enclosing types are public/global, so it is
    reachable from outside) in a non-test class is called from some test class."""
    called: set[str] = set()
    for cls in p.classes.values():
        if cls.is_test:
            called |= _called_names(cls.code)
    problems = []
    for cls in p.classes.values():
        if cls.is_test:
            continue
        for m in cls.methods:
            visible = [t.modifiers for t in cls.enclosing(m.start)] + [m.modifiers]
            if all(mods & {"public", "global"} for mods in visible) \
                    and m.name.lower() not in called:
                problems.append(f"{cls.name}.{m.name}: never called from a test class")
    return problems


def check_token_cache(p: Project) -> list[str]:
    """Tokens are cached only by the token cache class, only in its org partition, only with
    Cache.Visibility.NAMESPACE (other namespaces get null), for CACHE_TTL_RANGE seconds, under a
    digest key; the partition's namespace comes from the class's own name (in an installed
    package `local` means the subscriber's namespace); the handler consults the cache only after
    require() has accepted the settings for this org."""
    cache = p.apex("token_cache_class")
    problems = []
    for cls in p.classes.values():
        if cls.name != cache.name and not cls.is_test and re.search(r"\bCache\s*\.", cls.code):
            problems.append(f"{cls.name}: uses Platform Cache directly")
    if re.search(r"\bCache\s*\.\s*(?:Session|Visibility\s*\.\s*ALL)\b", cache.code):
        problems.append(f"{cache.name}: session cache or Visibility.ALL")
    # Every put except on the per-transaction map goes to the org cache, in exactly one shape.
    shape = (r"\s*\w+\s*,\s*\w+\s*,\s*TTL_SECONDS\s*,\s*Cache\s*\.\s*Visibility\s*\.\s*"
             r"NAMESPACE\s*,\s*false\s*")
    org_puts = [(offset, args) for offset, args in _arguments(
        cache.code, re.compile(r"(?<!inTransaction)\??\.\s*put\s*\("))]
    if not org_puts:
        problems.append(f"{cache.name}: never puts a token into the org cache")
    for offset, args in org_puts:
        if not re.fullmatch(shape, args):
            problems.append(f"{cache.name}@{offset}: org cache put is not (key, value, "
                            f"TTL_SECONDS, Cache.Visibility.NAMESPACE, false): {args.strip()}")
    ttl = cache.value("TTL_SECONDS")
    if not isinstance(ttl, int) or not CACHE_TTL_RANGE[0] <= ttl <= CACHE_TTL_RANGE[1]:
        problems.append(f"{cache.name}: TTL_SECONDS {ttl} outside {CACHE_TTL_RANGE}")
    key_for = re.sub(r"\s", "", cache.method("keyFor").body)  # string contents are blanked
    if "Crypto.generateDigest(" not in key_for or not re.search(
            r"return'+\+EncodingUtil\.convertToHex\(digest\)", key_for):
        problems.append(f"{cache.name}.keyFor: key is not a constant prefix plus a digest")
    if ".class.getName()" not in re.sub(r"\s", "", cache.method("partition").body):
        problems.append(f"{cache.name}.partition: namespace not read from the class name")
    handler = p.apex("handler_class")
    for name in ("getToken", "refreshToken"):
        body = handler.method(name).body
        require = body.find("config.require()")
        use = min((i for i in (body.find(cache.name + "."), body.find("exchange(")) if i >= 0),
                  default=-1)
        if require < 0 or use < 0 or require > use:
            problems.append(f"{handler.name}.{name}: cache or exchange before config.require()")
    return problems


def check_org_binding(p: Project) -> list[str]:
    """Saved settings are bound to the org that saved them: saveSettings writes
    UserInfo.getOrganizationId() to Org_Id__c and keeps a stored consumer key only when bound
    here; require() refuses settings bound elsewhere (or not at all); a global SandboxPostCopy
    class clears the binding."""
    config, ctl = p.apex("config_class"), p.apex("controller_class")
    problems = []
    if not re.search(r"this\.boundOrgId\s*=\s*trimToNull\(\s*record\.Org_Id__c\s*\)", config.code):
        problems.append(f"{config.name}: boundOrgId does not come from Org_Id__c")
    bound = re.sub(r"\s", "", config.method("isBoundToThisOrg").body)
    if bound != "returnboundOrgId!=null&&boundOrgId==UserInfo.getOrganizationId();":
        problems.append(f"{config.name}.isBoundToThisOrg: not a comparison with this org's id")
    if not re.search(r"if\s*\(\s*!\s*isBoundToThisOrg\(\)\s*\)\s*\{\s*throw\b",
                     config.method("require").body):
        problems.append(f"{config.name}.require: does not refuse settings of another org")
    save = ctl.method("saveSettings").body
    bind = re.search(r"record\.Org_Id__c\s*=\s*UserInfo\.getOrganizationId\(\)\s*;", save)
    upsert = re.search(r"\bupsert\b", save)
    if bind is None or upsert is None or bind.start() > upsert.start():
        problems.append(f"{ctl.name}.saveSettings: does not bind the settings to this org")
    if not re.search(r"isBoundToThisOrg\(\)\s*\?\s*record\.Consumer_Key__c\s*:\s*null", save):
        problems.append(f"{ctl.name}.saveSettings: keeps a consumer key saved in another org")
    mark = re.sub(r"\s", "", config.method("markForReconfirmation").body)
    if "record.Org_Id__c=null;" not in mark:
        problems.append(f"{config.name}.markForReconfirmation: does not clear Org_Id__c")
    copy = p.apex("sandbox_copy_class")
    if "global" not in copy.top.modifiers or not re.search(
            r"\bimplements\s+SandboxPostCopy\b", copy.code):
        problems.append(f"{copy.name}: not a global SandboxPostCopy class")
    run = copy.method("runApexClass")
    if "global" not in run.modifiers or f"{config.name}.markForReconfirmation()" not in \
            re.sub(r"\s", "", run.body):
        problems.append(f"{copy.name}.runApexClass: does not mark the settings")
    return problems


def check_api_client(p: Project) -> list[str]:
    """The bearer token goes only to the instance URL it was issued with: the Authorization
    header is set in one place, on `<token>.instanceUrl + path`; send() refuses anything but a
    /services/ path; the handler accepts only a bare https origin as instance_url."""
    api, handler = p.apex("api_class"), p.apex("handler_class")
    problems = []
    for cls in p.classes.values():
        if not cls.is_test and cls.name != api.name and "'Authorization'" in cls.source:
            problems.append(f"{cls.name}: sets an Authorization header")
    attempts = [m for m in api.methods
                if "'Authorization'" in api.source[m.start:m.start + len(m.body)]]
    if len(attempts) != 1:
        problems.append(f"{api.name}: the Authorization header is set in {len(attempts)} places")
    else:
        body = re.sub(r"\s", "", attempts[0].body)
        if not re.search(r"setEndpoint\((\w+)\.instanceUrl\+path\);", body):
            problems.append(f"{api.name}.{attempts[0].name}: endpoint is not instanceUrl + path")
    send = re.sub(r"\s", "", api.method("send").body)
    guard = send.find("if(!path.startsWith(")
    if guard < 0 or "path.contains(" not in send or guard > send.find("attempt("):
        problems.append(f"{api.name}.send: does not refuse full URLs before sending")
    origin = handler.value("HTTPS_ORIGIN")
    assert isinstance(origin, str)
    for url, ok in (("https://acme.my.salesforce.com", True), ("http://acme.example.com", False),
                    ("https://evil.example.com/x", False), ("https://a@evil.example.com", False),
                    ("https://acme.my.salesforce.com:8443", False)):
        if (re.fullmatch(origin, url) is not None) != ok:
            verdict = "rejected" if ok else "accepted"
            problems.append(f"{handler.name}.HTTPS_ORIGIN: {url} {verdict}")
    return problems


def _literals(cls: Apex) -> Iterator[tuple[int, str]]:
    """(offset, value) of every string literal in the source (comments skipped)."""
    for m in _LEXEME.finditer(cls.source):
        if m.group(0).startswith("'"):
            yield m.start(), _apex_string(m.group(0))


def check_namespace_at_run_time(p: Project) -> list[str]:
    """Apex never bakes the namespace in: no literal holds `ns__Name` or `ns.Class`. Messages
    that name a packaged permission set (the "not pre-authorized" fix, the missing-settings hint,
    the no-permission error) hold a `{permission set}` slot that the config class fills with the
    prefix read at run time from its own class name; the permission set names are declared once,
    in the config class. So setting the namespace later in sfdx-project.json leaves every
    message right."""
    problems = []
    config = p.apex("config_class")
    permsets = {p.names.admin_permset, p.names.integration_permset}
    components = "|".join(sorted(re.escape(n) for n in asdict(p.names).values()))
    prefixed = [rf"\b\w+(?:__|\.)(?:{components})\b"]  # ns__Component or ns.Class
    if p.spec.namespace:
        prefixed.append(rf"(?<![\w./-]){re.escape(p.spec.namespace)}(?:__\w|\.[A-Z])")
    baked = re.compile("|".join(prefixed))
    slot = config.value("PERMISSION_SET_SLOT")
    assert isinstance(slot, str)
    handler = p.apex("handler_class")
    for cls in p.classes.values():
        for offset, value in _literals(cls):
            if baked.search(value):
                problems.append(f"{cls.name}@{offset}: namespace baked into {value!r}")
            if cls.is_test:
                continue
            named = [n for n in permsets if re.search(rf"\b{n}\b", value)]
            if named and (cls.name != config.name or value not in permsets):
                problems.append(f"{cls.name}@{offset}: permission set {named[0]} named outside "
                                f"{config.name}'s constants: {value[:60]!r}")
        for name, initializer in cls.constants.items():
            if cls.is_test or slot not in initializer or name == "permission_set_slot":
                continue
            filled = re.search(rf"\bwithPermissionSet\s*\(\s*{name}\b", cls.code, re.I)
            via_fixes = cls.name == handler.name and re.search(
                rf"\b{name}\b", cls.constants.get("fixes", ""), re.I)
            if not (filled or via_fixes):
                problems.append(f"{cls.name}.{name.upper()}: its {slot} slot is never filled by "
                                "withPermissionSet")
    for name, permset in (("ADMIN_PERMISSION_SET", p.names.admin_permset),
                          ("INTEGRATION_PERMISSION_SET", p.names.integration_permset)):
        if config.value(name) != permset:
            problems.append(f"{config.name}.{name} is not {permset}")
    if not re.search(rf"\bwithPermissionSet\s*\(\s*fix\s*,\s*{config.name}\s*\.\s*"
                     r"INTEGRATION_PERMISSION_SET\s*\)", handler.method("explainFailure").body):
        problems.append(f"{handler.name}.explainFailure: the fix's permission set slot is not "
                        "filled")
    body = re.sub(r"\s", "", config.method("withPermissionSet").body)  # literals are blanked
    for shape in (f"typeName={config.name}.class.getName();",
                  "namespace=typeName.left(Math.max(typeName.indexOf(''),0));",
                  "qualified=(namespace+'').removeStart('')+permissionSet;",
                  "returnmessage.replace(PERMISSION_SET_SLOT,qualified);"):
        if shape not in body:
            problems.append(f"{config.name}.withPermissionSet: no {shape} (the namespace must be "
                            "read at run time from the class name)")
    return problems

CHECKS: dict[str, Callable[[Project], list[str]]] = {
    "sharing": check_sharing,
    "user-mode": check_user_mode,
    "permission-gate": check_permission_gate,
    "validation": check_validation,
    "secrets-in-memory": check_secrets_in_memory,
    "jwt-claims": check_jwt_claims,
    "permission-sets": check_permission_sets,
    "custom-setting": check_custom_setting,
    "nothing-secret-returned": check_nothing_secret_returned,
    "public-methods-tested": check_public_methods_tested,
    "token-cache": check_token_cache,
    "org-binding": check_org_binding,
    "api-client": check_api_client,
    "namespace-at-run-time": check_namespace_at_run_time,
}


@pytest.mark.parametrize("check", list(CHECKS.values()), ids=list(CHECKS))
def test_generated_project_has_property(project: Project,
                                        check: Callable[[Project], list[str]]) -> None:
    assert check(project) == []


@pytest.mark.parametrize("login_url", ["https://acme-dev-ed.develop.my.salesforce.com",
                                       "https://acme.scratch.my.salesforce.com"])
def test_controller_accepts_the_login_url_it_was_generated_with(login_url: str) -> None:
    assert check_validation(_render({"login_url": login_url})) == []


def test_controller_and_generator_accept_the_same_login_urls() -> None:
    """One rule: a URL the setup tab saves is one --login-url accepts, and the reverse."""
    accepted, rejected = VALIDATION_CASES["loginUrl"]
    for url in accepted:
        assert build_spec({"login_url": url}).login_url == url
    for url in rejected:
        with pytest.raises(SpecError):
            build_spec({"login_url": url})


# ---------------------------------------------------------------------------------------------
# Every check can fail: one sabotaged rendered string per row, on the default project.

CTL = "classes/{controller_class}.cls"
HANDLER = "classes/{handler_class}.cls"
CONFIG = "classes/{config_class}.cls"
CONFIG_TEST = "classes/{config_class}Test.cls"
ADMIN = "permissionsets/{admin_permset}.permissionset-meta.xml"
INTEGRATION = "permissionsets/{integration_permset}.permissionset-meta.xml"
SETTING = "objects/{setting}/{setting}.object-meta.xml"
KEY_FIELD = "objects/{setting}/fields/Consumer_Key__c.field-meta.xml"
CACHE = "classes/{token_cache_class}.cls"
API = "classes/{api_class}.cls"
COPY = "classes/{sandbox_copy_class}.cls"
PARSED = "Map<String, String> values = parse(response);"

# id: (check, file, old, new): replacing `old` (which occurs once) by `new` must be reported.
SABOTAGE: dict[str, tuple[str, str, str, str]] = {
    "without-sharing": ("sharing", CONFIG, "with sharing", "without sharing"),
    "no-sharing": ("sharing", HANDLER, "public with sharing class AcmeIntegrationJwtHandler",
                   "public class AcmeIntegrationJwtHandler"),
    "uncommented-inherited": ("sharing", CTL, "public with sharing", "public inherited sharing"),
    "test-not-istest": ("sharing", CONFIG_TEST, "@IsTest\nprivate class", "private class"),
    "inner-class-dml": ("sharing", HANDLER, "  private with sharing class JwtBearerExchanger",
                        "  private class Writer { void touch() { insert new Account(); } }\n"
                        "  private with sharing class JwtBearerExchanger"),
    "inner-class-no-sharing": ("sharing", HANDLER, "private with sharing class JwtBearerExchanger",
                               "private class JwtBearerExchanger"),
    "system-query": ("user-mode", CONFIG, "    if (record == null) {\n      record = Acme",
                     "    Account a = [SELECT Id FROM Account LIMIT 1];\n"
                     "    if (record == null) {\n      record = Acme"),
    "dynamic-soql": ("user-mode", CONFIG_TEST,
                     "return [SELECT Id FROM User WHERE Username = :username LIMIT 1];",
                     "return Database.query('SELECT Id FROM User');"),
    "system-dml-other": ("user-mode", CTL, "upsert as system record;",
                         "upsert as system record; insert as system new Account();"),
    "plain-dml": ("user-mode", CTL, "upsert as system record;", "upsert record;"),
    "uncommented-system-dml": ("user-mode", CTL, "    // the caller holds", "    the = caller;"),
    "ungated-method": ("permission-gate", CTL, "requirePermission();\n    return toSettings(",
                       "return toSettings("),
    "gate-after-read": ("permission-gate", CTL, "requirePermission();\n    Acme_Integration_Set",
                        "Acme_Integration_Settings__c early = orgDefaults();\n"
                        "    requirePermission();\n    Acme_Integration_Set"),
    "wrong-permission": ("permission-gate", CTL, "'Acme_Integration_Configure'", "'Other'"),
    "other-exception": ("permission-gate", CTL, "throw auraError(\n        AcmeIntegrationConfig",
                        "throw new NoAccessException(\n        AcmeIntegrationConfig"),
    "validation-removed": ("validation", CTL, "validate(candidate);",
                           "candidate.isConfigured();"),
    "http-login-url": ("validation", CTL, "'^https://(?:login", "'^https?://(?:login"),
    "no-developer-edition": ("validation", CTL, "(?:sandbox|develop|scratch)", "(?:sandbox)"),
    "unchecked-username": ("validation", CTL, "matches(candidate.username,",
                           "matches(candidate.x,"),
    "token-in-setting": ("secrets-in-memory", HANDLER, PARSED,
                         PARSED + " config.record.Consumer_Key__c = current.accessToken;"),
    "token-in-dml": ("secrets-in-memory", HANDLER, PARSED,
                     PARSED + " insert as user new Note(Body = current.accessToken);"),
    "debug-token": ("secrets-in-memory", HANDLER, PARSED,
                    PARSED + " System.debug(current.accessToken);"),
    "debug-anything": ("secrets-in-memory", CACHE, "inTransaction.remove(key);",
                       "inTransaction.remove(key); System.debug('evicted');"),
    "debug-key": ("secrets-in-memory", CONFIG, "return new AcmeIntegrationConfig(record);",
                  "System.debug(record.Consumer_Key__c); "
                  "return new AcmeIntegrationConfig(record);"),
    "key-in-message": ("secrets-in-memory", HANDLER, "new JwtBearerException(EMPTY_RESPONSE)",
                       "new JwtBearerException(EMPTY_RESPONSE + ready.consumerKey)"),
    "jws-in-message": ("secrets-in-memory", HANDLER, "Auth.JWS jws = new Auth.JWS(",
                       "CalloutException c = new CalloutException(); "
                       "c.setMessage(jws.getCompactSerialization()); "
                       "Auth.JWS jws = new Auth.JWS("),
    "key-in-aura-error": ("secrets-in-memory", CTL,
                          "throw auraError(String.join(problems, ' '));",
                          "throw auraError(candidate.consumerKey);"),
    "long-validity": ("jwt-claims", HANDLER, "ASSERTION_VALIDITY_SECONDS = 180;",
                      "ASSERTION_VALIDITY_SECONDS = 300;"),
    "iss-is-username": ("jwt-claims", HANDLER, "setIss(ready.consumerKey)",
                        "setIss(ready.username)"),
    "fixed-audience": ("jwt-claims", HANDLER, "setAud(ready.getAudience())",
                       "setAud(AcmeIntegrationConfig.PRODUCTION_LOGIN_URL)"),
    "sandbox-my-domain-prod": ("jwt-claims", CONFIG,
                               " ||\n      normalized.endsWith(SANDBOX_MY_DOMAIN_SUFFIX)", ""),
    "scratch-org-prod": ("jwt-claims", CONFIG,
                         " ||\n      normalized.endsWith(SCRATCH_MY_DOMAIN_SUFFIX)", ""),
    "my-domain-as-audience": ("jwt-claims", CONFIG, "return PRODUCTION_LOGIN_URL;",
                              "return normalized;"),
    "admin-object-access": ("permission-sets", ADMIN, "<label>",
                            "<objectPermissions><object>Account</object></objectPermissions>"
                            "<label>"),
    "admin-extra-class": ("permission-sets", ADMIN, "</classAccesses>",
                          "</classAccesses><classAccesses><apexClass>AcmeIntegrationConfig"
                          "</apexClass><enabled>true</enabled></classAccesses>"),
    "admin-hidden-tab": ("permission-sets", ADMIN, "<visibility>Visible", "<visibility>Hidden"),
    "integration-permission": ("permission-sets", INTEGRATION, "<label>",
                               "<customPermissions><enabled>true</enabled><name>X</name>"
                               "</customPermissions><label>"),
    "public-setting": ("custom-setting", SETTING, ">Protected<", ">Public<"),
    "list-setting": ("custom-setting", SETTING, ">Hierarchy<", ">List<"),
    "secret-field": ("custom-setting", KEY_FIELD, "<label>Consumer Key</label>",
                     "<label>Consumer Secret</label>"),
    "secret-description": ("custom-setting", KEY_FIELD, "and is not a secret.",
                           "and is. Paste the private key here."),
    "long-text": ("custom-setting", KEY_FIELD, "<type>Text</type>", "<type>LongTextArea</type>"),
    "full-key-returned": ("nothing-secret-returned", CTL, "MASK + config.consumerKey.right(4)",
                          "config.consumerKey"),
    "token-returned": ("nothing-secret-returned", CTL, "handler.getToken().instanceUrl",
                       "handler.getToken().accessToken"),
    "token-message-returned": ("nothing-secret-returned", CTL, "return String.format(",
                               "return handler.getAccessToken();\n    String.format("),
    "lwc-shows-key": ("nothing-secret-returned", "lwc/{lwc}/{lwc}.js", 'this.consumerKey = "";',
                      "this.consumerKey = values.consumerKeyMasked;"),
    "untested-method": ("public-methods-tested", CONFIG, "public Boolean isConfigured()",
                        "public Boolean isConfiguredNow()"),
    "cache-outside-cache-class": ("token-cache", HANDLER, PARSED,
                                  PARSED + " Cache.Org.put('t', values);"),
    "cache-visible-to-all": ("token-cache", CACHE, "Cache.Visibility.NAMESPACE, false",
                             "Cache.Visibility.ALL, false"),
    "session-cache": ("token-cache", CACHE, "inTransaction.remove(key);",
                      "inTransaction.remove(key); Cache.Session.remove(key);"),
    "cache-without-ttl": ("token-cache", CACHE, "return;\n    }\n  }\n\n  /**\n   * @description F",
                          "return;\n    }\n    partition().put(key, values);\n  }\n\n"
                          "  /**\n   * @description F"),
    "cache-ttl-hours": ("token-cache", CACHE, "TTL_SECONDS = 600;", "TTL_SECONDS = 7200;"),
    "cache-key-in-clear": ("token-cache", CACHE, "return 'T' + EncodingUtil.convertToHex(digest)",
                           "return String.join(parts, '') + EncodingUtil.convertToHex(digest)"),
    "cache-local-namespace": ("token-cache", CACHE,
                              "String typeName = AcmeIntegrationTokenCache.class.getName();",
                              "String typeName = 'local';"),
    "cache-before-require": ("token-cache", HANDLER,
                             "AcmeIntegrationConfig ready = config.require();\n      String key",
                             "AcmeIntegrationTokenCache.get('x');\n      AcmeIntegrationConfig"
                             " ready = config.require();\n      String key"),
    "binding-ignored": ("org-binding", CONFIG, "if (!isBoundToThisOrg()) {",
                        "if (!isBoundToThisOrg() && false) {"),
    "binding-always-true": ("org-binding", CONFIG,
                            "return boundOrgId != null && boundOrgId == UserInfo"
                            ".getOrganizationId();",
                            "return true;"),
    "save-not-bound": ("org-binding", CTL, "record.Org_Id__c = UserInfo.getOrganizationId();",
                       ""),
    "copied-key-kept": ("org-binding", CTL, "? record.Consumer_Key__c\n      : null;",
                        "? record.Consumer_Key__c\n      : record.Consumer_Key__c;"),
    "post-copy-noop": ("org-binding", COPY, "AcmeIntegrationConfig.markForReconfirmation();",
                       "return;"),
    "post-copy-not-global": ("org-binding", COPY, "global with sharing class",
                             "public with sharing class"),
    "mark-keeps-binding": ("org-binding", CONFIG, "record.Org_Id__c = null;",
                           "record.Login_Url__c = null;"),
    "header-elsewhere": ("api-client", HANDLER, PARSED,
                         PARSED + " new HttpRequest().setHeader('Authorization', 'x');"),
    "token-to-any-host": ("api-client", API, "request.setEndpoint(issued.instanceUrl + path);",
                          "request.setEndpoint(path);"),
    "full-urls-allowed": ("api-client", API, "!path.startsWith('/services/') || ", "false && "),
    "http-instance-url": ("api-client", HANDLER, "'^https://[a-z0-9.-]+$'",
                          "'^https?://[a-z0-9.-]+.*$'"),
    "permset-baked": ("namespace-at-run-time", HANDLER,
                      "assign the {permission set} permission set",
                      "assign the acme__Acme_Integration_Integration_User permission set"),
    "admin-permset-unprefixed": ("namespace-at-run-time", CTL,
                                 "assign you the {permission set} permission set",
                                 "assign you the Acme_Integration_Admin permission set"),
    "hint-slot-not-filled": ("namespace-at-run-time", CONFIG,
                             "withPermissionSet(SETUP_HINT, ADMIN_PERMISSION_SET)",
                             "SETUP_HINT"),
    "slot-not-filled": ("namespace-at-run-time", HANDLER,
                        "AcmeIntegrationConfig.withPermissionSet(\n      fix,",
                        "String.valueOf(\n      fix,"),
    "prefix-from-render": ("namespace-at-run-time", CONFIG,
                           "String typeName = AcmeIntegrationConfig.class.getName();",
                           "String typeName = 'acme.AcmeIntegrationConfig';"),
    "prefix-dropped": ("namespace-at-run-time", CONFIG,
                       "(namespace + '__').removeStart('__') + ", ""),
    "namespace-literal": ("namespace-at-run-time", CACHE, "return 'T' + EncodingUtil",
                          "return 'acme.AcmeIntegrationTokenCache' + EncodingUtil"),
}


@pytest.mark.parametrize(("check", "template", "old", "new"), list(SABOTAGE.values()),
                         ids=list(SABOTAGE))
def test_check_catches_sabotage(default_project: Project, check: str, template: str, old: str,
                                new: str) -> None:
    assert CHECKS[check](default_project) == []
    broken = default_project.sabotaged(template, old, new)
    try:
        problems = CHECKS[check](broken)
    except AssertionError as exc:  # the evaluator refusing the new shape is a failure too
        problems = [str(exc)]
    assert problems, f"{check} did not notice: {old!r} -> {new!r}"


def test_every_check_has_sabotage() -> None:
    assert {row[0] for row in SABOTAGE.values()} == set(CHECKS)


# ---------------------------------------------------------------------------------------------
# The subscriber guide's troubleshooting table is keyed to the messages the code really shows
# (review finding M6): every row names a message some Apex literal starts with, and every fix
# the handler, config and API client can show has a row.

GUIDE = "docs/SUBSCRIBER-SETUP.md"
_ROW = re.compile(r"^\| (?P<key>[^|]+?) \| [^|]+ \| [^|]+ \|$", re.M)
# In a row key: "...", "https://..." and status lists such as "401 / 403 / 404" stand for a
# value; in Apex, String.format slots {0}, {1}.
_ROW_PLACEHOLDER = re.compile(r"https://\.\.\.|\.\.\.|\d{3}(?: / \d{3})*")
_APEX_SLOT = re.compile(r"\{\d\}")
# Constants whose message an admin can see: (class field, constant names).
SHOWN_MESSAGES = (
    ("handler_class", ("NOT_APPROVED", "BAD_AUDIENCE", "EXPIRED", "BAD_ASSERTION",
                       "SIGNING_FAILED", "BAD_CLIENT", "BAD_USER", "EMPTY_RESPONSE",
                       "NO_REMOTE_SITE", "TIMED_OUT", "DML_FIRST", "UNKNOWN")),
    ("config_class", ("ORG_MISMATCH",)),
    ("api_class", ("FAILED",)),
    ("controller_class", ("NO_PERMISSION",)),
)


def _row_pattern(key: str) -> re.Pattern[str]:
    parts = _ROW_PLACEHOLDER.split(key)
    return re.compile(".*?".join(re.escape(part) for part in parts))


def troubleshooting_problems(p: Project) -> list[str]:
    guide = p.files[GUIDE].decode()
    table = guide[guide.index("## Troubleshooting"):]
    keys = [m.group("key") for m in _ROW.finditer(table)][2:]  # skip header and rule
    messages = [_APEX_SLOT.sub("\0", value) for cls in p.classes.values() if not cls.is_test
                for _, value in _literals(cls)]
    problems = [f"row {key!r}: no message starts so"
                for key in keys if not any(_row_pattern(key).match(m) for m in messages)]
    for field_name, constants in SHOWN_MESSAGES:
        cls = p.apex(field_name)
        for name in constants:
            initializer = cls.constants[name.lower()]
            first = re.match(r"'(?:\\.|[^'\\])*'", initializer)
            assert first, f"{cls.name}.{name}: not a string constant"
            value = _APEX_SLOT.sub("\0", _apex_string(first.group(0)))
            if not any(_row_pattern(key).match(value) for key in keys):
                problems.append(f"{cls.name}.{name}: no troubleshooting row for {value[:50]!r}")
    return problems


def test_troubleshooting_table_is_keyed_to_the_messages_shown(project: Project) -> None:
    assert troubleshooting_problems(project) == []


@pytest.mark.parametrize(("file", "old", "new"), [
    (GUIDE, "| Could not sign the assertion |", "| Could not sign the JWT |"),
    (f"{PKG}/classes/AcmeIntegrationJwtHandler.cls",
     "'The token endpoint rejected the JWT audience.", "'The JWT audience is wrong."),
    (GUIDE, "| Salesforce blocked the callout to https://... |", "| Callout blocked |"),
])
def test_troubleshooting_check_catches_drift(default_project: Project, file: str, old: str,
                                             new: str) -> None:
    text = default_project.files[file].decode()
    assert text.count(old) == 1
    broken = replace(default_project, files={**default_project.files,
                                             file: text.replace(old, new).encode()})
    assert troubleshooting_problems(broken)
