"""The key tools behind tests/keygen.py leave the user's home alone: puttygen rewrites
~/.putty/randomseed whenever ~/.putty exists, and gpg would create ~/.gnupg."""

from __future__ import annotations

import shutil

import pytest

from tests import keygen


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".putty").mkdir(parents=True)  # as on a machine where PuTTY has been used
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.mark.parametrize(("tool", "make"), [
    ("puttygen", lambda: keygen.ppk.__wrapped__(3, keygen.PASSWORD)),
    ("puttygen", lambda: keygen.sshcom_private.__wrapped__(keygen.PASSWORD)),
    ("ssh-keygen", keygen.openssh_encrypted.__wrapped__),
    ("gpg", keygen.pgp_blocks.__wrapped__),
])
def test_key_tools_write_nothing_in_home(home, tool, make):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    assert make() is not None
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == [".putty"]


def test_the_tool_environment_points_home_at_the_work_dir(tmp_path):
    env = keygen.tool_env(str(tmp_path), {"HOME": "/root", "PATH": "/usr/bin"})
    assert env["HOME"] == env["XDG_CONFIG_HOME"] == str(tmp_path)
    assert env["PATH"] == "/usr/bin"
