"""Answer validation, derived names and the scaffold.toml round trip (generator/new/answers.py,
generator/new/spec.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.errors import AnswersFileError, SpecError
from generator.new import answers as answers_mod
from generator.new import naming
from generator.new.answers import (
    APEX_NAME_LIMIT,
    APP_NAME_LIMIT,
    KEYS,
    LONGEST_CLASS_SUFFIX,
    EcaMode,
    format_answers,
    read_answers,
    resolve,
)
from generator.new.spec import build_spec

OPTION = {a.key: a.option for a in answers_mod.ANSWERS}
load_answers = read_answers


def dump_answers(spec):
    return format_answers(spec.answers())


def problems_of(answers):
    with pytest.raises(SpecError) as info:
        build_spec(answers)
    return info.value.problems


def test_defaults_build_the_acme_project():
    spec = build_spec({})
    assert spec.app_name == "Acme_Integration"
    assert spec.api_version == answers_mod.DEFAULT_API_VERSION
    assert spec.login_url == "https://login.salesforce.com"
    assert spec.eca is EcaMode.TEMPLATE
    assert spec.oauth_scopes == ("Api",)
    assert spec.names.handler_class == "AcmeIntegrationJwtHandler"
    assert spec.names.lwc == "acmeIntegrationSetup"
    assert spec.names.setting == "Acme_Integration_Settings__c"
    assert spec.names.project == "acme-integration"
    assert spec.ns_prefix == ""
    assert spec.my_domain_url is None


def test_answers_round_trip_through_build_spec():
    spec = build_spec({"namespace": "acme", "login_url": "https://acme.my.salesforce.com/",
                       "oauth_scopes": "Api, RefreshToken, Api", "eca": "template"})
    assert spec.answers()["login_url"] == "https://acme.my.salesforce.com"
    assert spec.answers()["oauth_scopes"] == "Api, RefreshToken"
    assert build_spec(spec.answers()) == spec
    assert spec.ns_prefix == "acme__"
    assert spec.my_domain_url == "https://acme.my.salesforce.com"


def test_longest_apex_class_name_fits_the_limit():
    spec = build_spec({"app_name": "A" * APP_NAME_LIMIT})
    longest = max((spec.names.config_class, spec.names.handler_class,
                   spec.names.controller_class), key=len) + "Test"
    assert longest.endswith(LONGEST_CLASS_SUFFIX)
    assert len(longest) <= APEX_NAME_LIMIT


def test_default_app_name_follows_a_long_label():
    answers = resolve({"app_label": "Very Long Integration Label For Testing"})
    assert naming.api_name_problem(answers["app_name"], APP_NAME_LIMIT) is None
    build_spec({"app_label": "Very Long Integration Label For Testing"})


def test_default_app_name_from_a_label_without_letters():
    assert build_spec({"app_label": "123 !!!"}).app_name == "Integration"


VALID = [
    ("app_label", "Acme <&> \"Quote\" 'Apos' é"),
    ("app_name", "A"),
    ("app_name", "A" * APP_NAME_LIMIT),
    ("description", "x" * 255),
    ("namespace", ""),
    ("namespace", "a" * 15),
    ("package_name", "p" * 80),
    ("api_version", "60.0"),
    ("api_version", "68.0"),
    ("contact_email", "first.last+tag@sub.example.co.uk"),
    ("setting_name", "S" * 37),
    ("login_url", "login"),
    ("login_url", "test"),
    ("login_url", "https://acme.my.salesforce.com"),
    ("login_url", "https://acme--dev.sandbox.my.salesforce.com/"),
    ("login_url", "https://login.salesforce.com"),
    ("login_url", "https://test.salesforce.com/"),
    ("login_url", "https://acme-dev-ed.develop.my.salesforce.com"),
    ("login_url", "https://acme.scratch.my.salesforce.com"),
    ("login_url", "https://ACME.My.Salesforce.com"),
    ("login_url", "https://" + "a" * 63 + ".my.salesforce.com"),
    ("oauth_scopes", "Api"),
    ("oauth_scopes", " Api ,RefreshToken,, OpenID "),
    ("eca", "template"),
]


@pytest.mark.parametrize(("key", "value"), VALID)
def test_accepts_valid_answer(key, value):
    build_spec({key: value})


INVALID = [
    ("app_label", "", "is empty"),
    ("app_label", "   ", "is empty"),
    ("app_label", "L" * 41, "limit is 40"),
    ("app_label", "two\nlines", "control characters"),
    ("app_label", "tab\there", "control characters"),
    ("app_label", "nul\x00", "control characters"),
    ("app_label", "del\x7f", "control characters"),
    ("app_label", "c1\x85", "control characters"),
    ("app_label", "sep\u2028", "control characters"),
    ("app_label", "nonchar\ufffe", "control characters"),
    ("app_label", "surrogate\ud800", "control characters"),
    ("app_name", "", "is empty"),
    ("app_name", "1Acme", "start with a letter"),
    ("app_name", "Acme__Integration", "two consecutive underscores"),
    ("app_name", "Acme_", "end with an underscore"),
    ("app_name", "Acme Integration", "only letters"),
    ("app_name", "A" * (APP_NAME_LIMIT + 1), f"limit is {APP_NAME_LIMIT}"),
    ("description", "d" * 256, "limit is 255"),
    ("description", "line\r\nbreak", "control characters"),
    ("namespace", "a" * 16, "1 to 15"),
    ("namespace", "acme_ns", "1 to 15"),
    ("namespace", "1acme", "1 to 15"),
    ("package_name", "p" * 81, "limit is 80"),
    ("api_version", "59.0", "not a supported API version"),
    ("api_version", "69.0", "not a supported API version"),
    ("api_version", "68", "not a supported API version"),
    ("api_version", "68.1", "not a supported API version"),
    ("api_version", "v68.0", "not a supported API version"),
    ("api_version", "068.0", "not a supported API version"),
    ("api_version", "68.0\n", "not a supported API version"),
    ("api_version", "\uff16\uff18.0", "not a supported API version"),  # full-width digits
    ("contact_email", "admin", "not an email address"),
    ("contact_email", "admin@localhost", "not an email address"),
    ("contact_email", "a b@example.com", "not an email address"),
    ("contact_email", "admin@example.com\n", "not an email address"),
    ("contact_email", "<admin@example.com>", "not an email address"),
    ("contact_email", "a" * 70 + "@example.com", "not an email address"),
    ("setting_name", "Settings__c", "two consecutive underscores"),
    ("setting_name", "S" * 38, "limit is 37"),
    ("login_url", "http://acme.my.salesforce.com", "https"),
    ("login_url", "https://example.com", "Salesforce login URL"),
    ("login_url", "https://salesforce.com.evil.io", "Salesforce login URL"),
    ("login_url", "https://a<b>.my.salesforce.com", "Salesforce login URL"),
    # Only login, test and the four My Domain login forms (SALESFORCE.md 5.2).
    ("login_url", "https://acme.force.com", "Salesforce login URL"),
    ("login_url", "https://acme.lightning.force.com", "Salesforce login URL"),
    ("login_url", "https://acme.my.salesforce.mil", "Salesforce login URL"),
    ("login_url", "https://na1.salesforce.com", "Salesforce login URL"),
    ("login_url", "https://acme.dev.my.salesforce.com", "Salesforce login URL"),
    ("login_url", "https://acme.develop.salesforce.com", "Salesforce login URL"),
    ("login_url", "https://a.b.my.salesforce.com", "Salesforce login URL"),
    ("login_url", "https://-acme.my.salesforce.com", "Salesforce login URL"),
    ("login_url", "https://acme_uat.sandbox.my.salesforce.com", "Salesforce login URL"),
    ("login_url", "https://" + "a" * 64 + ".my.salesforce.com", "Salesforce login URL"),
    ("login_url", "https://acme.my.salesforce.com/path", "bare origin"),
    ("login_url", "https://acme.my.salesforce.com?x=1", "bare origin"),
    ("login_url", "https://acme.my.salesforce.com:8443", "bare origin"),
    ("login_url", "https://user@acme.my.salesforce.com", "bare origin"),
    ("login_url", "https://:pw@acme.my.salesforce.com", "bare origin"),
    ("login_url", "https://acme.my.salesforce.com:abc", "not a valid URL"),
    ("login_url", "https://[::1", "not a valid URL"),
    ("login_url", "https://acme.my.salesforce.com\n", "control characters"),
    ("login_url", "production", "https"),
    ("oauth_scopes", "Api, Bogus", "unknown scope Bogus"),
    ("oauth_scopes", "api", "unknown scope api"),
    ("oauth_scopes", "RefreshToken", "other than RefreshToken"),
    ("oauth_scopes", "", "other than RefreshToken"),
    ("eca", "global", "not an ECA mode"),
    ("eca", "packaged", "no longer offered"),
    ("eca", "", "not an ECA mode"),
]


@pytest.mark.parametrize(("key", "value", "why"), INVALID)
def test_rejects_invalid_answer_naming_the_option_and_the_fix(key, value, why):
    (problem,) = problems_of({key: value})
    assert problem.field == OPTION[key]
    assert why in problem.message
    assert problem.fix
    assert str(problem).startswith(f"{OPTION[key]}: ")


def test_login_url_problem_names_its_subject_and_a_short_fix():
    (problem,) = problems_of({"login_url": "https://evil.com"})
    assert problem.message == "'https://evil.com' is not a Salesforce login URL"
    assert len(problem.fix) < 100 and "https://<name>.my.salesforce.com" in problem.fix
    assert "--help" in problem.fix


def test_login_url_help_names_every_accepted_form():
    text = answers_mod.BY_KEY["login_url"].help
    for form in ("login", "test", "https://<name>.my.salesforce.com", ".sandbox.my",
                 ".develop.my", ".scratch.my"):
        assert form in text


def test_packaged_eca_is_refused_with_the_reason_and_the_readme_section():
    (problem,) = problems_of({"eca": "packaged"})
    assert problem.field == "--eca"
    for why in ("ephemeral build org", "can't be packaged", "consumer key and certificate",
                "bring-your-own-credentials"):
        assert why in problem.message
    assert answers_mod.ECA_README_SECTION in problem.fix


def test_the_eca_readme_section_exists():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"## {answers_mod.ECA_README_SECTION}\n" in readme


@pytest.mark.parametrize(("login_url", "audience"), [
    ("login", "https://login.salesforce.com"),
    ("test", "https://test.salesforce.com"),
    ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
    ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
    ("https://acme-dev-ed.develop.my.salesforce.com", "https://login.salesforce.com"),
    ("https://acme.scratch.my.salesforce.com", "https://test.salesforce.com"),
    ("https://sandbox.my.salesforce.com", "https://login.salesforce.com"),
])
def test_login_audience(login_url, audience):
    assert naming.login_audience(build_spec({"login_url": login_url}).login_url) == audience


def test_rejects_unknown_answer_keys():
    (problem,) = problems_of({"app_lable": "Typo"})
    assert problem.field == "app_lable"
    assert "app_label" in problem.fix


def test_reports_every_problem_at_once():
    bad = {"app_name": "1x", "namespace": "a_b", "api_version": "99.0",
           "contact_email": "nope", "login_url": "http://x", "oauth_scopes": "Nope",
           "eca": "both", "bogus": "1", "description": ""}
    fields = [p.field for p in problems_of(bad)]
    assert sorted(fields) == sorted(
        ["bogus"] + [OPTION[k] for k in bad if k != "bogus"])


def test_build_spec_normalizes_surrounding_whitespace_of_text():
    spec = build_spec({"app_label": "  Acme  ", "description": " Does things. "})
    assert (spec.app_label, spec.description) == ("Acme", "Does things.")


# --- answers files -----------------------------------------------------------------------


def test_load_answers_reads_a_scaffold_table(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[scaffold]\napp_label = "X"\noauth_scopes = ["Api", "OpenID"]\n'
                    '[generated]\nfiles = ["a"]\n', encoding="utf-8")
    assert load_answers(path) == {"app_label": "X", "oauth_scopes": "Api, OpenID"}


def test_load_answers_reads_a_flat_file(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('app_label = "X"\n', encoding="utf-8")
    assert load_answers(path) == {"app_label": "X"}


def test_load_answers_rejects_malformed_toml(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('app_label = "unterminated\n', encoding="utf-8")
    with pytest.raises(AnswersFileError, match="not valid TOML"):
        load_answers(path)


def test_load_answers_rejects_non_utf8(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes(b'app_label = "\xff"\n')
    with pytest.raises(AnswersFileError, match="not valid TOML"):
        load_answers(path)


def test_load_answers_reports_missing_file(tmp_path):
    with pytest.raises(AnswersFileError, match="cannot read"):
        load_answers(tmp_path / "missing.toml")


def test_load_answers_reports_a_directory(tmp_path):
    with pytest.raises(AnswersFileError, match="cannot read"):
        load_answers(tmp_path)


def test_load_answers_rejects_a_non_table_scaffold(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('scaffold = "x"\n', encoding="utf-8")
    with pytest.raises(AnswersFileError, match="must be a table"):
        load_answers(path)


def test_load_answers_reports_every_non_string_value(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[scaffold]\napi_version = 68.0\nnamespace = 1\neca = true\n'
                    'oauth_scopes = ["Api", 2]\ndescription = { a = "b" }\n', encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_answers(path)
    keys = sorted(p.field.rsplit(": ", 1)[1] for p in info.value.problems)
    assert keys == ["api_version", "description", "eca", "namespace", "oauth_scopes"]
    assert all("quote the value" in p.fix for p in info.value.problems)


def test_dump_answers_lists_every_field_in_order():
    data = tomllib.loads(dump_answers(build_spec({})))["scaffold"]
    assert tuple(data) == KEYS
    assert data["oauth_scopes"] == ["Api"]


text_values = st.text(min_size=1, max_size=40).filter(
    lambda s: s.strip() and not s.strip() != s)


@given(label=st.text(max_size=40), description=st.text(max_size=255))
def test_answers_round_trip_through_scaffold_toml(tmp_path_factory, label, description):
    try:
        spec = build_spec({"app_label": label, "description": description,
                           "namespace": "ns1", "login_url": "test", "eca": "template"})
    except SpecError:
        return
    path = tmp_path_factory.mktemp("toml") / "scaffold.toml"
    path.write_text(dump_answers(spec), encoding="utf-8")
    again = build_spec(load_answers(path))
    assert again == spec
    assert dump_answers(again) == dump_answers(spec)
