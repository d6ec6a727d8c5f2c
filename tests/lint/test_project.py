"""sfdx-project.json package directories and .forceignore (gitignore) matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.lint.project import IgnoreRules, disk_reader, find_root, load_project
from tests.conftest import make_tree
from tests.lint.conftest import sfdx_project

# (patterns, path, ignored?) in gitignore / node-ignore semantics
IGNORE_CASES = [
    (["package.xml"], "package.xml", True),
    (["package.xml"], "force-app/main/package.xml", True),
    (["/package.xml"], "force-app/package.xml", False),
    (["**/__tests__/**"], "force-app/lwc/a/__tests__/a.test.js", True),
    (["**/__tests__/**"], "force-app/lwc/a/a.js", False),
    (["*.pem"], "a/b/key.pem", True),
    (["*.pem", "!keep.pem"], "a/keep.pem", False),
    (["keys/"], "force-app/keys/k.txt", True),
    (["keys/"], "force-app/keys", False),  # dir-only pattern, file of that name
    (["keys/", "!keys/k.txt"], "keys/k.txt", True),  # no re-include under an ignored dir
    (["force-app/main/default/eca"], "force-app/main/default/eca/x.xml", True),
    (["force-app/*/default"], "force-app/main/default/x", True),
    (["force-app/*/default"], "force-app/a/b/default/x", False),
    (["a/**/b"], "a/b", True),
    (["a/**/b"], "a/x/y/b", True),
    (["k?y.txt"], "kxy.txt", True),
    (["k?y.txt"], "k/y.txt", False),
    (["[a-c].txt"], "b.txt", True),
    (["[!a-c].txt"], "b.txt", False),
    (["# comment", "", "   "], "# comment", False),
    (["\\#hash"], "#hash", True),
    (["trailing   "], "trailing", True),
    (["**/*.ecaGlblOauth-meta.xml"], "x/y/A.ecaGlblOauth-meta.xml", True),
    (["**/.*"], "force-app/.hidden/k", True),
]


@pytest.mark.parametrize(("patterns", "path", "ignored"), IGNORE_CASES)
def test_gitignore_semantics(patterns, path, ignored):
    assert IgnoreRules.parse(patterns).ignores(path) is ignored


def test_in_package_needs_a_package_dir_and_no_forceignore(tmp_path):
    make_tree(tmp_path, sfdx_project(("force-app", "./libs/core/"), "**/*.pem\n"))
    project = load_project(tmp_path, disk_reader(tmp_path))
    assert project.package_dirs == ("force-app", "libs/core")
    assert project.in_package("force-app/main/default/classes/A.cls")
    assert project.in_package("libs/core/x.cls")
    assert not project.in_package("force-app/main/default/server.pem")
    assert not project.in_package("force-app-other/x.cls")
    assert not project.in_package("scripts/x.cls")
    # SDR's defaults apply once a .forceignore exists: dot files never ship
    assert not project.in_package("force-app/.env")


def test_no_forceignore_means_no_default_ignores(tmp_path):
    make_tree(tmp_path, sfdx_project())
    assert load_project(tmp_path, disk_reader(tmp_path)).in_package("force-app/.env")


@pytest.mark.parametrize("content", ["{", "[]", '{"packageDirectories": 3}',
                                     '{"packageDirectories": [{"nopath": 1}]}'])
def test_unusable_project_file_fails_closed(tmp_path, content):
    make_tree(tmp_path, {"sfdx-project.json": content})
    project = load_project(tmp_path, disk_reader(tmp_path))
    assert project.problem
    assert project.in_package("anything/at/all.txt")


def test_find_root_walks_up(tmp_path):
    make_tree(tmp_path, {**sfdx_project(), "force-app/main/x.cls": ""})
    assert find_root(tmp_path / "force-app" / "main") == tmp_path.resolve()
    assert find_root(Path("/")) is None
