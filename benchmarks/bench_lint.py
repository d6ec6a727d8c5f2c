"""`scaffold lint` side by side with the peer scanners, in one run.

    python benchmarks/bench_lint.py [--tree DIR] [--mb 300] [--skip-slow]

1. Builds (or reuses) a synthetic Salesforce tree with benchmarks/make_tree.py: hundreds of MB,
   thousands of files, private keys planted in 20+ forms plus clean look-alikes.
2. Full scan of the tree by: scaffold lint, pre-commit-hooks' detect-private-key, detect-secrets,
   secretlint (with its private-key rule), and ripgrep searching the same armor strings as
   detect-private-key (the floor: a compiled literal search, no detection logic).
3. A pre-commit-sized run on 10 files by the same tools.
Prints wall time (best and median of the repeats), peak RSS (os.wait4 of each child), ratios
against scaffold (best against best), and how many of the planted keys each tool reports and how
many clean look-alikes it flags. The load average is printed before and after: on a shared
machine, compare runs made under similar load.

Peers come from the `bench` extra (pip install -e '.[bench]') and benchmarks/peers (npm,
pinned lockfile; installed on first use). ripgrep comes from Debian (apt-get install ripgrep).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DPK_STRINGS = ("BEGIN RSA PRIVATE KEY", "BEGIN DSA PRIVATE KEY", "BEGIN EC PRIVATE KEY",
               "BEGIN OPENSSH PRIVATE KEY", "BEGIN PRIVATE KEY", "PuTTY-User-Key-File-2",
               "BEGIN SSH2 ENCRYPTED PRIVATE KEY", "BEGIN PGP PRIVATE KEY BLOCK",
               "BEGIN ENCRYPTED PRIVATE KEY", "BEGIN OpenVPN Static key V1")


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_mb: float
    stdout: tuple[Path, ...]  # the outputs stay on disk (see _flagged_in_child)


OUT = Path(tempfile.mkdtemp(prefix="bench-lint-"))


def _run(cmd: Sequence[str], cwd: Path | None = None) -> Run:
    """Run one command; wall time and the peak RSS of that child (and what it waited for).

    A child's ru_maxrss counts the memory of this process too (Linux carries the high-water
    mark across the fork and the exec), so this process never loads a tool's output: it stays
    small, and every peak is the tool's own."""
    fd, name = tempfile.mkstemp(dir=OUT)
    with os.fdopen(fd, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    return Run(seconds, usage.ru_maxrss / 1024, (Path(name),))


def _batched(cmd: Sequence[str], files: Sequence[str], cwd: Path) -> Run:
    """Like pre-commit: the same command over batches of file arguments."""
    total, peak = 0.0, 0.0
    outs: tuple[Path, ...] = ()
    for i in range(0, len(files), 4000):
        r = _run([*cmd, *files[i:i + 4000]], cwd)
        total, peak, outs = total + r.seconds, max(peak, r.peak_mb), outs + r.stdout
    return Run(total, peak, outs)


def _flagged_in_child(flagged: Callable[[bytes], set[str]], run: Run) -> set[str]:
    """Parse a tool's (possibly huge) output in a forked child, which sends back only the
    flagged paths, so this process stays small (see _run)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, answer, exit without cleanup
        try:
            os.close(read_end)
            found = flagged(b"".join(p.read_bytes() for p in run.stdout))
            with os.fdopen(write_end, "w") as pipe:
                json.dump(sorted(found), pipe)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return set(json.loads(answer))


def _repeat(fn: Callable[[], Run], repeat: int) -> tuple[Run, float]:
    """The fastest run (its output and peak are reported) and the median wall time."""
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r.seconds), statistics.median(r.seconds for r in runs)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def _files(tree: Path) -> list[str]:
    return sorted(str(p.relative_to(tree)) for p in tree.rglob("*")
                  if p.is_file() and p.name != "planted.json")


def _flagged_scaffold(out: bytes) -> set[str]:
    data = json.loads(out or b"{}")
    return {f["path"].split("!")[0] for f in data.get("findings", [])}


def _flagged_dpk(out: bytes) -> set[str]:
    return {line.split(": ", 1)[1] for line in out.decode(errors="replace").splitlines()
            if line.startswith("Private key found: ")}


def _flagged_ds(out: bytes) -> set[str]:
    return set(json.loads(out or b"{}").get("results", {}))


def _flagged_sl(out: bytes, tree: Path) -> set[str]:
    try:
        items = json.loads(out or b"[]")
    except json.JSONDecodeError:
        return set()
    return {str(Path(i["filePath"]).relative_to(tree)) for i in items if i.get("messages")}


def _flagged_lines(out: bytes, tree: Path) -> set[str]:
    return {str(Path(line).relative_to(tree)) if line.startswith("/") else line
            for line in out.decode(errors="replace").splitlines() if line}


def _ensure_secretlint() -> Path | None:
    peers = HERE / "peers"
    cli = peers / "node_modules" / "secretlint" / "bin" / "secretlint.js"
    if not cli.exists() and shutil.which("npm"):
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=peers, check=False)
    return cli if cli.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(tempfile.gettempdir()) / "bench-tree")
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--skip-slow", action="store_true",
                        help="skip detect-secrets and secretlint on the full tree")
    args = parser.parse_args(argv)
    tree: Path = args.tree.resolve()
    if not (tree / "planted.json").exists():
        subprocess.run([sys.executable, str(HERE / "make_tree.py"), str(tree), "--mb",
                        str(args.mb)], check=True)
    planted = json.loads((tree / "planted.json").read_text())
    positives, negatives = set(planted["positive"]), set(planted["negative"])
    files = _files(tree)
    size_mb = sum((tree / f).stat().st_size for f in files) / 2**20
    rg = shutil.which("rg")
    sl = _ensure_secretlint()
    node = shutil.which("node")
    slrc = HERE / "peers" / ".secretlintrc.json"

    tools: dict[str, tuple[Callable[[Sequence[str] | None], Run], Callable[[bytes], set[str]],
                           bool]] = {
        "scaffold lint": (
            lambda fs: _run([str(BIN / "scaffold"), "lint", "--format", "json",
                             *(fs if fs is not None else ["."])], tree),
            _flagged_scaffold, False),
        "detect-private-key": (
            lambda fs: _batched([str(BIN / "detect-private-key")],
                                fs if fs is not None else files, tree),
            _flagged_dpk, False),
        "detect-secrets": (
            lambda fs: _run([str(BIN / "detect-secrets"), "scan", "--all-files", "."], tree)
            if fs is None else _run([str(BIN / "detect-secrets"), "scan", *fs], tree),
            _flagged_ds, True),
    }
    if sl is not None and node:
        tools["secretlint"] = (
            lambda fs: _run([node, str(sl), "--secretlintrc", str(slrc), "--format", "json",
                             "--no-maskSecrets", *(fs if fs is not None else ["**/*"])], tree),
            lambda out: _flagged_sl(out, tree), True)
    if rg:
        tools["ripgrep (armor strings)"] = (
            lambda fs: _run([rg, "-l", "-a", "-F", "--no-ignore", "--hidden",
                             *[a for s in DPK_STRINGS for a in ("-e", s)],
                             *(fs if fs is not None else ["."])], tree),
            lambda out: _flagged_lines(out.replace(b"./", b""), tree), False)

    print(f"tree: {tree} ({len(files)} files, {size_mb:.0f} MiB, {len(positives)} planted keys, "
          f"{len(negatives)} clean look-alikes); {os.cpu_count()} CPUs; {_load()}\n")
    results: dict[str, Run] = {}
    print(f"{'full scan':26} {'wall s':>8} {'median':>8} {'MB/s':>8} {'peak MB':>8} "
          f"{'keys found':>11} {'false alarms':>13}")
    for name, (run, flagged, slow) in tools.items():
        if slow and args.skip_slow:
            continue
        r, median = _repeat(lambda run=run: run(None), 1 if slow else 5)
        results[name] = r
        hits = _flagged_in_child(flagged, r)
        found = len(hits & positives)
        alarms = len(hits & negatives)
        print(f"{name:26} {r.seconds:8.2f} {median:8.2f} {size_mb / r.seconds:8.1f} "
              f"{r.peak_mb:8.0f} {found:>5}/{len(positives):<5} {alarms:>6}/{len(negatives):<6}")
    base = results["scaffold lint"].seconds
    print("\nratios (peer wall time / scaffold lint wall time; > 1 means scaffold is faster):")
    for name, r in results.items():
        if name != "scaffold lint":
            print(f"  {name:26} {r.seconds / base:8.2f}x")

    ten = [f for f in files if f.endswith((".cls", ".js", ".xml", ".json"))][:10]
    print(f"\npre-commit-sized run: {len(ten)} files")
    for name, (run, _, _) in tools.items():
        r, median = _repeat(lambda run=run: run(ten), 5)
        print(f"  {name:26} {r.seconds:8.3f} s wall (median {median:.3f}), "
              f"peak {r.peak_mb:.0f} MB")
    med = statistics.median(_run([str(BIN / "scaffold"), "lint", *ten], tree).seconds
                            for _ in range(5))
    print(f"  scaffold lint, median of 5: {med:.3f} s (target < 0.3 s)")
    print(f"\nafter: {_load()}")
    shutil.rmtree(OUT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
