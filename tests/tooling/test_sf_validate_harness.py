"""The harness itself: a broken project fails the right stage and the output names the file.

Negative controls, so the clean runs in test_sf_tooling.py cannot pass vacuously.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sftooling import run_sf_validate

pytestmark = [pytest.mark.tooling, pytest.mark.usefixtures("sf_tools")]

CLASSES = "force-app/main/default/classes"
CLASS_META = """<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
  <apiVersion>62.0</apiVersion>
  <status>Active</status>
</ApexClass>
"""


def _copy(generated: Callable[[str], Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(generated("default"), tmp_path / "project"))


def _add_class(project: Path, name: str, body: str) -> None:
    (project / CLASSES / f"{name}.cls").write_text(body, encoding="utf-8")
    (project / CLASSES / f"{name}.cls-meta.xml").write_text(CLASS_META, encoding="utf-8")


def test_syntax_error_fails_apex_syntax_and_names_the_file(generated, tmp_path) -> None:
    project = _copy(generated, tmp_path)
    _add_class(project, "Broken", "public with sharing class Broken {\n    Integer x = \n}\n")
    result = run_sf_validate(["--stages", "apex-syntax", str(project)])
    assert result.returncode == 1 and result.failed == 1, result.explain("broken project")
    assert "FAIL  apex-syntax" in result.output
    assert f"{CLASSES}/Broken.cls:3:" in result.output, result.explain("broken project")


def test_uncalled_method_and_unformatted_file_fail_their_stages(generated, tmp_path) -> None:
    project = _copy(generated, tmp_path)
    _add_class(project, "Uncalled", "public with sharing class Uncalled {\n"
               "  public static void neverCalled() {\n    return;\n  }\n}\n")
    (project / "sfdx-project.json").write_text('{"packageDirectories":[{"path":"force-app",'
                                               '"default":true}],"sourceApiVersion":"62.0"}\n')
    result = run_sf_validate(["--stages", "prettier,coverage-static", str(project)])
    assert result.returncode == 1 and result.failed == 2, result.explain("broken project")
    assert "Uncalled.neverCalled/0 (static) is not called" in result.output, result.explain("x")
    assert "[warn] sfdx-project.json" in result.output, result.explain("broken project")


def test_unknown_stage_is_a_usage_error(tmp_path) -> None:
    result = run_sf_validate(["--stages", "apex-sintax", str(tmp_path)])
    assert result.returncode == 2, result.explain("unknown stage")
    assert "unknown stage 'apex-sintax'" in result.output
