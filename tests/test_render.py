"""plan -> render -> write_tree (generator/new/render.py, generator/new/write.py): completeness,
determinism, escaping, atomic writes and stale-file removal."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from generator import __version__
from generator.errors import SpecError, TargetError, TemplateBug
from generator.new import naming
from generator.new import render as render_mod
from generator.new.answers import ANSWERS_FILE, MAX_API_VERSION, MIN_API_VERSION
from generator.new.blobid import git_blob_id
from generator.new.render import PlannedFile, plan, render, templates_root
from generator.new.spec import build_spec
from generator.new.write import previously_generated, write_tree
from tests.conftest import BASE_VARIANTS, METADATA_NS

VARIANTS = {
    **BASE_VARIANTS,
    "everything": {"namespace": "acmens", "api_version": "68.0",
                   "login_url": "https://acme--uat.sandbox.my.salesforce.com",
                   "oauth_scopes": "Api, RefreshToken, OpenID"},
}
TEXT_SUFFIXES = (".xml", ".json", ".js", ".cls", ".html", ".md", ".toml", ".yaml", ".yml",
                 "ignore", ".prettierrc")
# Hostile but valid answers: markup, quotes, apostrophes, backslashes and non-ASCII.
LABEL = "A<b>&\"c\" 'd' \\ é✓ */ /*"
DESCRIPTION = "Desc </description><x a='1'> & \"q\" 'a' \\n ü — ✓ ${x} {{ y }} </script>"


def rendered(**answers):
    spec = build_spec(answers)
    return spec, render(spec)


def xml_texts(data: bytes) -> list[str]:
    root = etree.fromstring(data)
    return list(root.itertext())


def json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *json_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []


# --- plan -------------------------------------------------------------------------------


def test_every_planned_template_exists():
    root = templates_root()
    for answers in VARIANTS.values():
        for item in plan(build_spec(answers)):
            assert (root / item.template).is_file(), item.template


def test_every_template_is_planned_by_some_variant():
    root = templates_root()
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    used = {item.template for a in VARIANTS.values() for item in plan(build_spec(a))}
    assert on_disk - used == set(), "templates that no plan() uses"


def test_outputs_have_no_placeholders_left():
    spec = build_spec({})
    values = set(render_mod._names(spec)) | {"apex_class"}
    for item in plan(spec):
        for name in values:
            assert f"_{name}_" not in item.output, item.output
        assert not item.output.endswith(".j2")


def test_every_apex_class_and_lwc_has_its_meta_xml():
    files = rendered()[1]
    sources = [p for p in files if p.endswith(".cls") or re.search(r"/lwc/(\w+)/\1\.js$", p)]
    assert sources
    for path in sources:
        assert f"{path}-meta.xml" in files


def test_the_external_client_app_is_never_packaged():
    files = rendered()[1]
    assert any(p.startswith("subscriber-eca/eca/") for p in files)
    assert not any("externalClientApps" in p for p in files if p.startswith("force-app/"))
    # The global OAuth settings template sits outside every metadata folder, so that the file a
    # retrieve fills with the consumer key and secret is never a tracked path.
    assert not any("extlClntAppGlobalOauthSets" in p for p in files)
    assert "subscriber-eca/templates/Acme_Integration_glbloauth.ecaGlblOauth-meta.xml.template" \
        in files


def test_my_domain_login_url_adds_a_remote_site():
    spec, files = rendered(login_url="https://acme.my.salesforce.com")
    path = f"force-app/main/default/remoteSiteSettings/{spec.names.remote_site_my_domain}" \
           ".remoteSite-meta.xml"
    assert "https://acme.my.salesforce.com" in xml_texts(files[path])
    assert path not in rendered()[1]


# --- output format ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_render_is_deterministic(variant):
    spec = build_spec(VARIANTS[variant])
    assert render(spec) == render(build_spec(VARIANTS[variant]))
    assert render(spec) == render(spec, plan(spec))


def test_written_trees_are_byte_identical(tmp_path, read_tree):
    files = rendered(**VARIANTS["everything"])[1]
    write_tree(tmp_path / "a", files)
    write_tree(tmp_path / "b", rendered(**VARIANTS["everything"])[1])
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b") == files


@pytest.mark.parametrize("variant", VARIANTS)
def test_text_files_use_lf_and_no_trailing_whitespace(variant):
    for path, data in rendered(**VARIANTS[variant])[1].items():
        assert b"\r" not in data, f"{path}: CR in output"
        if not data:
            continue
        assert data.endswith(b"\n"), f"{path}: no final newline"
        assert not data.endswith(b"\n\n"), f"{path}: blank line at the end"
        text = data.decode("utf-8")
        assert "\t" not in text or path.endswith(".md"), f"{path}: tab"
        for number, line in enumerate(text.split("\n"), 1):
            assert line == line.rstrip(), f"{path}:{number}: trailing whitespace"


@pytest.mark.parametrize("variant", VARIANTS)
def test_metadata_xml_is_well_formed_in_the_metadata_namespace(variant):
    for path, data in rendered(**VARIANTS[variant])[1].items():
        if path.endswith(".xml"):
            assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"'), path
            root = etree.fromstring(data)
            assert etree.QName(root).namespace == METADATA_NS, path


@pytest.mark.parametrize("variant", VARIANTS)
def test_json_files_parse(variant):
    for path, data in rendered(**VARIANTS[variant])[1].items():
        if path.endswith(".json"):
            json.loads(data)


def test_api_version_reaches_every_meta_xml():
    spec, files = rendered(api_version="61.0")
    for path, data in files.items():
        if path.endswith((".cls-meta.xml", ".js-meta.xml")):
            root = etree.fromstring(data)
            assert root.findtext(f"{{{METADATA_NS}}}apiVersion") == "61.0", path
    assert json.loads(files["sfdx-project.json"])["sourceApiVersion"] == "61.0"


def test_scaffold_toml_records_answers_and_generated_files():
    spec, files = rendered(**VARIANTS["everything"])
    data = tomllib.loads(files[ANSWERS_FILE].decode())
    assert build_spec(data["scaffold"] | {"oauth_scopes": ", ".join(
        data["scaffold"]["oauth_scopes"])}) == spec
    assert data["generated"]["files"] == {path: git_blob_id(blob) for path, blob in files.items()
                                          if path != ANSWERS_FILE}
    assert data["generated"]["scaffold_version"] == __version__


# --- escaping ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile():
    return rendered(app_label=LABEL, description=DESCRIPTION, package_name=LABEL)


def test_hostile_text_round_trips_through_xml(hostile):
    spec, files = hostile
    texts = [t for p, d in files.items() if p.endswith(".xml") for t in xml_texts(d)]
    assert LABEL in texts  # the ECA label is exactly the app label
    assert DESCRIPTION in texts
    assert not [t for t in texts if "&amp;" in t or "&lt;" in t or "&#" in t], "double escaped"
    for path, data in files.items():
        if path.endswith(".xml"):
            assert b"<x " not in data and b"<b>" not in data, path


def test_hostile_text_round_trips_through_json(hostile):
    spec, files = hostile
    strings = [s for p, d in files.items() if p.endswith(".json")
               for s in json_strings(json.loads(d))]
    assert DESCRIPTION in strings
    assert LABEL in strings  # package_name


def test_hostile_text_is_escaped_in_apex_and_javascript(hostile):
    spec, files = hostile
    code = {p: d.decode() for p, d in files.items() if p.endswith((".cls", ".js"))}
    for path, text in code.items():
        assert LABEL not in text and DESCRIPTION not in text, f"{path}: unescaped value"
        if path.endswith(".js"):
            assert "<b>" not in text and "</script>" not in text, path
    assert any(render_mod._apex_string(LABEL) in t for p, t in code.items()
               if p.endswith(".cls"))
    assert any(render_mod._js_string(LABEL) in t for p, t in code.items() if p.endswith(".js"))


def lexical_shape(code: str) -> tuple[int, int, int]:
    """(comments, string literals, lines) of Apex/JS source: a value that breaks out of its
    string literal or comment changes these counts."""
    comments = strings = i = 0
    while i < len(code):
        two = code[i:i + 2]
        if two == "//":
            i = code.find("\n", i)
            i = len(code) if i < 0 else i
            comments += 1
        elif two == "/*":
            end = code.find("*/", i + 2)
            assert end > 0, "unterminated comment"
            i = end + 2
            comments += 1
        elif code[i] in "'\"`":
            quote, i = code[i], i + 1
            while code[i] != quote:
                assert quote == "`" or code[i] != "\n", "string literal runs past the line"
                i += 2 if code[i] == "\\" else 1
            i += 1
            strings += 1
        else:
            i += 1
    return comments, strings, code.count("\n")


def test_hostile_text_stays_inside_its_literal_or_comment(hostile):
    spec, files = hostile
    plain = build_spec({})
    default_files = render(plain)
    by_template = {(i.template, i.extra): i.output for i in plan(plain)}
    for item in plan(spec):
        if item.output.endswith((".cls", ".js")):
            theirs = default_files[by_template[(item.template, item.extra)]].decode()
            assert lexical_shape(files[item.output].decode()) == lexical_shape(theirs), \
                item.output


def test_hostile_text_is_escaped_in_html(hostile):
    spec, files = hostile
    for path, data in files.items():
        if path.endswith(".html"):
            assert b"<b>" not in data and b"<x " not in data, path
            document = lxml.html.fromstring(data)
            assert not document.xpath("//b | //x | //script"), path


def test_apex_string_escapes_quotes_backslashes_and_newlines():
    assert render_mod._apex_string("it's a \\ path\n") == "it\\'s a \\\\ path\\n"


@pytest.mark.parametrize("value", [LABEL, DESCRIPTION, "", "'", "\\'", "\\\"", "\u2028",
                                   "</script><!--", "ünï"])
def test_js_string_is_a_single_quoted_literal_with_the_same_value(value):
    literal = render_mod._js_string(value)
    assert literal.startswith("'") and literal.endswith("'")
    assert "<" not in literal and ">" not in literal
    # Single-quoted JS literal -> JSON: swap the quote style, then decode.
    body = literal[1:-1].replace("\\'", "'").replace('"', '\\"')
    assert json.loads(f'"{body}"') == value


@pytest.mark.parametrize(("pattern", "literal"), [
    ("^https://a\\.b$", "/^https:\\/\\/a\\.b$/"),
    ("a\\/b", "/a\\/b/"),  # already escaped
    ("a\\\\/b", "/a\\\\\\/b/"),  # an escaped backslash, then a bare slash
])
def test_js_regex_escapes_bare_slashes(pattern, literal):
    assert render_mod._js_regex(pattern) == literal


@pytest.mark.parametrize("pattern", ["a\\", "a\nb"])
def test_js_regex_refuses_what_no_literal_can_hold(pattern):
    with pytest.raises(TemplateBug):
        render_mod._js_regex(pattern)


def test_login_url_rule_is_rendered_from_the_spec():
    """The controller, the config class and the LWC use the generator's one login URL rule."""
    _, files = rendered(login_url="https://acme-dev-ed.develop.my.salesforce.com")
    text = {p: d.decode() for p, d in files.items()}
    ctl = next(t for p, t in text.items() if p.endswith("SetupController.cls"))
    config = next(t for p, t in text.items() if p.endswith("Config.cls"))
    lwc = next(t for p, t in text.items() if p.endswith("Setup.js"))
    assert render_mod._apex_string(naming.LOGIN_URL_PATTERN) in ctl
    assert render_mod._apex_string(naming.LOGIN_URL_FORMS) in ctl
    assert all(f"'{suffix}'" in config for suffix in naming.SANDBOX_AUDIENCE_SUFFIXES)
    assert render_mod._js_regex(naming.LOGIN_URL_PATTERN) + "i;" in lwc
    assert json.dumps(f"Enter {naming.LOGIN_URL_FORMS}.") in lwc


# --- template bugs -----------------------------------------------------------------------


def _fake_templates(monkeypatch, tmp_path, files):
    root = tmp_path / "templates"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    monkeypatch.setattr(render_mod, "templates_root", lambda: root)


def test_invalid_xml_from_a_template_is_a_template_bug(monkeypatch, tmp_path):
    _fake_templates(monkeypatch, tmp_path, {"bad.xml.j2": "<a><b></a>\n"})
    with pytest.raises(TemplateBug, match="invalid XML for bad.xml"):
        render(build_spec({}), [PlannedFile("bad.xml.j2", "bad.xml")])


def test_undefined_template_variable_is_a_template_bug(monkeypatch, tmp_path):
    _fake_templates(monkeypatch, tmp_path, {"x.md.j2": "{{ nope }}\n"})
    with pytest.raises(TemplateBug, match="x.md.j2"):
        render(build_spec({}), [PlannedFile("x.md.j2", "x.md")])


def test_autoescape_applies_to_xml_and_html_templates_only(monkeypatch, tmp_path):
    _fake_templates(monkeypatch, tmp_path, {
        "a.xml.j2": "<a>{{ spec.app_label }}</a>\n", "b.html.j2": "{{ spec.app_label }}\n",
        "c.md.j2": "{{ spec.app_label }}\n"})
    out = render(build_spec({"app_label": "x<y>"}), [
        PlannedFile("a.xml.j2", "a.xml"), PlannedFile("b.html.j2", "b.html"),
        PlannedFile("c.md.j2", "c.md")])
    assert out["a.xml"] == b"<a>x&lt;y&gt;</a>\n"
    assert out["b.html"] == b"x&lt;y&gt;\n"
    assert out["c.md"] == b"x<y>\n"


# --- write_tree ----------------------------------------------------------------------------


FILES = {"a.txt": b"a\n", "sub/b.txt": b"b\n", "sub/deeper/c.txt": b"c\n"}


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".scaffold-" in p.name]


def test_write_tree_creates_a_new_directory(tmp_path, read_tree):
    write_tree(tmp_path / "new" / "project", FILES)
    assert read_tree(tmp_path / "new" / "project") == FILES
    assert leftovers(tmp_path / "new") == []


def test_write_tree_fills_an_empty_directory(tmp_path, read_tree):
    (tmp_path / "p").mkdir()
    write_tree(tmp_path / "p", FILES)
    assert read_tree(tmp_path / "p") == FILES


def test_write_tree_refuses_a_non_empty_directory_without_force(tmp_path, make_tree, read_tree):
    make_tree(tmp_path / "p", {"mine.txt": "keep"})
    with pytest.raises(TargetError, match="--force"):
        write_tree(tmp_path / "p", FILES)
    assert read_tree(tmp_path / "p") == {"mine.txt": b"keep"}
    assert leftovers(tmp_path) == []


def test_write_tree_refuses_a_file_target(tmp_path):
    (tmp_path / "p").write_text("x")
    with pytest.raises(TargetError, match="not a directory"):
        write_tree(tmp_path / "p", FILES, force=True)


def test_write_tree_force_overwrites_and_keeps_other_files(tmp_path, make_tree, read_tree):
    make_tree(tmp_path / "p", {"a.txt": "old", "mine.txt": "keep"})
    write_tree(tmp_path / "p", FILES, force=True)
    assert read_tree(tmp_path / "p") == {**FILES, "mine.txt": b"keep"}
    assert leftovers(tmp_path) == []


def test_write_tree_refuses_a_directory_where_a_file_goes(tmp_path, make_tree, read_tree):
    make_tree(tmp_path / "p", {"a.txt/inner": "x", "sub/b.txt": "old"})
    with pytest.raises(TargetError, match="is a directory"):
        write_tree(tmp_path / "p", FILES, force=True)
    assert read_tree(tmp_path / "p") == {"a.txt/inner": b"x", "sub/b.txt": b"old"}


def test_write_tree_refuses_a_file_where_a_directory_goes(tmp_path, make_tree, read_tree):
    make_tree(tmp_path / "p", {"sub": "a file", "a.txt": "old"})
    with pytest.raises(TargetError, match="is a file"):
        write_tree(tmp_path / "p", FILES, force=True)
    assert read_tree(tmp_path / "p") == {"sub": b"a file", "a.txt": b"old"}


@pytest.fixture
def failing_write(monkeypatch):
    """Path.write_bytes fails after `n` successful writes (disk full)."""
    real = Path.write_bytes

    def arm(n, exc=None):
        exc = exc or OSError(28, "No space left on device")
        calls = {"n": 0}

        def write_bytes(self, data):
            calls["n"] += 1
            if calls["n"] > n:
                raise exc
            return real(self, data)

        monkeypatch.setattr(Path, "write_bytes", write_bytes)

    return arm


@pytest.mark.parametrize("after", [0, 1, 2])
def test_a_failed_write_leaves_no_project_and_no_staging(tmp_path, failing_write, after):
    failing_write(after)
    with pytest.raises(TargetError, match="No space left"):
        write_tree(tmp_path / "p", FILES)
    assert not (tmp_path / "p").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_overwrite_leaves_the_existing_project_untouched(tmp_path, make_tree,
                                                                   failing_write, read_tree):
    make_tree(tmp_path / "p", {"a.txt": "old", "mine.txt": "keep"})
    failing_write(2)
    with pytest.raises(TargetError):
        write_tree(tmp_path / "p", FILES, force=True)
    assert read_tree(tmp_path / "p") == {"a.txt": b"old", "mine.txt": b"keep"}
    assert leftovers(tmp_path) == []


def test_an_interrupted_write_removes_the_staging_directory(tmp_path, failing_write):
    failing_write(1, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_tree(tmp_path / "p", FILES)
    assert list(tmp_path.iterdir()) == []


def test_write_tree_into_the_current_directory(tmp_path, monkeypatch, make_tree, read_tree):
    make_tree(tmp_path / "p", {"mine.txt": "keep"})
    monkeypatch.chdir(tmp_path / "p")
    write_tree(Path(), FILES, force=True)
    assert read_tree(tmp_path / "p") == {**FILES, "mine.txt": b"keep"}
    assert leftovers(tmp_path) == []


# --- regeneration removes stale generated files ---------------------------------------------


def test_regenerating_removes_files_the_new_answers_no_longer_produce(tmp_path, read_tree):
    target = tmp_path / "p"
    write_tree(target, rendered(login_url="https://acme.my.salesforce.com")[1])
    (target / "notes.md").write_text("mine")
    write_tree(target, rendered(login_url="https://acme.my.salesforce.com")[1], force=True)
    site = target / "force-app/main/default/remoteSiteSettings/Acme_Integration_My_Domain" \
        ".remoteSite-meta.xml"
    assert site.is_file()
    files = rendered()[1]
    write_tree(target, files, force=True)
    assert read_tree(target) == {**files, "notes.md": b"mine"}
    assert not site.exists()


def test_regenerating_never_deletes_unlisted_or_outside_files(tmp_path, make_tree, read_tree):
    outside = make_tree(tmp_path, {"outside.txt": "x"}) / "outside.txt"
    target = make_tree(tmp_path / "p", {
        ANSWERS_FILE: '[scaffold]\n[generated]\nfiles = ["../outside.txt", "/etc/hostname", '
                      '"old.txt", "./a.txt", "dir", 3]\n',
        "old.txt": "stale", "keep.txt": "mine", "dir/x": "x"})
    assert previously_generated(target) == {"old.txt", "dir"}
    write_tree(target, {ANSWERS_FILE: b"new\n", **FILES}, force=True)
    assert outside.read_text() == "x"
    assert read_tree(target) == {ANSWERS_FILE: b"new\n", **FILES, "keep.txt": b"mine",
                                 "dir/x": b"x"}


def test_regenerating_never_deletes_through_a_symlinked_directory(tmp_path, make_tree):
    outside = make_tree(tmp_path / "elsewhere", {"x.txt": "x"})
    target = make_tree(tmp_path / "p", {
        ANSWERS_FILE: '[scaffold]\n[generated]\nfiles = ["link/x.txt"]\n'})
    (target / "link").symlink_to(outside, target_is_directory=True)
    write_tree(target, FILES, force=True)
    assert (outside / "x.txt").read_text() == "x"


def test_a_broken_manifest_deletes_nothing(tmp_path, make_tree):
    target = make_tree(tmp_path / "p", {ANSWERS_FILE: "not toml [", "old.txt": "x"})
    assert previously_generated(target) == frozenset()
    write_tree(target, FILES, force=True)
    assert (target / "old.txt").exists()


# --- properties ---------------------------------------------------------------------------

FIELD_VALUES = {
    "app_label": st.one_of(st.text(max_size=45), st.sampled_from(["Acme", LABEL])),
    "app_name": st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,22}", fullmatch=True),
                          st.text(max_size=25)),
    "description": st.one_of(st.text(max_size=260), st.just(DESCRIPTION)),
    "namespace": st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,15}", fullmatch=True),
                           st.text(max_size=16)),
    "package_name": st.text(max_size=85),
    "api_version": st.one_of(st.builds("{}.0".format, st.integers(55, 75)), st.text(max_size=6)),
    "contact_email": st.one_of(st.emails(), st.text(max_size=20)),
    "setting_name": st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,38}", fullmatch=True),
                              st.text(max_size=10)),
    "login_url": st.one_of(st.sampled_from(["login", "test", "https://x.my.salesforce.com"]),
                           st.text(max_size=30)),
    "oauth_scopes": st.one_of(st.sampled_from(["Api", "Api, RefreshToken", "RefreshToken"]),
                              st.text(max_size=20)),
    "eca": st.one_of(st.sampled_from(["template", "packaged"]), st.text(max_size=9)),  # refused
}
any_answers = st.fixed_dictionaries({}, optional=FIELD_VALUES)


def check_project(spec, files):
    """Every XML is well formed and the given values round-trip through it."""
    texts = []
    for path, data in files.items():
        if path.endswith(".xml"):
            texts += xml_texts(data)
    ext = "subscriber-eca/eca/main/default"  # the package never contains the app
    eca = etree.fromstring(files[f"{ext}/externalClientApps/{spec.app_name}.eca-meta.xml"])
    assert eca.findtext(f"{{{METADATA_NS}}}label") == spec.app_label
    assert eca.findtext(f"{{{METADATA_NS}}}description") == spec.description
    assert eca.findtext(f"{{{METADATA_NS}}}contactEmail") == spec.contact_email
    assert spec.login_url in texts
    project = json.loads(files["sfdx-project.json"])
    assert project.get("namespace", "") == spec.namespace
    assert project["sourceApiVersion"] == spec.api_version
    assert spec.package_name in json_strings(project)
    assert build_spec(spec.answers()) == spec


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_answers)
def test_any_answers_are_rejected_or_render_a_consistent_project(answers):
    try:
        spec = build_spec(answers)
    except SpecError as exc:
        event("rejected")
        assert exc.problems and all(p.fix for p in exc.problems)
        return
    event("rendered")
    check_project(spec, render(spec))


valid_specs = st.builds(
    build_spec,
    st.fixed_dictionaries({}, optional={
        "app_label": st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                             min_size=1, max_size=40).filter(str.strip),
        "description": st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                               min_size=1, max_size=255).filter(str.strip),
        "namespace": st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,14}", fullmatch=True),
        "api_version": st.builds("{}.0".format, st.integers(MIN_API_VERSION, MAX_API_VERSION)),
        "eca": st.just("template"),
        "login_url": st.sampled_from(["login", "test", "https://acme.my.salesforce.com"]),
    }).filter(lambda a: "\ufffe" not in str(a) and "\uffff" not in str(a)),
)


@settings(max_examples=150, deadline=None)
@given(valid_specs)
def test_any_valid_spec_renders_well_formed_xml(spec):
    check_project(spec, render(spec))


# --- compiled-template cache (a speed-up only) ----------------------------------------------


def test_an_unwritable_template_cache_is_ignored(monkeypatch, tmp_path):
    import jinja2

    def fail(self, bucket):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", fail)
    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "load_bytecode", fail)
    _fake_templates(monkeypatch, tmp_path, {"x.md.j2": "{{ spec.app_label }}\n"})
    assert render(build_spec({}), [PlannedFile("x.md.j2", "x.md")])["x.md"] == \
        b"Acme Integration\n"


def test_no_safe_temp_directory_means_no_template_cache(monkeypatch):
    import jinja2

    def unsafe(self):
        raise RuntimeError("Cannot determine safe temp directory")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "_get_default_cache_dir", unsafe)
    assert render_mod._bytecode_cache() is None


# --- the well-formedness check: expat's verdict is lxml's ------------------------------------

MALFORMED_XML = [
    b"", b"<a>", b"<a><b></a>", b"<a></b>", b"<a/><b/>", b"text", b"<a>&nbsp;</a>",
    b"<a>&</a>", b"<a x='1' x='2'/>", b"<a x=1/>", b"<x:a/>", b"<a><x:b/></a>",
    b"<?xml version='1.0' encoding='UTF-8'?><a>\xff</a>", b"<a>\x01</a>", b"<1a/>",
    b"<a><!-- -- --></a>", b"<a>]]></a>", b"  <?xml version='1.0'?><a/>",
    b"<?xml version='1.0'?><a/><?xml version='1.0'?>",
]
WELL_FORMED_XML = [
    b"<a/>", b"<?xml version='1.0' encoding='UTF-8'?>\n<a xmlns='urn:x'><b>&amp;&#x41;</b></a>",
    b"<x:a xmlns:x='urn:x'><x:b/></x:a>", b"<!DOCTYPE a [<!ENTITY e 'v'>]><a>&e;</a>",
    b"<a><![CDATA[<not markup>]]><!-- note --></a>",
]


def _lxml_accepts(data):
    try:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                               load_dtd=False))
    except etree.XMLSyntaxError:
        return False
    return True


@pytest.mark.parametrize("data", MALFORMED_XML + WELL_FORMED_XML)
def test_the_xml_check_agrees_with_lxml(data):
    from generator.new.xmlcheck import xml_problem

    assert (xml_problem(data) is None) == _lxml_accepts(data)
    assert (xml_problem(data) is None) == (data in WELL_FORMED_XML)


@pytest.mark.parametrize("variant", sorted(BASE_VARIANTS))
def test_every_rendered_xml_file_passes_both_checks(variant):
    from generator.new.xmlcheck import xml_problem

    for path, data in render(build_spec(BASE_VARIANTS[variant])).items():
        if path.endswith(".xml"):
            assert xml_problem(data) is None and _lxml_accepts(data), path


def test_an_invalid_xml_message_says_where(monkeypatch, tmp_path):
    _fake_templates(monkeypatch, tmp_path, {"bad.xml.j2": "<a>\n<b></a>\n"})
    with pytest.raises(TemplateBug, match=r"invalid XML for bad.xml: mismatched tag: line 2"):
        render(build_spec({}), [PlannedFile("bad.xml.j2", "bad.xml")])
