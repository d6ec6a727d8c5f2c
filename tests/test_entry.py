"""The entry point's fast path for plain `scaffold lint` runs: it knows the same options as the
declared Typer command and answers exactly like it (report, stderr, exit code)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from generator import entry
from generator.cli import app
from tests import keygen
from tests.conftest import CliResult, make_tree, run_cli


def _run_entry(args: list[str]) -> CliResult:
    return run_cli(args, fast=True)


def test_the_fast_parser_knows_exactly_the_lint_commands_options():
    command = typer.main.get_command(app).commands["lint"]  # type: ignore[attr-defined]
    declared = {o for p in command.params for o in p.opts if o.startswith("--")}
    # --debug is the one option the fast path leaves to the declared command line
    assert declared - {"--debug"} == set(entry.FLAGS) | set(entry.VALUES)
    assert entry.parse_lint(["lint", "--debug"]) is None
    flags = {o for p in command.params if getattr(p, "is_flag", False) for o in p.opts}
    assert flags - {"--debug"} == set(entry.FLAGS)


@pytest.mark.parametrize("args", [
    ["lint"], ["lint", "--format", "json"], ["lint", "--format=sarif", "--", "a.txt"],
    ["lint", "key.pem", "--format", "github"],
    ["lint", "missing-file"], ["lint", "--since", "HEAD"], ["lint", "--config", "none.toml"],
    ["lint", "--staged"], ["lint", "--history"], ["lint", "--jobs", "1", "--format", "json"],
    ["lint", "--jobs=2"],
])
def test_the_fast_path_answers_like_the_declared_command(tmp_path, monkeypatch, args):
    make_tree(tmp_path, {"a.txt": "hello\n", "key.pem": keygen.pem(keygen.rsa_key())})
    monkeypatch.chdir(tmp_path)
    assert entry.parse_lint(args) is not None
    assert _run_entry(args) == run_cli(args)


@pytest.mark.parametrize("args", [
    ["new"], ["lint", "--help"], ["lint", "--no-staged"], ["lint", "--format"], ["lint", "-x"],
    ["lint", "--format", "nope"], ["lint", "--jobs", "-1"], ["lint", "--jobs=x"],
    [],
])
def test_anything_else_goes_to_the_declared_command_line(args):
    assert entry.parse_lint(args) is None


def test_the_installed_script_and_python_m_use_the_entry_point():
    done = subprocess.run([sys.executable, "-m", "generator", "lint", "--format", "json",
                           str(Path(__file__))], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '"findings": []' in done.stdout


def test_the_console_script_is_console_and_a_lint_report_is_whole_through_a_pipe(tmp_path):
    # `console` leaves a lint run without the interpreter's teardown (os._exit): the report
    # and the notes must still be flushed whole, far past one pipe buffer, with the exit code
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert 'scaffold = "generator.entry:console"' in pyproject
    key = keygen.pem(keygen.ec_key())
    files = {f"k{i:03}.pem": key for i in range(150)}
    files["note.pem"] = b"# scaffold-lint: allow pem-private-key\n" + key
    make_tree(tmp_path / "tree", files)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # block-buffered
    done = subprocess.run([sys.executable, "-m", "generator", "lint", "--format", "json",
                           str(tmp_path / "tree")], capture_output=True, text=True, check=False,
                          env=env)
    assert done.returncode == 1, done.stderr
    assert len(done.stdout) > 64 * 1024
    report = json.loads(done.stdout)
    assert len({f["path"] for f in report["findings"]}) == 151
    assert "has no reason" in done.stderr


def test_a_command_other_than_lint_ends_through_sys_exit(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["scaffold", "--version"])
    monkeypatch.setattr(entry, "main", lambda args: 0)
    monkeypatch.setattr(entry.os, "_exit", lambda code: pytest.fail("os._exit outside lint"))
    with pytest.raises(SystemExit) as ended:
        entry.console()
    assert ended.value.code == 0


def test_a_lint_run_from_the_console_script_runs_without_cyclic_gc(monkeypatch):
    import gc

    seen: list[bool] = []
    monkeypatch.setattr(sys, "argv", ["scaffold", "lint", "."])
    monkeypatch.setattr(entry, "main", lambda args: seen.append(gc.isenabled()) or 1)
    ended: list[int] = []
    monkeypatch.setattr(entry.os, "_exit", ended.append)
    try:
        entry.console()
    finally:
        gc.enable()
    assert seen == [False]
    assert ended == [1]
