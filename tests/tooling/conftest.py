"""Session fixtures for the tooling tests: one toolchain install, projects from `scaffold new`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sftooling import ALL_STAGES, INSTALL_TIMEOUT, REPO_ROOT, VARIANTS, run_sf_validate


@pytest.fixture(scope="session")
def sf_tools() -> None:
    """Install (or verify the cached install of) every toolchain group the tests use."""
    result = run_sf_validate(["--install-only", "--stages", ALL_STAGES], timeout=INSTALL_TIMEOUT)
    if result.returncode != 0:
        pytest.fail(
            "Salesforce toolchain installation failed (tools/sf/sf-validate.sh --install-only "
            f"--stages {ALL_STAGES}, exit {result.returncode}); it needs bash, npm, "
            f"python3 -m venv and the npm registry / PyPI:\n{result.output[-8000:]}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`generated(variant)` -> a project written by `scaffold new` (once per session)."""
    cache: dict[str, Path] = {}

    def _get(variant: str) -> Path:
        if variant not in cache:
            target = tmp_path_factory.mktemp(f"gen-{variant}") / "project"
            cmd = [sys.executable, "-m", "generator", "new", str(target), "--force",
                   *VARIANTS[variant]]
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=120, check=False, cwd=REPO_ROOT)
            assert proc.returncode == 0, (
                f"scaffold new failed for variant {variant} ({' '.join(cmd[3:])}), exit "
                f"{proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
            cache[variant] = target
        return cache[variant]

    return _get
