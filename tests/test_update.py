"""`scaffold update` on real git repositories: generate, commit, edit, update, check the merge."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.new import gitrepo
from generator.new.blobid import git_blob_id
from generator.new.merge import Action
from generator.new.render import templates_root
from generator.new.update import apply_update, plan_update
from tests.conftest import read_tree, run_cli

CLASSES = "force-app/main/default/classes"
CONFIG = f"{CLASSES}/AcmeIntegrationConfig.cls"
METHOD = "  public static String userAddedMethod() {\n    return 'mine';\n  }\n"
README_LINE = "Our team's own note about this project.\n"
ALIAS = {"Acme Integration": "0Ho000000000001AAA"}


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A git that ignores the machine's config and can commit."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def commit(project: Path, message: str = "work") -> None:
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


def generate(tmp_path: Path, *options: str) -> Path:
    project = tmp_path / "project"
    result = run_cli(["new", str(project), "--no-interactive", *options])
    assert result.exit_code == 0, result.stderr
    git(project, "init", "-q")
    commit(project, "scaffold new")
    return project


def edit(project: Path) -> None:
    """The three edits of issue 9: a method in an Apex class, a README line, a JSON key."""
    cls = project / CONFIG
    text = cls.read_text()
    cut = text.rindex("}")
    cls.write_text(text[:cut] + "\n" + METHOD + text[cut:])
    with (project / "README.md").open("a") as f:
        f.write("\n" + README_LINE)
    sfdx = json.loads((project / "sfdx-project.json").read_text())
    sfdx["packageAliases"] = ALIAS
    (project / "sfdx-project.json").write_text(json.dumps(sfdx, indent=2) + "\n")
    commit(project, "my edits")


def assert_edits_survive(project: Path) -> None:
    assert METHOD in (project / CONFIG).read_text()
    assert README_LINE in (project / "README.md").read_text()
    assert json.loads((project / "sfdx-project.json").read_text())["packageAliases"] == ALIAS


def changed_templates(tmp_path: Path) -> Path:
    """A copy of templates/ with a new README line, a new Apex comment and a new JSON key."""
    root = tmp_path / "templates"
    if root.is_dir():
        return root
    shutil.copytree(templates_root(), root)
    readme = root / "README.md.j2"
    readme.write_text(readme.read_text().replace("\n## Layout\n", "\nTEMPLATE NEWS.\n\n## Layout\n",
                                                 1))
    cls = root / "force-app/main/default/classes/_config_class_.cls.j2"
    cls.write_text("// TEMPLATE COMMENT\n" + cls.read_text())
    sfdx = root / "sfdx-project.json.j2"
    sfdx.write_text(sfdx.read_text().replace('"namespace":', '"pushPackageDirectoriesSequentially'
                                             '": true,\n  "namespace":', 1))
    return root


def test_changed_answer_is_applied_and_edits_survive(tmp_path: Path) -> None:
    project = generate(tmp_path)
    edit(project)
    result = run_cli(["update", str(project), "--set", "description=Syncs widgets nightly."])
    assert result.exit_code == 0, result.stderr
    assert_edits_survive(project)
    sfdx = json.loads((project / "sfdx-project.json").read_text())
    assert sfdx["packageDirectories"][0]["versionDescription"] == "Syncs widgets nightly."
    assert json.loads((project / "package.json").read_text())["description"] == \
        "Syncs widgets nightly."
    assert 'description = "Syncs widgets nightly."' in (project / "scaffold.toml").read_text()


def test_changed_template_is_merged_with_edits(tmp_path: Path) -> None:
    project = generate(tmp_path)
    edit(project)
    update = plan_update(project, templates=changed_templates(tmp_path))
    assert not update.conflicts
    actions = {c.path: c.action for c in update.changes}
    assert actions[CONFIG] is actions["README.md"] is actions["sfdx-project.json"] \
        is Action.MERGE
    assert actions[f"{CLASSES}/AcmeIntegrationJwtHandler.cls"] is Action.UNCHANGED
    apply_update(update)
    assert_edits_survive(project)
    assert (project / CONFIG).read_text().startswith("// TEMPLATE COMMENT\n")
    assert "TEMPLATE NEWS." in (project / "README.md").read_text()
    sfdx = json.loads((project / "sfdx-project.json").read_text())
    assert sfdx["pushPackageDirectoriesSequentially"] is True
    # The new render is kept reachable in git, so the next update has its bases.
    assert git(project, "cat-file", "-t", f"{gitrepo.REF}:README.md").strip() == "blob"


def test_second_update_finds_the_bases_of_merged_files(tmp_path: Path) -> None:
    project = generate(tmp_path)
    edit(project)
    apply_update(plan_update(project, templates=changed_templates(tmp_path)))
    commit(project, "update")
    git(project, "gc", "-q", "--prune=now")
    again = plan_update(project, templates=changed_templates(tmp_path))
    assert not again.notes and not again.conflicts
    assert again.writes == {}  # nothing new: already up to date


def test_both_sides_changing_a_line_is_a_conflict_with_markers(tmp_path: Path) -> None:
    project = generate(tmp_path)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("# Acme Integration\n", "# Acme (ours)\n", 1))
    commit(project)
    result = run_cli(["update", str(project), "--set", "app_label=Widget Sync"])
    assert result.exit_code == 1, result.stderr
    text = readme.read_text()
    assert "<<<<<<< yours\n# Acme (ours)\n=======\n# Widget Sync\n>>>>>>> scaffold " in text
    assert "README.md" in result.stderr and "conflict" in result.stderr
    # Files the user did not touch took the new label.
    assert "Widget Sync" in (project / "config/project-scratch-def.json").read_text()


def test_json_conflict_keeps_yours_and_is_listed(tmp_path: Path) -> None:
    project = generate(tmp_path)
    path = project / "sfdx-project.json"
    sfdx = json.loads(path.read_text())
    sfdx["packageDirectories"][0]["versionDescription"] = "Mine."
    path.write_text(json.dumps(sfdx, indent=2) + "\n")
    commit(project)
    result = run_cli(["update", str(project), "--set", "description=Theirs."])
    assert result.exit_code == 1
    assert json.loads(path.read_text())["packageDirectories"][0]["versionDescription"] == "Mine."
    assert "packageDirectories[0].versionDescription: kept yours" in result.stderr


def test_rename_deletes_untouched_files_and_keeps_edited_ones(tmp_path: Path) -> None:
    project = generate(tmp_path)
    edit(project)
    result = run_cli(["update", str(project), "--set", "app_name=Widget_Sync"])
    assert result.exit_code == 0, result.stderr
    assert (project / f"{CLASSES}/WidgetSyncConfig.cls").is_file()
    assert not (project / f"{CLASSES}/AcmeIntegrationJwtHandler.cls").exists()
    assert METHOD in (project / CONFIG).read_text()  # edited: kept and reported
    assert (project / f"{CONFIG}-meta.xml").is_file()  # with its meta.xml, so it deploys
    assert f"{CONFIG}: scaffold no longer writes this file and you changed it" in result.stderr
    assert CONFIG not in (project / "scaffold.toml").read_text()


def test_added_then_removed_file_follows_the_answer(tmp_path: Path) -> None:
    project = generate(tmp_path)
    my_domain = "force-app/main/default/remoteSiteSettings/Acme_Integration_My_Domain" \
                ".remoteSite-meta.xml"
    assert run_cli(["update", str(project), "--set",
                    "login_url=https://acme.my.salesforce.com"]).exit_code == 0
    assert (project / my_domain).is_file()
    commit(project)
    assert run_cli(["update", str(project), "--set", "login_url=login"]).exit_code == 0
    assert not (project / my_domain).exists()


def test_user_deleted_file_is_not_recreated(tmp_path: Path) -> None:
    project = generate(tmp_path)
    (project / "jest.config.js").unlink()
    (project / "README.md").unlink()
    commit(project)
    result = run_cli(["update", str(project), "--set", "app_label=Widget Sync"])
    assert result.exit_code == 0, result.stderr
    assert not (project / "jest.config.js").exists()
    assert not (project / "README.md").exists()
    assert "README.md: you deleted this file" in result.stderr  # scaffold changed it
    assert "jest.config.js" not in result.stderr  # unchanged by scaffold: nothing to say


def test_files_scaffold_never_wrote_are_never_touched(tmp_path: Path) -> None:
    project = generate(tmp_path)
    mine = project / f"{CLASSES}/MyOwn.cls"
    mine.write_text("public class MyOwn {}\n")
    commit(project)
    assert run_cli(["update", str(project), "--set", "app_name=Widget_Sync"]).exit_code == 0
    assert mine.read_text() == "public class MyOwn {}\n"


def test_missing_base_blob_is_merged_as_both_changed_and_said(tmp_path: Path) -> None:
    project = tmp_path / "project"
    assert run_cli(["new", str(project), "--no-interactive"]).exit_code == 0
    readme = project / "README.md"
    readme.write_text(readme.read_text() + README_LINE)  # edited before the first commit
    git(project, "init", "-q")
    commit(project)
    update = plan_update(project, templates=changed_templates(tmp_path))
    notes = dict(update.notes)
    assert "is not in this repository: merged as changed on both sides" in notes["README.md"]
    merged = update.writes["README.md"].decode()
    assert README_LINE in merged and "TEMPLATE NEWS." in merged


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    project = generate(tmp_path)
    edit(project)
    before = read_tree(project)
    refs = git(project, "for-each-ref")
    result = run_cli(["update", str(project), "--dry-run", "--set", "description=New one."])
    assert result.exit_code == 0, result.stderr
    assert "--- a/package.json\n+++ b/package.json\n" in result.stdout
    assert '+  "description": "New one.",' in result.stdout
    assert read_tree(project) == before
    assert git(project, "for-each-ref") == refs
    assert git(project, "status", "--porcelain") == ""


def test_dirty_tree_is_refused_unless_allowed(tmp_path: Path) -> None:
    project = generate(tmp_path)
    (project / "notes.txt").write_text("uncommitted\n")
    before = read_tree(project)
    result = run_cli(["update", str(project), "--set", "description=New one."])
    assert result.exit_code == 2
    assert "uncommitted change" in result.stderr and "--allow-dirty" in result.stderr
    assert read_tree(project) == before
    allowed = run_cli(["update", str(project), "--allow-dirty", "--set", "description=New one."])
    assert allowed.exit_code == 0, allowed.stderr
    assert (project / "notes.txt").read_text() == "uncommitted\n"


def test_not_a_git_repository_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    assert run_cli(["new", str(project), "--no-interactive"]).exit_code == 0
    result = run_cli(["update", str(project)])
    assert result.exit_code == 2 and "not in a git repository" in result.stderr


def test_bad_answer_is_refused_as_new_refuses_it(tmp_path: Path) -> None:
    project = generate(tmp_path)
    before = read_tree(project)
    result = run_cli(["update", str(project), "--set", "namespace=my-ns!", "--set", "color=red"])
    assert result.exit_code == 2
    assert "--namespace" in result.stderr and "color: is not a known answer" in result.stderr
    assert read_tree(project) == before


@pytest.mark.parametrize("bad", ["description", "=x"])
def test_set_needs_key_equals_value(tmp_path: Path, bad: str) -> None:
    project = generate(tmp_path)
    result = run_cli(["update", str(project), "--set", bad])
    assert result.exit_code == 2 and "KEY=VALUE" in result.stderr


def test_up_to_date_project_is_left_alone(tmp_path: Path) -> None:
    project = generate(tmp_path)
    result = run_cli(["update", str(project)])
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stderr
    assert git(project, "status", "--porcelain") == ""


def test_force_warning_names_update(tmp_path: Path) -> None:
    project = generate(tmp_path)
    result = run_cli(["new", str(project), "--force", "--no-interactive"])
    assert result.exit_code == 0
    assert "scaffold update" in result.stderr


def test_manifest_records_version_and_blob_ids(tmp_path: Path) -> None:
    import tomllib

    from generator import __version__

    project = generate(tmp_path)
    data = tomllib.loads((project / "scaffold.toml").read_text())["generated"]
    assert data["scaffold_version"] == __version__
    files = data["files"]
    written = {p: d for p, d in read_tree(project).items()
               if not p.startswith(".git/") and p != "scaffold.toml"}
    assert files == {p: git_blob_id(d) for p, d in written.items()}


def test_answer_edited_in_scaffold_toml_is_applied_without_a_commit(tmp_path: Path) -> None:
    project = generate(tmp_path)
    toml = project / "scaffold.toml"
    toml.write_text(toml.read_text().replace('contact_email = "admin@example.com"',
                                             'contact_email = "ops@example.com"'))
    result = run_cli(["update", str(project)])
    assert result.exit_code == 0, result.stderr
    assert "ops@example.com" in (project / "subscriber-eca/eca/main/default/externalClientApps"
                                 "/Acme_Integration.eca-meta.xml").read_text()


def test_manifest_without_blob_ids_merges_as_both_changed(tmp_path: Path) -> None:
    project = generate(tmp_path)
    toml = project / "scaffold.toml"
    head, _, _ = toml.read_text().partition("\n# Every file scaffold wrote")
    paths = sorted(p for p in read_tree(project) if not p.startswith(".git/")
                   and p != "scaffold.toml")
    # The manifest as scaffold wrote it before it recorded ids: a list of paths.
    toml.write_text(head + "\n[generated]\nfiles = [\n" + "".join(
        f'    "{p}",\n' for p in paths) + "]\n")
    commit(project)
    update = plan_update(project, {"description": "Changed."})
    notes = dict(update.notes)
    assert "records no blob id" in notes["package.json"]
    # Without a base, a difference may be the user's: kept, and a conflict to look at.
    assert dict(update.conflicts)["package.json"].startswith("description: kept yours")
    assert "README.md" in dict(update.conflicts)
    assert "jest.config.js" not in update.writes  # the same on both sides: nothing to do


def test_file_of_yours_where_a_new_template_file_goes_is_kept_as_a_conflict(
        tmp_path: Path) -> None:
    project = generate(tmp_path)
    site = project / "force-app/main/default/remoteSiteSettings/" \
                     "Acme_Integration_My_Domain.remoteSite-meta.xml"
    site.write_text("<mine/>\n")
    commit(project)
    result = run_cli(["update", str(project), "--set", "login_url=https://acme.my.salesforce.com"])
    assert result.exit_code == 1
    assert site.read_text() == "<mine/>\n"
    assert "holds a file scaffold never wrote: yours kept" in result.stderr


def test_dry_run_shows_deletions_and_additions(tmp_path: Path) -> None:
    project = generate(tmp_path)
    result = run_cli(["update", str(project), "--dry-run", "--set", "app_name=Widget_Sync"])
    assert result.exit_code == 0, result.stderr
    assert f"--- a/{CONFIG}\n+++ /dev/null\n" in result.stdout
    assert f"--- /dev/null\n+++ b/{CLASSES}/WidgetSyncConfig.cls\n" in result.stdout
    assert "Dry run, nothing written" in result.stderr
    assert (project / CONFIG).is_file()


def test_clean_merge_that_breaks_xml_is_a_conflict(tmp_path: Path) -> None:
    project = generate(tmp_path)
    rel = "force-app/main/default/tabs/Acme_Integration_Setup.tab-meta.xml"
    text = (project / rel).read_text()
    assert text.endswith("</CustomTab>\n")
    (project / rel).write_text(text.removesuffix("</CustomTab>\n"))  # the user broke it
    commit(project)
    root = tmp_path / "templates"
    shutil.copytree(templates_root(), root)
    tab = root / "force-app/main/default/tabs/_tab_.tab-meta.xml.j2"
    tab.write_text(tab.read_text().replace("Opens the setup page", "Opens the new setup page"))
    update = plan_update(project, templates=root)
    (message,) = (m for path, m in update.conflicts if path == rel)
    assert "not well-formed XML" in message


# Property, end to end: random edits to random generated files of a committed project, then an
# update with changed answers and templates: every line the user added is still in its file
# (merged, or inside conflict markers), and a file the user edited is never deleted.
_TEXT = [p for p in read_tree(Path(__file__).resolve().parent.parent / "sample-output")
         if p != "scaffold.toml" and not p.endswith(".json")]


@st.composite
def _user_edits(draw: st.DrawFn) -> dict[str, list[tuple[int, str]]]:
    paths = draw(st.lists(st.sampled_from(_TEXT), min_size=1, max_size=4, unique=True))
    return {p: draw(st.lists(st.tuples(st.integers(0, 400), st.sampled_from(["add", "replace"])),
                             min_size=1, max_size=3)) for p in paths}


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(edits=_user_edits(), rename=st.booleans())
def test_no_user_line_is_lost_by_an_update(tmp_path_factory: pytest.TempPathFactory,
                                           edits: dict[str, list[tuple[int, str]]],
                                           rename: bool) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    project = generate(tmp)
    added: dict[str, list[str]] = {}
    for n, (rel, changes) in enumerate(sorted(edits.items())):
        lines = (project / rel).read_text().splitlines(keepends=True)
        for k, (at, how) in enumerate(changes):
            line = f"USER-LINE {n}.{k}\n"
            at = min(at, len(lines))
            if how == "replace" and at < len(lines):
                lines[at] = line
            else:
                lines.insert(at, line)
        # the user's lines as the commit has them (a later edit may replace an earlier one)
        added[rel] = [line for line in lines if line.startswith("USER-LINE ")]
        (project / rel).write_text("".join(lines))
    commit(project)
    sets = {"app_label": "Widget Sync", **({"app_name": "Widget_Sync"} if rename else {})}
    apply_update(plan_update(project, sets, templates=changed_templates(tmp)))
    for rel, lines in added.items():
        text = (project / rel).read_text()
        assert all(line in text for line in lines), rel


def test_crlf_checkout_counts_unchanged_files_as_unchanged(tmp_path: Path) -> None:
    """core.autocrlf=true (Windows): the work tree holds CRLF copies of the LF blobs."""
    project = generate(tmp_path)
    git(project, "config", "core.autocrlf", "true")
    for rel in ("README.md", "package.json", CONFIG):
        path = project / rel
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    git(project, "add", "--renormalize", ".")  # nothing to commit: the blobs are the same
    assert git(project, "diff", "--cached", "--name-only") == ""
    update = plan_update(project, {"description": "Changed."}, allow_dirty=True)
    actions = {c.path: c.action for c in update.changes}
    assert actions["package.json"] is actions["README.md"] is Action.REPLACE
    assert actions[CONFIG] is Action.UNCHANGED
    assert not update.conflicts


def test_two_projects_in_one_repository_keep_their_renders(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name in ("one", "two"):
        assert run_cli(["new", str(repo / name), "--no-interactive"]).exit_code == 0
    git(repo, "init", "-q")
    commit(repo)
    for name in ("one", "two"):
        assert run_cli(["update", str(repo / name), "--set", f"description={name}."]
                       ).exit_code == 0
        commit(repo)
    for name in ("one", "two"):
        shown = git(repo / name, "show", f"{gitrepo.REF}:./package.json")
        assert json.loads(shown)["description"] == f"{name}."
