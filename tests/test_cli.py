"""`scaffold new` through cli.main: exit codes, messages, nothing written on error, answers
files, prompts and regeneration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import TemplateBug
from generator.new import render as render_mod
from generator.new import write as write_mod
from generator.new.answers import ANSWERS_FILE, format_answers
from generator.new.render import render
from generator.new.spec import build_spec


def dump_answers(spec):
    return format_answers(spec.answers())


def expected_files(**answers):
    return render(build_spec(answers))


def test_python_m_generator_help():
    proc = subprocess.run([sys.executable, "-m", "generator", "--help"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "new" in proc.stdout and "Usage" in proc.stdout


def test_version(cli):
    result = cli(["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("scaffold ")


def test_new_help_lists_every_answer_option(cli):
    result = cli(["new", "--help"])
    assert result.exit_code == 0
    for option in ("--app-label", "--namespace", "--api-version", "--answers", "--force",
                   "--dry-run", "--interactive"):
        assert option in result.stdout


def test_unknown_option_is_a_usage_error(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--bogus"])
    assert result.exit_code == 2
    assert "--bogus" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_with_defaults_writes_the_default_project(cli, tmp_path, read_tree):
    result = cli(["new", str(tmp_path / "p")])
    assert result.exit_code == 0, result.stderr
    assert read_tree(tmp_path / "p") == expected_files()
    assert "Created" in result.stderr
    assert result.stdout == ""
    assert "Integration label" not in result.stdout + result.stderr  # no TTY: no prompts


def test_a_target_path_that_looks_like_markup_is_printed_as_is(cli, tmp_path):
    target = tmp_path / "p[/x]"
    assert cli(["new", str(target), "--dry-run"]).exit_code == 0
    result = cli(["new", str(target)])
    assert result.exit_code == 0, result.stderr
    assert f"Created {target} " in result.stderr


def test_new_without_a_directory_uses_the_project_name(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli(["new", "--app-label", "Globex Sync"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "globex-sync" / "sfdx-project.json").is_file()


def test_options_reach_the_project(cli, tmp_path, read_tree):
    args = ["--app-label", "Globex", "--namespace", "globex", "--eca", "template",
            "--api-version", "60.0", "--login-url", "https://globex.my.salesforce.com",
            "--oauth-scopes", "Api,RefreshToken", "--contact-email", "ops@globex.example"]
    result = cli(["new", str(tmp_path / "p"), *args])
    assert result.exit_code == 0, result.stderr
    answers = dict(zip([a.removeprefix("--").replace("-", "_") for a in args[::2]], args[1::2],
                       strict=True))
    assert read_tree(tmp_path / "p") == expected_files(**answers)


BAD_OPTIONS = [
    ("--app-label", "", "is empty"),
    ("--app-label", "L" * 41, "limit is 40"),
    ("--app-name", "1Acme", "must start with a letter"),
    ("--app-name", "Acme__X", "two consecutive underscores"),
    ("--app-name", "Acme_", "must not end with an underscore"),
    ("--app-name", "A" * 22, "limit is 21"),
    ("--description", "two\nlines", "control characters"),
    ("--namespace", "name_space", "1 to 15 letters and digits"),
    ("--namespace", "n" * 16, "1 to 15 letters and digits"),
    ("--package-name", "p" * 81, "limit is 80"),
    ("--api-version", "59.0", "not a supported API version"),
    ("--api-version", "68", "not a supported API version"),
    ("--contact-email", "nobody", "not an email address"),
    ("--setting-name", "Settings__c", "two consecutive underscores"),
    ("--login-url", "http://acme.my.salesforce.com", "https"),
    ("--login-url", "https://example.com", "Salesforce login URL"),
    ("--oauth-scopes", "Api,Bogus", "unknown scope Bogus"),
    ("--oauth-scopes", "RefreshToken", "other than RefreshToken"),
    ("--eca", "global", "not an ECA mode"),
    ("--eca", "packaged", "no longer offered"),
    ("--login-url", "https://evil.com", "'https://evil.com' is not a Salesforce login URL"),
]


@pytest.mark.parametrize(("option", "value", "why"), BAD_OPTIONS)
def test_bad_option_exits_2_naming_the_option_and_the_fix_and_writes_nothing(
        cli, tmp_path, option, value, why):
    result = cli(["new", str(tmp_path / "p"), option, value])
    assert result.exit_code == 2
    lines = [line.strip() for line in result.stderr.splitlines()]
    problem = next(line for line in lines if line.startswith(f"{option}:"))
    assert why in problem
    assert "(" in problem and problem.endswith(")")  # "(how to fix it)"
    assert list(tmp_path.iterdir()) == []


def test_every_problem_is_reported_at_once(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--app-name", "1x", "--namespace", "a_b",
                  "--api-version", "99.0", "--eca", "nope"])
    assert result.exit_code == 2
    assert "4 problem(s)" in result.stderr
    for option in ("--app-name:", "--namespace:", "--api-version:", "--eca:"):
        assert option in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_non_empty_target_needs_force(cli, tmp_path, make_tree, read_tree):
    make_tree(tmp_path / "p", {"mine.txt": "keep"})
    result = cli(["new", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert read_tree(tmp_path / "p") == {"mine.txt": b"keep"}
    result = cli(["new", str(tmp_path / "p"), "--force"])
    assert result.exit_code == 0, result.stderr
    assert read_tree(tmp_path / "p") == {**expected_files(), "mine.txt": b"keep"}


def test_target_that_is_a_file_exits_2(cli, tmp_path):
    (tmp_path / "p").write_text("x")
    result = cli(["new", str(tmp_path / "p"), "--force"])
    assert result.exit_code == 2
    assert "not a directory" in result.stderr


def test_dry_run_shows_the_tree_and_writes_nothing(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
    # Rich wraps the header line at the console width, which a long tmp_path can exceed.
    assert "dry run" in " ".join(result.stdout.split())
    for rel in expected_files():
        assert rel.rsplit("/", 1)[-1] in result.stdout
    assert f"{len(expected_files())} files" in result.stdout


def test_dry_run_still_validates(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--dry-run", "--namespace", "bad_ns"])
    assert result.exit_code == 2
    assert result.stdout == ""


# --- answers files ---------------------------------------------------------------------


ANSWERS = {"app_label": "Initech Bridge", "app_name": "Initech", "description": "Moves TPS.",
           "namespace": "initech", "package_name": "Initech Bridge", "api_version": "66.0",
           "contact_email": "bill@initech.example", "setting_name": "Initech_Config",
           "login_url": "test", "oauth_scopes": "Api, OpenID", "eca": "template"}


def test_answers_file_supplies_everything(cli, tmp_path, read_tree):
    answers = tmp_path / "answers.toml"
    answers.write_text(dump_answers(build_spec(ANSWERS)), encoding="utf-8")
    result = cli(["new", str(tmp_path / "p"), "--answers", str(answers)])
    assert result.exit_code == 0, result.stderr
    assert read_tree(tmp_path / "p") == expected_files(**ANSWERS)


def test_options_override_the_answers_file(cli, tmp_path, read_tree):
    answers = tmp_path / "answers.toml"
    answers.write_text(dump_answers(build_spec(ANSWERS)), encoding="utf-8")
    result = cli(["new", str(tmp_path / "p"), "--answers", str(answers), "--namespace", "other"])
    assert result.exit_code == 0, result.stderr
    assert read_tree(tmp_path / "p") == expected_files(**{**ANSWERS, "namespace": "other"})


def test_regenerating_from_scaffold_toml_is_byte_identical(cli, tmp_path, read_tree):
    target = tmp_path / "p"
    assert cli(["new", str(target), *[x for k, v in ANSWERS.items()
                                      for x in (f"--{k.replace('_', '-')}", v)]]).exit_code == 0
    before = read_tree(target)
    result = cli(["new", str(target), "--answers", str(target / ANSWERS_FILE), "--force"])
    assert result.exit_code == 0, result.stderr
    assert read_tree(target) == before


def test_regenerating_with_other_answers_removes_stale_files(cli, tmp_path, read_tree):
    target = tmp_path / "p"
    assert cli(["new", str(target), "--login-url", "https://acme.my.salesforce.com"]
               ).exit_code == 0
    (target / "NOTES.md").write_text("mine")
    result = cli(["new", str(target), "--answers", str(target / ANSWERS_FILE), "--login-url",
                  "login", "--force"])
    assert result.exit_code == 0, result.stderr
    assert read_tree(target) == {**expected_files(), "NOTES.md": b"mine"}


@pytest.mark.parametrize(("content", "why"), [
    ('[scaffold]\napp_lable = "Typo"\n', "app_lable: is not a known answer"),
    ('[scaffold]\napp_label = "unterminated\n', "not valid TOML"),
    ('[scaffold]\napi_version = 68.0\n', "api_version: must be a string"),
    ('[scaffold]\neca = true\nnamespace = 3\n', "2 problem(s)"),
    ('[scaffold]\nnamespace = "a_b"\n', "--namespace: must be 1 to 15"),
    ('scaffold = 1\n', "must be a table"),
])
def test_bad_answers_file_exits_2_and_writes_nothing(cli, tmp_path, content, why):
    answers = tmp_path / "answers.toml"
    answers.write_text(content, encoding="utf-8")
    result = cli(["new", str(tmp_path / "p"), "--answers", str(answers)])
    assert result.exit_code == 2
    assert why in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.toml"]


def test_missing_answers_file_exits_2(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--answers", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "cannot read answers file" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- prompts -----------------------------------------------------------------------------


def test_interactive_run_prompts_for_each_answer(cli, tmp_path, read_tree):
    # label, then Enter for every default (app_name follows the label), except the namespace.
    lines = ["Globex Sync", "", "", "globex", "", "", "", "", "", "", ""]
    result = cli(["new", str(tmp_path / "p"), "--interactive"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "Integration label" in result.stdout
    assert "Integration API name [Globex_Sync]" in result.stdout
    assert read_tree(tmp_path / "p") == expected_files(app_label="Globex Sync",
                                                       namespace="globex")


def test_interactive_run_skips_answers_given_as_options(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--interactive", "--app-label", "X"],
                 input="\n" * 10)
    assert result.exit_code == 0, result.stderr
    assert "Integration label" not in result.stdout
    assert "Integration API name [X]" in result.stdout


def test_interactive_run_asks_again_after_a_bad_answer(cli, tmp_path, read_tree):
    result = cli(["new", str(tmp_path / "p"), "--interactive"],
                 input="Globex\n1bad\nAlso__bad\n\n" + "\n" * 9)
    assert result.exit_code == 0, result.stderr
    assert "must start with a letter" in result.stderr
    assert "two consecutive underscores" in result.stderr
    assert result.stdout.count("Integration API name [Globex]") == 3
    assert read_tree(tmp_path / "p") == expected_files(app_label="Globex")


def test_interactive_run_with_a_bad_option_exits_2(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--interactive", "--namespace", "a_b"],
                 input="\n" * 11)
    assert result.exit_code == 2
    assert "--namespace: must be 1 to 15" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_end_of_input_at_a_prompt_exits_2_naming_the_prompt_and_writes_nothing(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--interactive"], input="Globex\n")
    assert result.exit_code == 2
    assert "end of input at prompt 'app_name'" in result.stderr
    assert "interrupted" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_answers_file_never_prompts(cli, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('[scaffold]\napp_label = "X"\n', encoding="utf-8")
    result = cli(["new", str(tmp_path / "p"), "--answers", str(answers), "--interactive"])
    assert result.exit_code == 0, result.stderr
    assert "Integration label" not in result.stdout


def test_no_interactive_never_prompts(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--no-interactive"], input="Other\n")
    assert result.exit_code == 0
    assert "Integration label" not in result.stdout


# --- exit codes for bugs and interrupts ------------------------------------------------------


def test_template_bug_exits_3_with_one_line_and_a_debug_hint(cli, tmp_path, monkeypatch):
    def broken(spec, planned=None):
        raise TemplateBug("template rendered invalid XML for x.xml: boom")

    monkeypatch.setattr(render_mod, "render", broken)
    result = cli(["new", str(tmp_path / "p")])
    assert result.exit_code == 3
    assert "invalid XML for x.xml" in result.stderr and "--debug" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_unexpected_exception_exits_3_and_debug_shows_it(cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(write_mod, "write_tree", broken)
    result = cli(["new", str(tmp_path / "p")])
    assert result.exit_code == 3
    assert "RuntimeError" in result.stderr and "--debug" in result.stderr
    assert "secret internals" not in result.stderr
    with pytest.raises(RuntimeError):
        cli(["new", str(tmp_path / "p"), "--debug"])


def test_keyboard_interrupt_exits_130(cli, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(write_mod, "write_tree", interrupted)
    result = cli(["new", str(tmp_path / "p")])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr


def test_failed_write_exits_2_and_leaves_nothing(cli, tmp_path, monkeypatch):
    real = Path.write_bytes
    calls = []

    def write_bytes(self, data):
        calls.append(self)
        if len(calls) > 5:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    result = cli(["new", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- properties through the CLI ----------------------------------------------------------


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=st.text(max_size=45), namespace=st.text(max_size=16))
def test_cli_either_rejects_with_2_and_writes_nothing_or_creates_the_project(
        cli, tmp_path_factory, label, namespace):
    root = tmp_path_factory.mktemp("cli")
    if "\x00" in label + namespace:  # argv cannot carry NUL
        return
    result = cli(["new", str(root / "p"), "--app-label", label, "--namespace", namespace])
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 2:
        assert "problem(s)" in result.stderr
        assert list(root.iterdir()) == []
    else:
        spec = build_spec({"app_label": label, "namespace": namespace})
        assert (root / "p" / ANSWERS_FILE).read_bytes() == render(spec)[ANSWERS_FILE]


# --- help text and global options (first-run fixes) -----------------------------------------


def test_new_help_describes_directory_defaults_and_choices(cli):
    text = " ".join(cli(["new", "--help"]).stdout.split())
    assert "DIRECTORY" in text and "Where to create the project" in text
    assert "kebab-case app name" in text
    for default in ("Acme Integration", "68.0", "admin@example.com", "from the label",
                    "<app-name>_Settings"):
        assert f"default: ({default})" in text, default
    assert "[template]" in text  # --eca is a closed set
    assert "options ." not in text


@pytest.mark.parametrize("args", [["-h"], ["new", "-h"], ["lint", "-h"]])
def test_dash_h_is_help_everywhere(cli, args):
    result = cli(args)
    assert result.exit_code == 0, result.stderr
    assert "Usage" in result.stdout


def test_debug_is_a_global_option_shown_in_help(cli):
    assert "--debug" in cli(["--help"]).stdout
    assert "--debug" in cli(["new", "--help"]).stdout


def test_debug_before_the_command_shows_the_traceback(cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(write_mod, "write_tree", broken)
    with pytest.raises(RuntimeError):
        cli(["--debug", "new", str(tmp_path / "p")])


def test_lint_format_is_a_choice_from_the_reporters(cli):
    from generator.lint.report import REPORTERS

    text = cli(["lint", "--help"]).stdout
    assert f"[{'|'.join(REPORTERS)}]" in text
    assert "sfdx-project.json" in " ".join(text.split())  # what is scanned without PATH


def test_bare_scaffold_prints_help_and_exits_0(cli):
    result = cli([])
    assert result.exit_code == 0
    assert "Usage" in result.stdout and "new" in result.stdout and "lint" in result.stdout


# --- checks before the first prompt ------------------------------------------------------------


def test_a_non_empty_target_is_refused_before_any_prompt(cli, tmp_path, make_tree, read_tree):
    make_tree(tmp_path / "p", {"mine.txt": "keep"})
    result = cli(["new", str(tmp_path / "p"), "--interactive"], input="\n" * 11)
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert "Integration label" not in result.stdout
    assert read_tree(tmp_path / "p") == {"mine.txt": b"keep"}


def test_a_bad_option_is_refused_before_any_prompt(cli, tmp_path):
    result = cli(["new", str(tmp_path / "p"), "--interactive", "--namespace", "my-ns!"],
                 input="\n" * 11)
    assert result.exit_code == 2
    assert "--namespace: must be 1 to 15" in result.stderr
    assert "Integration label" not in result.stdout


def test_a_prompt_error_names_its_subject(cli, tmp_path):
    lines = ["", "", "", "", "", "", "", "", "https://evil.com", "", "", ""]
    result = cli(["new", str(tmp_path / "p"), "--interactive"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "'https://evil.com' is not a Salesforce login URL" in result.stderr


def test_dry_run_on_a_non_empty_directory_needs_force_like_the_real_run(cli, tmp_path,
                                                                        make_tree):
    make_tree(tmp_path / "p", {"mine.txt": "keep"})
    result = cli(["new", str(tmp_path / "p"), "--dry-run"])
    assert result.exit_code == 2
    assert "--force" in result.stderr and result.stdout == ""
    assert cli(["new", str(tmp_path / "p"), "--dry-run", "--force"]).exit_code == 0


def test_packaged_eca_in_an_answers_file_exits_2_with_the_reason(cli, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('[scaffold]\neca = "packaged"\n', encoding="utf-8")
    result = cli(["new", str(tmp_path / "p"), "--answers", str(answers)])
    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert "ephemeral build org" in text and "Why the External Client App" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.toml"]


def test_an_empty_namespace_warns_and_a_namespace_does_not(cli, tmp_path):
    result = cli(["new", str(tmp_path / "a")])
    assert result.exit_code == 0
    assert "warning: no namespace" in result.stderr and "--namespace" in result.stderr
    result = cli(["new", str(tmp_path / "b"), "--namespace", "acme"])
    assert result.exit_code == 0 and "warning: no namespace" not in result.stderr


def test_the_project_root_honours_the_umask(cli, tmp_path):
    import os

    old = os.umask(0o027)
    try:
        assert cli(["new", str(tmp_path / "p")]).exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "p").stat().st_mode & 0o777 == 0o750
    assert leftover_staging(tmp_path) == []


def leftover_staging(parent):
    return [p.name for p in parent.iterdir() if ".scaffold-" in p.name]


def test_force_without_answers_reuses_the_projects_scaffold_toml(cli, tmp_path, read_tree):
    target = tmp_path / "p"
    assert cli(["new", str(target), "--app-label", "Widget Sync", "--namespace", "wsync"]
               ).exit_code == 0
    (target / "README.md").write_text("my edit")
    result = cli(["new", str(target), "--force", "--no-interactive"])
    assert result.exit_code == 0, result.stderr
    assert read_tree(target) == expected_files(app_label="Widget Sync", namespace="wsync")
    text = " ".join(result.stderr.split())
    assert "--force overwrites" in text
    assert "`scaffold update` merges instead and keeps your edits" in text


def test_force_without_answers_offers_the_projects_answers_as_prompt_defaults(cli, tmp_path):
    target = tmp_path / "p"
    assert cli(["new", str(target), "--app-label", "Widget Sync"]).exit_code == 0
    result = cli(["new", str(target), "--force", "--interactive"], input="\n" * 11)
    assert result.exit_code == 0, result.stderr
    assert "Integration label [Widget Sync]" in result.stdout
    assert "Widget Sync" in (target / ANSWERS_FILE).read_text()


# --- --force over an existing project: what it does to each file ----------------------------

REMOTE_MY_DOMAIN = ("force-app/main/default/remoteSiteSettings/"
                    "Acme_Integration_My_Domain.remoteSite-meta.xml")


def _edited_project(cli, tmp_path):
    """A project with a My Domain login URL (one more remote site), its README edited by the
    user and .prettierrc deleted."""
    target = tmp_path / "p"
    assert cli(["new", str(target), "--login-url", "https://acme.my.salesforce.com"]
               ).exit_code == 0
    assert (target / REMOTE_MY_DOMAIN).is_file()
    (target / "README.md").write_text("my notes\n")
    (target / ".prettierrc").unlink()
    return target


def test_force_names_the_files_you_edited_and_the_generated_files_it_deletes(cli, tmp_path,
                                                                           read_tree):
    target = _edited_project(cli, tmp_path)
    result = cli(["new", str(target), "--answers", str(target / ANSWERS_FILE), "--login-url",
                  "login", "--force"])
    assert result.exit_code == 0, result.stderr
    assert read_tree(target) == expected_files()  # --force still does what it says
    lines = result.stderr.splitlines()
    assert ("warning: --force lost 1 file(s) you edited since scaffold wrote them, and deleted "
            "1 generated file(s) that the new render no longer writes:") in lines
    assert f"  edited-by-you          {target / 'README.md'}" in lines
    assert f"  deleted                {target / REMOTE_MY_DOMAIN}" in lines
    assert lines[-1].startswith(f"`scaffold update {target}` merges the new render into your "
                                "edits and keeps them")
    assert "git restore PATH" in lines[-1]
    listed = [line for line in lines if line.startswith("  ") and f" {target}/" in line]
    assert len(listed) == 2  # not the new .prettierrc, nor the unedited files it changed


def test_force_over_an_edited_file_it_no_longer_writes_says_both(cli, tmp_path):
    target = _edited_project(cli, tmp_path)
    (target / REMOTE_MY_DOMAIN).write_text("<mine/>\n")
    result = cli(["new", str(target), "--answers", str(target / ANSWERS_FILE), "--login-url",
                  "login", "--force"])
    assert result.exit_code == 0, result.stderr
    assert f"  edited-by-you, deleted {target / REMOTE_MY_DOMAIN}" in result.stderr
    assert "lost 2 file(s) you edited" in result.stderr
    assert not (target / REMOTE_MY_DOMAIN).exists()
    assert "deleted 0" not in result.stderr and "generated file(s)" not in result.stderr


def test_force_that_only_deletes_unedited_files_lists_them(cli, tmp_path):
    target = tmp_path / "p"
    assert cli(["new", str(target), "--login-url", "https://acme.my.salesforce.com"]
               ).exit_code == 0
    result = cli(["new", str(target), "--force", "--login-url", "login"])
    assert result.exit_code == 0, result.stderr
    assert ("warning: --force deleted 1 generated file(s) that the new render no longer "
            "writes:") in result.stderr.splitlines()
    assert "scaffold update" not in result.stderr.split("warning: --force")[-1]


def test_force_with_nothing_edited_warns_of_nothing_lost(cli, tmp_path):
    target = tmp_path / "p"
    assert cli(["new", str(target)]).exit_code == 0
    result = cli(["new", str(target), "--force", "--namespace", "acme"])
    assert result.exit_code == 0, result.stderr
    assert "edited-by-you" not in result.stderr and "warning: --force" not in result.stderr


def test_a_file_scaffold_never_recorded_counts_as_yours(cli, tmp_path, make_tree):
    target = make_tree(tmp_path / "p", {"README.md": "my own project\n"})
    result = cli(["new", str(target), "--force"])
    assert result.exit_code == 0, result.stderr
    assert f"  edited-by-you          {target / 'README.md'}" in result.stderr


def test_dry_run_force_shows_what_happens_to_each_file(cli, tmp_path, read_tree):
    target = _edited_project(cli, tmp_path)
    before = read_tree(target)
    result = cli(["new", str(target), "--answers", str(target / ANSWERS_FILE), "--login-url",
                  "login", "--force", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert read_tree(target) == before
    out = result.stdout
    assert "README.md (" in out and "bytes, edited-by-you)" in out
    assert ".prettierrc (" in out and out.split(".prettierrc (", 1)[1].startswith(
        f"{len(expected_files()['.prettierrc'])} bytes, new)")
    assert "Acme_Integration_My_Domain.remoteSite-meta.xml (deleted)" in out
    assert "bytes, unchanged)" in out and "bytes, changed)" in out
    assert "with --force: 1 new, " in " ".join(out.split())
    assert "1 deleted, 1 edited-by-you" in " ".join(out.split())
    assert "warning: --force would lose 1 file(s) you edited" in result.stderr
    assert "would delete 1 generated file(s)" in result.stderr
    assert f"scaffold update {target}" in result.stderr


def test_plan_overwrite_reads_the_recorded_blob_ids(tmp_path):
    from generator.new.blobid import git_blob_id
    from generator.new.overwrite import Change, plan_overwrite
    from generator.new.write import format_manifest

    old = {"a.txt": b"a\n", "b.txt": b"b\n", "c.txt": b"c\n", "gone.txt": b"g\n",
           "gone-edited.txt": b"h\n"}
    for rel, data in old.items():
        (tmp_path / rel).write_bytes(data)
    (tmp_path / ANSWERS_FILE).write_text(format_manifest(old, "0.1.0"))
    (tmp_path / "b.txt").write_bytes(b"b edited\n")
    (tmp_path / "gone-edited.txt").write_bytes(b"h edited\n")
    (tmp_path / "c.txt").unlink()
    new = {"a.txt": b"a2\n", "b.txt": b"b2\n", "c.txt": b"c\n", "d.txt": b"d\n",
           ANSWERS_FILE: b"x"}
    (tmp_path / "d.txt").write_bytes(b"d\n")
    got = {o.path: o.change for o in plan_overwrite(tmp_path, new)}
    assert got == {"a.txt": Change.CHANGED, "b.txt": Change.EDITED, "c.txt": Change.NEW,
                   "d.txt": Change.UNCHANGED, "gone.txt": Change.DELETED,
                   "gone-edited.txt": Change.EDITED_DELETED, ANSWERS_FILE: Change.CHANGED}
    assert git_blob_id(b"a\n") in (tmp_path / ANSWERS_FILE).read_text()


# --- the entry point's fast path for plain `scaffold new` ------------------------------------


def _run_entry(args, input=None):
    from tests.conftest import run_cli

    return run_cli(args, input, fast=True)


def test_the_fast_parser_knows_exactly_the_new_commands_options():
    import typer.main

    from generator.cli import app
    from generator.new.answers import ANSWERS
    from generator.newrun import FLAGS, PATH_OPTIONS

    command = typer.main.get_command(app).commands["new"]
    declared = {o for p in command.params for o in [*p.opts, *p.secondary_opts]
                if o.startswith("--")}
    known = {a.option for a in ANSWERS} | set(FLAGS) | set(PATH_OPTIONS)
    assert declared - {"--debug"} == known  # --debug and --help go to the declared parser
    flags = {o for p in command.params if getattr(p, "is_flag", False)
             for o in [*p.opts, *p.secondary_opts]}
    assert flags - {"--debug"} == set(FLAGS)


@pytest.mark.parametrize("args", [
    [], ["--no-interactive"], ["--namespace", "acme", "--app-label=Widget Sync"],
    ["--namespace", ""], ["--force"], ["--namespace", "bad_ns"], ["--", "--odd-dir"],
    ["--login-url", "https://evil.com", "--app-name", "1x"], ["--answers", "missing.toml"],
    ["--interactive"], ["--interactive", "--app-label", "Widget"],
])
def test_the_fast_path_answers_like_the_declared_command(tmp_path, monkeypatch, read_tree,
                                                         args):
    from generator.newrun import parse_args
    from tests.conftest import run_cli

    monkeypatch.chdir(tmp_path)
    argv = ["new", "p", *args] if "--" not in args else ["new", *args]
    assert parse_args(argv[1:]) is not None
    results = []
    for run in (_run_entry, run_cli):
        result = run(argv, input="\n" * 11)
        results.append((result, read_tree(tmp_path)))
        for path in sorted(tmp_path.iterdir()):
            subprocess.run(["rm", "-rf", str(path)], check=True)
    assert results[0] == results[1]


@pytest.mark.parametrize("args", [
    ["--help"], ["-h"], ["--debug"], ["--bogus"], ["a", "b"], ["--force=1"], ["--answers", ""],
    ["--namespace"], ["--namespace", "--force"], ["--namespace", "a", "--namespace", "b"],
    ["--force", "--no-force"], ["-"], [""],
])
def test_anything_else_goes_to_the_declared_new_command(args):
    from generator.newrun import parse_args

    assert parse_args(args) is None


def test_python_m_generator_new_takes_the_fast_path_without_typer(tmp_path):
    code = ("import sys; from generator import entry; rc = entry.main(['new', sys.argv[1]]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', "
            "'rich')), rc)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p")],
                          capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "[] 0", done.stderr
    assert (tmp_path / "p" / ANSWERS_FILE).is_file()
