"""The README's first command works as written on a fresh machine with the system Python.

It is run in a throw-away HOME and working directory, in a copy of the clone, with `python3`
resolving to /usr/bin/python3 when present (a Debian/Ubuntu Python that refuses a system-wide
pip install) or this interpreter. pip reaches PyPI (hatchling, the runtime dependencies); its
cache lives in pytest's cache directory so later runs are quick.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = Path("/usr/bin/python3")
IGNORED = shutil.ignore_patterns(".git", ".venv", "node_modules", "*cache*", "__pycache__",
                                 ".hypothesis", "*.egg-info", "build", "dist")


def setup_commands() -> list[str]:
    """The command lines of the README's first ```bash block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```bash\n(.*?)```", text, re.S)
    assert match, "README.md has no ```bash block"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_the_first_screen_has_exactly_two_setup_commands():
    commands = setup_commands()
    assert len(commands) == 2, commands
    assert commands[1] == "bash tools/run-tests.sh"
    assert "../" in commands[0].split("scaffold new", 1)[1], "generate outside the clone"


@pytest.mark.network
def test_the_first_command_works_as_written(tmp_path, request):
    python = SYSTEM_PYTHON if SYSTEM_PYTHON.is_file() else Path(sys.executable)
    probe = subprocess.run([str(python), "-c", "import venv, ensurepip; ensurepip.version()"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:  # `python3 -m venv` would fail: no venv or no bundled pip
        pytest.skip(f"{python} cannot create a virtual environment with pip (Debian: "
                    f"apt-get install python3-venv): {probe.stderr.strip()[-200:]}")
    clone = tmp_path / "work" / "scaffold"
    shutil.copytree(REPO, clone, ignore=IGNORED)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(python)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": f"{bin_dir}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
           "PIP_CACHE_DIR": str(request.config.cache.mkdir("readme-pip-cache"))}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", setup_commands()[0]], cwd=clone,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    project = tmp_path / "work" / "my-integration"
    assert (project / "sfdx-project.json").is_file()
    assert (project / "scaffold.toml").is_file()
    assert not (clone / "my-integration").exists()
    assert "Created ../my-integration" in proc.stderr
    assert os.access(tmp_path / "work" / "scaffold-venv" / "bin" / "scaffold", os.X_OK)


def _architecture_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Architecture\n.*?```\n(.*?)```", text, re.S)
    assert match, "README.md has no Architecture section with a map"
    return match.group(1)


def test_the_architecture_map_names_every_module_in_its_folder():
    """Every module under generator/ is named in the README map under its folder, and every
    module the map names exists there."""
    named: dict[str, set[str]] = {}
    folder = ""
    for line in _architecture_block().splitlines():
        label = line[:20].strip()
        if label.endswith("/"):
            depth = (len(line) - len(line.lstrip())) // 2
            parts = folder.split("/")[:depth] if depth else []
            folder = "/".join([*parts, label.rstrip("/")])
        named.setdefault(folder, set()).update(re.findall(r"\b([a-z0-9_]+)\.py\b", line))
    actual: dict[str, set[str]] = {}
    for path in (REPO / "generator").rglob("*.py"):
        if path.name != "__init__.py":
            rel = path.parent.relative_to(REPO).as_posix()
            actual.setdefault(rel, set()).add(path.stem)
    assert named == actual
