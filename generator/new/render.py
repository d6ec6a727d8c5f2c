"""plan -> render: turn a ProjectSpec into the files of a Salesforce DX project, in memory.

`plan(spec)` names every output file explicitly. Template paths mirror the generated tree; a
segment such as `_lwc_` or `_config_class_` is a placeholder for the matching field of
`spec.names`. A `.j2` template is rendered; any other template is copied byte for byte.
`render` also writes scaffold.toml: the answers and the manifest (new/write.py) of every file.

Compiled templates are cached by Jinja's FileSystemBytecodeCache in its per-user directory
under the system temp directory (`$TMPDIR/_jinja2-cache-<uid>`, mode 0700); the cache is a
speed-up only and may be deleted at any time.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import jinja2

from generator import __version__
from generator.errors import TemplateBug
from generator.new import naming
from generator.new.answers import ANSWERS_FILE, format_answers
from generator.new.spec import ProjectSpec
from generator.new.write import format_manifest
from generator.new.xmlcheck import xml_problem

PKG = "force-app/main/default"
ECA_PROJECT = "subscriber-eca"
ECA_DIR = f"{ECA_PROJECT}/eca/main/default"
_PLACEHOLDER = re.compile(r"_([a-z]+(?:_[a-z]+)*)_")


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One output file: the template it comes from and extra template variables."""

    template: str  # path below templates/, with placeholders
    output: str  # path below the project root, placeholders substituted
    extra: tuple[tuple[str, str], ...] = ()


def templates_root() -> Path:
    """templates/ in a source checkout, or generator/_templates inside an installed wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise TemplateBug("templates directory not found; reinstall scaffold")  # pragma: no cover


def _apex_string(value: str) -> str:
    """Body of an Apex single-quoted string literal."""
    out = value.replace("\\", "\\\\").replace("'", "\\'")
    return out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _js_string(value: str) -> str:
    """A complete JavaScript single-quoted string literal (safe inside HTML too)."""
    body = json.dumps(value, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return "'" + body.replace("<", "\\u003c").replace(">", "\\u003e") + "'"


def _js_regex(pattern: str) -> str:
    """A JavaScript regular expression literal (without flags) for a pattern written in the
    syntax common to Python, Java and JavaScript."""
    if "\n" in pattern or "\r" in pattern or pattern.endswith("\\"):
        raise TemplateBug(f"pattern cannot be a JavaScript literal: {pattern!r}")
    return "/" + re.sub(r"(?<!\\)((?:\\\\)*)/", r"\1\\/", pattern) + "/"


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates, kept in Jinja's private per-user temp directory so that each run
    skips compiling (most of `scaffold new`'s time). Only a speed-up: errors are ignored."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        return _BytecodeCache()
    except (OSError, RuntimeError):  # no safe temp directory: compile every time
        return None


@functools.cache
def _environment(root: Path) -> jinja2.Environment:
    """One Environment per templates directory, so compiled templates are reused."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # ".xml.j2"/".html.j2" templates escape every value; others use the filters above.
        autoescape=jinja2.select_autoescape(enabled_extensions=("xml.j2", "html.j2"),
                                            default_for_string=False, default=False),
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["apex_string"] = _apex_string
    env.filters["js_string"] = _js_string
    env.filters["js_regex"] = _js_regex
    env.filters["json_string"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env


def _substitute(path: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), path)


def _names(spec: ProjectSpec) -> dict[str, str]:
    return {f.name: str(getattr(spec.names, f.name)) for f in fields(spec.names)}


_ROOT_FILES = (".forceignore.j2", ".gitignore", ".prettierrc", ".prettierignore",
               ".pre-commit-config.yaml", "README.md.j2", "package.json.j2", "eslint.config.js",
               "jest.config.js", "sfdx-project.json.j2", "config/project-scratch-def.json.j2",
               "docs/SUBSCRIBER-SETUP.md.j2", ".vscode/extensions.json", ".vscode/settings.json",
               ".husky/pre-commit")
_APEX_CLASSES = ("config_class", "handler_class", "controller_class", "api_class",
                 "api_job_class", "token_cache_class", "sandbox_copy_class")
_SETTING_FIELDS = ("Consumer_Key__c", "Certificate_Name__c", "Integration_Username__c",
                   "Login_Url__c", "Org_Id__c")
_LWC_FILES = ("_lwc_.html.j2", "_lwc_.js.j2", "_lwc_.js-meta.xml.j2", "__tests__/_lwc_.test.js.j2")
_ECA_FILES = ("externalClientApps/_app_.eca-meta.xml.j2",
              "extlClntAppOauthSettings/_app__oauth.ecaOauth-meta.xml.j2",
              "extlClntAppOauthPolicies/_app__oauthPlcy.ecaOauthPlcy-meta.xml.j2",
              "extlClntAppPolicies/_app__plcy.ecaPlcy-meta.xml.j2")
_Entry = tuple[str, tuple[tuple[str, str], ...]]  # (template, extra template variables)


def _apex_entries(spec: ProjectSpec) -> list[_Entry]:
    """Each Apex class and its test from their templates, and one meta.xml per class."""
    entries: list[_Entry] = []
    for cls in _APEX_CLASSES:
        entries += [(f"{PKG}/classes/_{cls}_.cls.j2", ()),
                    (f"{PKG}/classes/_{cls}_Test.cls.j2", ())]
    for cls in (getattr(spec.names, c) for c in _APEX_CLASSES):
        entries += [(f"{PKG}/classes/_apex_class_.cls-meta.xml.j2", (("apex_class", name),))
                    for name in (cls, f"{cls}Test")]
    return entries


def _package_entries(spec: ProjectSpec) -> list[str]:
    """The custom setting, permissions, tab, remote sites and setup LWC of the package."""
    templates = [f"{PKG}/objects/_setting_/_setting_.object-meta.xml.j2"]
    templates += [f"{PKG}/objects/_setting_/fields/{f}.field-meta.xml.j2" for f in _SETTING_FIELDS]
    templates += [
        f"{PKG}/customPermissions/_custom_permission_.customPermission-meta.xml.j2",
        f"{PKG}/permissionsets/_admin_permset_.permissionset-meta.xml.j2",
        f"{PKG}/permissionsets/_integration_permset_.permissionset-meta.xml.j2",
        f"{PKG}/tabs/_tab_.tab-meta.xml.j2",
        f"{PKG}/cachePartitions/_cache_partition_.cachePartition-meta.xml.j2",
        f"{PKG}/remoteSiteSettings/_remote_site_login_.remoteSite-meta.xml.j2",
        f"{PKG}/remoteSiteSettings/_remote_site_test_.remoteSite-meta.xml.j2",
    ]
    if spec.my_domain_url:
        templates.append(f"{PKG}/remoteSiteSettings/_remote_site_my_domain_.remoteSite-meta.xml.j2")
    templates += [f"{PKG}/lwc/_lwc_/{t}" for t in _LWC_FILES]
    return templates


def _eca_entries() -> list[str]:
    """subscriber-eca/: the External Client App each subscriber deploys into its own org.
    The global OAuth settings template sits outside the metadata folder, so that a retrieve
    (which fills the real file with the consumer key and secret) never lands on a tracked path."""
    return [f"{ECA_PROJECT}/sfdx-project.json.j2", f"{ECA_PROJECT}/.forceignore",
            f"{ECA_PROJECT}/README.md.j2", *(f"{ECA_DIR}/{t}" for t in _ECA_FILES),
            f"{ECA_PROJECT}/templates/_app__glbloauth.ecaGlblOauth-meta.xml.template.j2"]


def plan(spec: ProjectSpec) -> tuple[PlannedFile, ...]:
    """Every file the project will contain, in a stable order."""
    plain = [*_ROOT_FILES, *_package_entries(spec), *_eca_entries()]
    entries: list[_Entry] = [(t, ()) for t in plain] + _apex_entries(spec)
    values = _names(spec)
    planned = [PlannedFile(template, _substitute(template, {**values, **dict(extra)})
                           .removesuffix(".j2"), extra) for template, extra in entries]
    return tuple(sorted(planned, key=lambda p: p.output))


def context(spec: ProjectSpec) -> dict[str, object]:
    """Template variables: the spec, its names and values computed once in Python."""
    return {
        "spec": spec,
        "names": spec.names,
        "ns": spec.namespace,
        "ns_prefix": spec.ns_prefix,
        "api_version": spec.api_version,
        "login_url": spec.login_url,
        "my_domain_url": spec.my_domain_url,
        "login_audience": naming.login_audience(spec.login_url),
        "login_rule": {
            "pattern": naming.LOGIN_URL_PATTERN,
            "forms": naming.LOGIN_URL_FORMS,
            "sandbox_my_domain_suffix": naming.SANDBOX_MY_DOMAIN_SUFFIX,
            "scratch_my_domain_suffix": naming.SCRATCH_MY_DOMAIN_SUFFIX,
        },
        "oauth_scopes_csv": ", ".join(spec.oauth_scopes),
        "eca_project": ECA_PROJECT,
        "answers_file": ANSWERS_FILE,
    }


def _check_xml(path: str, data: bytes) -> None:
    problem = xml_problem(data)
    if problem is not None:
        raise TemplateBug(f"template rendered invalid XML for {path}: {problem}")


def render(spec: ProjectSpec, planned: Iterable[PlannedFile] | None = None, *,
           templates: Path | None = None) -> dict[str, bytes]:
    """Render every planned file into memory: output path -> bytes (LF endings).

    Every `.xml` output is parsed before anything is returned; invalid XML is a TemplateBug.
    `templates` renders from another templates directory (default: templates_root()).
    """
    root = templates if templates is not None else templates_root()
    env = _environment(root)
    base = context(spec)
    files: dict[str, bytes] = {}
    for item in planned if planned is not None else plan(spec):
        if item.template.endswith(".j2"):
            try:
                text = env.get_template(item.template).render({**base, **dict(item.extra)})
            except jinja2.TemplateError as exc:
                raise TemplateBug(f"template {item.template}: {exc}") from None
            data = text.encode("utf-8")
        else:
            data = (root / item.template).read_bytes()
        if item.output.endswith(".xml"):
            _check_xml(item.output, data)
        files[item.output] = data
    toml = format_answers(spec.answers()) + format_manifest(files, __version__)
    files[ANSWERS_FILE] = toml.encode("utf-8")
    return dict(sorted(files.items()))
