"""Measuring one scanner run, the machine's load, and writing the result tables.

Wall = the child's lifetime; CPU = its user+sys (with every descendant it waited for);
peak RSS = GNU time's ``%M`` (the largest single process of the child's tree; GNU time is a
small C process, so the figure is the tool's own: a child's ru_maxrss starts from its
parent's high-water mark at fork). Without /usr/bin/time it falls back to wait4's ru_maxrss,
and reports are parsed in a forked child (``flagged_in_child``) so this process stays small.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    load1: float  # 1-minute load when the run started
    waited: float  # seconds spent waiting for the load to fall
    returncode: int
    report: Path  # the report file (or captured stdout)


GNU_TIME = Path("/usr/bin/time")


def compile_package(package: Path) -> None:
    """Write the bytecode of `package` (an editable install's source tree) as `pip install`
    does for a regular one, so scaffold is timed as users run it, not recompiling each module
    on every start (PYTHONDONTWRITEBYTECODE, or sources newer than their .pyc)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True,
                   stdout=subprocess.DEVNULL)


def manifest_path(tree: Path) -> Path:
    """Where make_tree.py writes a tree's manifest: beside it, so no scanner reads it."""
    return tree.parent / (tree.name + ".planted.json")


def load1() -> float:
    return os.getloadavg()[0]


def wait_for_load(max_load: float | None, timeout: float) -> float:
    """Sleep while the 1-minute load is above max_load (None: never wait); seconds waited."""
    start = time.monotonic()
    while max_load is not None and load1() > max_load and time.monotonic() - start < timeout:
        time.sleep(5)
    return time.monotonic() - start


def run(argv: Sequence[str], report: Path, *, stdout_is_report: bool,
        env: Mapping[str, str] | None = None, cwd: Path | None = None,
        max_load: float | None = None, load_timeout: float = 300) -> Sample:
    """Run one command after the load has settled; measure it."""
    waited = wait_for_load(max_load, load_timeout)
    report.unlink(missing_ok=True)
    start_load = load1()
    full_env = {**os.environ, **(env or {})}
    rss_file = report.with_name(report.name + ".rss")
    timed = [str(GNU_TIME), "-f", "%M", "-o", str(rss_file)] if GNU_TIME.exists() else []
    with tempfile.TemporaryFile() as scratch:
        out = report.open("wb") if stdout_is_report else scratch
        try:
            start = time.perf_counter()
            proc = subprocess.Popen([*timed, *argv], stdout=out, stderr=subprocess.DEVNULL,
                                    stdin=subprocess.DEVNULL, env=full_env, cwd=cwd)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        finally:
            if stdout_is_report:
                out.close()
    if not report.exists():
        report.write_bytes(b"")
    rss_kb = usage.ru_maxrss
    if timed and rss_file.exists():
        lines = rss_file.read_text().split()
        rss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else rss_kb
    return Sample(wall, usage.ru_utime + usage.ru_stime, rss_kb / 1024, start_load,
                  waited, os.waitstatus_to_exitcode(status), report)


def combine(samples: Sequence[Sample], report: Path) -> Sample:
    """Several commands that together are one run (batches): wall and CPU add up."""
    return Sample(sum(s.wall for s in samples), sum(s.cpu for s in samples),
                  max(s.rss_mb for s in samples), samples[0].load1,
                  sum(s.waited for s in samples), max(s.returncode for s in samples), report)


def flagged_in_child(parse: Callable[[bytes], set[str]], reports: Sequence[Path]) -> set[str]:
    """Parse (possibly huge) reports in a forked child that sends back only the paths."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read_end)
            found: set[str] = set()
            for report in reports:
                found |= parse(report.read_bytes())
            with os.fdopen(write_end, "w") as pipe:
                json.dump(sorted(found), pipe)
        except BaseException:  # noqa: BLE001 - the parent reports the failure
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"could not parse report {reports[0]}")
    return set(json.loads(answer))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def block_error(path: Path | None, name: str) -> str | None:
    """Why --write-readme cannot write PATH (checked before a long run), or None."""
    if path is None:
        return None
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if f"<!-- bench:{name} -->" in text and f"<!-- /bench:{name} -->" in text:
        return None
    return (f"{path}: no <!-- bench:{name} --> ... <!-- /bench:{name} --> block; add the two "
            "markers where the table goes, or leave out --write-readme")


def write_block(path: Path, name: str, text: str) -> bool:
    """Replace what is between <!-- bench:NAME --> and <!-- /bench:NAME --> in path.
    False (nothing written) when the markers are missing."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    old = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(old):
        return False
    new = pattern.sub(lambda _: f"{begin}\n{text.strip()}\n{end}", old, count=1)
    path.write_text(new, encoding="utf-8")
    return True
