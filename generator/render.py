"""plan -> render -> write_tree: turn a ProjectSpec into a Salesforce DX tree.

`plan(spec)` names every output file explicitly. Template paths mirror the generated tree; a
segment such as `_lwc_` or `_config_class_` is a placeholder for the matching field of
`spec.names`. A `.j2` template is rendered; any other template is copied byte for byte.

scaffold.toml records the answers and, under [generated], every file scaffold wrote, so that
`scaffold new DIR --answers DIR/scaffold.toml --force` can delete the files a new run no longer
writes (and only those).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath

import jinja2
from lxml import etree

from generator import spec as spec_rules
from generator.errors import TargetError, TemplateBug
from generator.spec import EcaMode, ProjectSpec, dump_answers

ANSWERS_FILE = "scaffold.toml"
PKG = "force-app/main/default"
ECA_PROJECT = "subscriber-eca"
ECA_DIR = f"{ECA_PROJECT}/eca/main/default"
MANIFEST_TABLE = "generated"
_PLACEHOLDER = re.compile(r"_([a-z]+(?:_[a-z]+)*)_")


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One output file: the template it comes from and extra template variables."""

    template: str  # path below templates/, with placeholders
    output: str  # path below the project root, placeholders substituted
    extra: tuple[tuple[str, str], ...] = ()


def templates_root() -> Path:
    """templates/ in a source checkout, or generator/_templates inside an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_templates", here.parent / "templates"):
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


def plan(spec: ProjectSpec) -> tuple[PlannedFile, ...]:
    """Every file the project will contain, in a stable order."""
    n = spec.names
    entries: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def add(template: str, **extra: str) -> None:
        entries.append((template, tuple(sorted(extra.items()))))

    # Project files (root).
    for t in (".forceignore.j2", ".gitignore", ".prettierrc", ".prettierignore",
              ".pre-commit-config.yaml", "README.md.j2", "package.json.j2", "eslint.config.js",
              "jest.config.js", "sfdx-project.json.j2", "config/project-scratch-def.json.j2",
              "docs/SUBSCRIBER-SETUP.md.j2", ".vscode/extensions.json", ".vscode/settings.json",
              ".husky/pre-commit"):
        add(t)
    # Apex.
    classes = ("config_class", "handler_class", "controller_class", "api_class",
               "api_job_class", "token_cache_class", "sandbox_copy_class")
    for cls in classes:
        add(f"{PKG}/classes/_{cls}_.cls.j2")
        add(f"{PKG}/classes/_{cls}_Test.cls.j2")
    for cls in (getattr(n, c) for c in classes):
        for name in (cls, f"{cls}Test"):
            entries.append((f"{PKG}/classes/_apex_class_.cls-meta.xml.j2",
                            (("apex_class", name),)))
    # Custom setting, permissions, tab, remote sites.
    add(f"{PKG}/objects/_setting_/_setting_.object-meta.xml.j2")
    for fld in ("Consumer_Key__c", "Certificate_Name__c", "Integration_Username__c",
                "Login_Url__c", "Org_Id__c"):
        add(f"{PKG}/objects/_setting_/fields/{fld}.field-meta.xml.j2")
    add(f"{PKG}/customPermissions/_custom_permission_.customPermission-meta.xml.j2")
    add(f"{PKG}/permissionsets/_admin_permset_.permissionset-meta.xml.j2")
    add(f"{PKG}/permissionsets/_integration_permset_.permissionset-meta.xml.j2")
    add(f"{PKG}/tabs/_tab_.tab-meta.xml.j2")
    add(f"{PKG}/cachePartitions/_cache_partition_.cachePartition-meta.xml.j2")
    add(f"{PKG}/remoteSiteSettings/_remote_site_login_.remoteSite-meta.xml.j2")
    add(f"{PKG}/remoteSiteSettings/_remote_site_test_.remoteSite-meta.xml.j2")
    if spec.my_domain_url:
        add(f"{PKG}/remoteSiteSettings/_remote_site_my_domain_.remoteSite-meta.xml.j2")
    # Setup LWC.
    for t in ("_lwc_.html.j2", "_lwc_.js.j2", "_lwc_.js-meta.xml.j2",
              "__tests__/_lwc_.test.js.j2"):
        add(f"{PKG}/lwc/_lwc_/{t}")
    # External Client App: the subscriber's own local app, never packaged.
    add(f"{ECA_PROJECT}/sfdx-project.json.j2")
    add(f"{ECA_PROJECT}/.forceignore")
    add(f"{ECA_PROJECT}/README.md.j2")
    for t in ("externalClientApps/_app_.eca-meta.xml.j2",
              "extlClntAppOauthSettings/_app__oauth.ecaOauth-meta.xml.j2",
              "extlClntAppOauthPolicies/_app__oauthPlcy.ecaOauthPlcy-meta.xml.j2",
              "extlClntAppPolicies/_app__plcy.ecaPlcy-meta.xml.j2"):
        add(f"{ECA_DIR}/{t}")
    # Global OAuth settings template: outside the metadata folder, so that a retrieve (which
    # fills the real file with the consumer key and secret) never lands on a tracked path.
    add(f"{ECA_PROJECT}/templates/_app__glbloauth.ecaGlblOauth-meta.xml.template.j2")

    values = _names(spec)
    planned = []
    for template, extra in entries:
        out = _substitute(template, {**values, **dict(extra)}).removesuffix(".j2")
        planned.append(PlannedFile(template, out, extra))
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
        "login_audience": spec_rules.login_audience(spec.login_url),
        "login_rule": {
            "pattern": spec_rules.LOGIN_URL_PATTERN,
            "forms": spec_rules.LOGIN_URL_FORMS,
            "sandbox_my_domain_suffix": spec_rules.SANDBOX_MY_DOMAIN_SUFFIX,
            "scratch_my_domain_suffix": spec_rules.SCRATCH_MY_DOMAIN_SUFFIX,
        },
        "oauth_scopes_csv": ", ".join(spec.oauth_scopes),
        "eca_packaged": spec.eca is EcaMode.PACKAGED,
        "eca_project": ECA_PROJECT,
        "answers_file": ANSWERS_FILE,
    }


def _check_xml(path: str, data: bytes) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise TemplateBug(f"template rendered invalid XML for {path}: {exc}") from None


def render(spec: ProjectSpec, planned: Iterable[PlannedFile] | None = None) -> dict[str, bytes]:
    """Render every planned file into memory: output path -> bytes (LF endings).

    Every `.xml` output is parsed before anything is returned; invalid XML is a TemplateBug.
    """
    root = templates_root()
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
    files[ANSWERS_FILE] = (dump_answers(spec) + _manifest(files)).encode("utf-8")
    return dict(sorted(files.items()))


def _manifest(paths: Iterable[str]) -> str:
    """The [generated] table of scaffold.toml: every other file of the project."""
    lines = ["", "# Every file scaffold wrote. `scaffold new --force` deletes the ones a new run",
             "# no longer writes, and never touches any other file.", f"[{MANIFEST_TABLE}]",
             "files = ["]
    lines += [f"    {json.dumps(path)}," for path in sorted(paths)]
    return "\n".join([*lines, "]"]) + "\n"


def _safe_relative(rel: object) -> PurePosixPath | None:
    """`rel` as a plain relative path inside the project, or None (absolute, `..`, odd)."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return None
    path = PurePosixPath(rel)
    if path.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        return None
    return path


def previously_generated(target: Path) -> frozenset[str]:
    """Paths listed in target/scaffold.toml's [generated] table; empty when there is none.

    A missing, unreadable or hand-broken manifest means "delete nothing".
    """
    import tomllib  # only when overwriting an existing project

    try:
        data = tomllib.loads((target / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return frozenset()
    table = data.get(MANIFEST_TABLE)
    listed = table.get("files") if isinstance(table, dict) else None
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(str(p) for rel in listed if (p := _safe_relative(rel)) is not None)


def _remove_stale(target: Path, stale: Iterable[str]) -> None:
    """Delete stale generated files (never directories or anything outside target), then the
    directories that this leaves empty."""
    root = target.resolve()
    for rel in sorted(stale):
        path = target / PurePosixPath(rel)
        if path.is_dir() and not path.is_symlink():
            continue
        if not path.parent.resolve().is_relative_to(root) or not path.is_symlink() \
                and not path.is_file():
            continue
        path.unlink()
        parent = path.parent
        while parent.resolve() != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _check_blocked(target: Path, files: Mapping[str, bytes]) -> None:
    """Refuse, before writing anything, when a directory sits where a file goes or a file sits
    where a directory goes."""
    for rel in files:
        path = PurePosixPath(rel)
        if (target / path).is_dir():
            raise TargetError(f"{target / path}: is a directory where scaffold writes a file "
                              "(move it away and rerun)")
        for parent in list(path.parents)[:-1]:
            where = target / parent
            if where.exists() and not where.is_dir():
                raise TargetError(f"{where}: is a file where scaffold needs a directory "
                                  "(move it away and rerun)")


def write_tree(target: Path, files: Mapping[str, bytes], *, force: bool = False) -> None:
    """Write `files` below `target` all-or-nothing.

    Everything is first written into a staging directory beside `target`; only when that has
    fully succeeded is it moved into place (one rename for a new directory, one atomic replace
    per file when overwriting with --force). A failure leaves the target as it was.
    When overwriting, files that the previous scaffold.toml lists as generated and that `files`
    no longer contains are deleted; no other file is ever deleted.
    """
    if target.exists() and not target.is_dir():
        raise TargetError(f"{target}: exists and is not a directory (choose another path)")
    overwrite = target.is_dir() and not _is_empty_dir(target)
    if overwrite and not force:
        raise TargetError(f"{target}: directory is not empty (use --force to overwrite)")
    if overwrite:
        _check_blocked(target, files)
    resolved = target.resolve()
    parent = resolved.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{resolved.name}.scaffold-", dir=parent))
    except OSError as exc:
        raise TargetError(f"{parent}: cannot create the project here ({exc.strerror})") from None
    try:
        for rel, data in files.items():
            dest = staging / PurePosixPath(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        if not overwrite:
            if target.exists():
                target.rmdir()
            staging.rename(target)
            return
        stale = previously_generated(target) - set(files)
        for rel in files:
            dest = target / PurePosixPath(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            (staging / PurePosixPath(rel)).replace(dest)
        _remove_stale(target, stale)
    except OSError as exc:
        raise TargetError(f"{target}: cannot write the project ({exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
