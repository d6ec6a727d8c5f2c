"""Generated projects pass Salesforce's own tooling (tools/sf/sf-validate.sh), stage group by group.

Run only these with `pytest -m tooling`; skip them with `-m "not tooling"`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sftooling import (
    EXPENSIVE_GROUPS,
    EXPENSIVE_VARIANTS,
    GROUPS,
    VARIANTS,
    run_sf_validate,
)

pytestmark = [pytest.mark.tooling, pytest.mark.usefixtures("sf_tools")]



def _assert_clean(project: Path, stages: str, what: str) -> None:
    result = run_sf_validate(["--stages", stages, str(project)])
    assert result.returncode == 0 and result.failed == 0, result.explain(what)
    # a stage that finds nothing to check would hide a missing class or bundle
    assert result.skipped == 0, result.explain(f"{what}: a stage was skipped")
    assert result.passed == len(stages.split(",")), result.explain(f"{what}: summary mismatch")


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_generated_project_passes(generated: Callable[[str], Path], variant: str,
                                  group: str) -> None:
    _assert_clean(generated(variant), GROUPS[group], f"variant {variant}, stage group {group}")


@pytest.mark.parametrize("group", list(EXPENSIVE_GROUPS))
@pytest.mark.parametrize("variant", EXPENSIVE_VARIANTS)
def test_generated_project_passes_expensive(generated: Callable[[str], Path], variant: str,
                                            group: str) -> None:
    _assert_clean(generated(variant), EXPENSIVE_GROUPS[group],
                  f"variant {variant}, stage group {group}")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_subscriber_eca_project_passes_metadata(generated: Callable[[str], Path],
                                                variant: str) -> None:
    folder = generated(variant) / "subscriber-eca"
    assert (folder / "sfdx-project.json").is_file(), (
        f"variant {variant}: every project must write subscriber-eca/sfdx-project.json")
    _assert_clean(folder, "metadata", f"variant {variant}, subscriber-eca/ metadata")
