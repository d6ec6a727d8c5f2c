"""Shared fixtures: filesystem trees from dicts, the CLI behind its exit-code mapping, schemas."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from generator.cli import main

# The lint's compiled-prefilter cache (generator/lint/native.py) goes to a directory of this
# test session, never to the user's home; CLI subprocesses inherit it.
if "SCAFFOLD_CACHE_DIR" not in os.environ:
    os.environ["SCAFFOLD_CACHE_DIR"] = tempfile.mkdtemp(prefix="scaffold-test-cache-")
    atexit.register(shutil.rmtree, os.environ["SCAFFOLD_CACHE_DIR"], True)

REPO_ROOT = Path(__file__).resolve().parent.parent
# CI checks out /work/shared beside the clone; the schemas are never copied into the repo.
SCHEMAS_DIR = REPO_ROOT.parent / "shared" / "schemas"
METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
# Answer variants that the render and schema tests both cover; each module adds its own.
BASE_VARIANTS: dict[str, dict[str, str]] = {
    "default": {},
    "namespace": {"namespace": "acmens"},
    "scopes": {"oauth_scopes": "Api, RefreshToken, OpenID, OfflineAccess"},
    "my-domain": {"login_url": "https://acme.my.salesforce.com"},
    "api-60": {"api_version": "60.0"},
}


@dataclass(frozen=True)
class Link:
    """A symlink in a make_tree dict: target is relative to the link or absolute."""

    target: str


def make_tree(root: Path, files: Mapping[str, bytes | str | Link]) -> Path:
    """Create `files` (relative POSIX path -> bytes, text or Link) below `root`; return `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content.target)
        else:
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` (relative POSIX path -> bytes), sorted."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], input: str | None = None,
            env: Mapping[str, str | None] | None = None, *, fast: bool = False) -> CliResult:
    """Run `scaffold ARGS` in-process through cli.main (or, with `fast`, through the console
    entry point entry.main and its Typer-free paths), so exit codes are the real mapping.

    stdin is the given `input` (not a TTY), as with typer's CliRunner.
    """
    from generator import entry

    runner = CliRunner()
    env = {"NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    with runner.isolation(input=input, env=env) as (out, err, _):
        try:
            code = (entry.main if fast else main)(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture(name="make_tree")
def _make_tree() -> Callable[[Path, Mapping[str, bytes | str | Link]], Path]:
    return make_tree


@pytest.fixture(name="read_tree", scope="session")
def _read_tree() -> Callable[[Path], dict[str, bytes]]:
    return read_tree


@pytest.fixture(name="cli", scope="session")
def _cli() -> Callable[..., CliResult]:
    return run_cli


def _schemas_dir() -> Path:
    if not (SCHEMAS_DIR / "metadata-types.xsd").is_file():
        pytest.skip(f"Salesforce schemas not found at {SCHEMAS_DIR}: check out the shared "
                    "folder beside the repository (../shared/schemas) to run schema tests")
    return SCHEMAS_DIR


@pytest.fixture(scope="session")
def metadata_schema() -> etree.XMLSchema:
    """metadata-types.xsd (derived from the Metadata API WSDL), compiled once per session."""
    return etree.XMLSchema(etree.parse(str(_schemas_dir() / "metadata-types.xsd")))


@pytest.fixture(scope="session")
def sfdx_project_schema() -> dict[str, object]:
    path = _schemas_dir() / "sfdx-project.schema.json"
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data
