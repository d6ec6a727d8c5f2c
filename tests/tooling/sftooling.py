"""Helpers for the tests that run Salesforce's own tooling (tools/sf/sf-validate.sh).

The toolchain is installed once per session into $SF_TOOLS_DIR (the script's default is
~/.cache/scaffold-sf-tools); installs are keyed by lockfile hash and serialized with flock, so
pytest-xdist workers share one install. Projects are generated with the real CLI.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SF_VALIDATE = REPO_ROOT / "tools" / "sf" / "sf-validate.sh"

# Every option that changes emitted files, one at a time, plus the combination that changes the
# code most (namespace + My Domain + sandbox-style scopes) for the expensive stage groups.
VARIANTS: dict[str, list[str]] = {
    "default": [],
    "namespace": ["--namespace", "acme"],
    "my-domain": ["--login-url", "https://acme.my.salesforce.com"],
    "api-60": ["--api-version", "60.0"],
    "hostile-label": ["--app-label", 'Acme "R&D" <Ünï> & Co', "--app-name", "Acme_RD"],
    "combined": ["--namespace", "acme", "--login-url", "https://acme.my.salesforce.com",
                 "--oauth-scopes", "Api, RefreshToken, OpenID"],
}
# stage groups: one test per (variant, group) so a failure names both
GROUPS: dict[str, str] = {
    "metadata": "metadata",
    "apex": "apex-syntax,apex-jorje,apex-semantic,coverage-static",
    "lwc": "lwc-compile,lwc-lint,lwc-jest",
    "prettier": "prettier",
}
EXPENSIVE_GROUPS: dict[str, str] = {
    "code-analyzer": "code-analyzer",
    "npm-project": "npm-project",
}
EXPENSIVE_VARIANTS = ("default", "combined")
ALL_STAGES = ",".join([*GROUPS.values(), *EXPENSIVE_GROUPS.values()])

INSTALL_TIMEOUT = 1800
STAGE_TIMEOUT = 1200
_SUMMARY = re.compile(r"^sf-validate: (\d+) passed, (\d+) failed, (\d+) skipped$", re.MULTILINE)


@dataclass(frozen=True)
class Validation:
    """One sf-validate.sh run: exit code, combined output and the parsed summary line."""

    returncode: int
    output: str
    passed: int
    failed: int
    skipped: int

    def explain(self, what: str, limit: int = 15000) -> str:
        tail = self.output if len(self.output) <= limit else "...\n" + self.output[-limit:]
        return f"sf-validate.sh failed for {what} (exit {self.returncode}):\n{tail}"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SF_STAGE_TIMEOUT", "600")
    env.setdefault("SF_CHECK_STRICT", "1")  # metadata warnings fail too: generated output has none
    env.setdefault("NO_COLOR", "1")
    return env


def run_sf_validate(args: list[str], timeout: int = STAGE_TIMEOUT) -> Validation:
    try:
        proc = subprocess.run(
            ["bash", str(SF_VALIDATE), *args], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            timeout=timeout, env=_env(), check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode(
            "utf-8", "replace")
        pytest.fail(f"sf-validate.sh {' '.join(args)} timed out after {timeout}s:\n{out[-8000:]}")
    match = _SUMMARY.search(proc.stdout)
    counts = [int(g) for g in match.groups()] if match else [0, 0, 0]
    return Validation(proc.returncode, proc.stdout, *counts)
