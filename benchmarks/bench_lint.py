"""`scaffold lint` full scan side by side with the peer scanners, in one run; and a
pre-commit-sized run.

    python benchmarks/bench_lint.py [--trees synthetic,real] [--rounds 3] [--skip-slow]
                                    [--max-load 1.5 | --no-wait] [--write-readme]

1. Builds (or reuses, under --work) two trees with benchmarks/make_tree.py: ``synthetic``
   (100 MB, ~28k files, 21 planted key forms + 5 clean look-alikes) and ``real`` (folders shaped
   like real Salesforce DX repositories: ~40k files of ~5 KB, 10 planted keys in Salesforce
   forms, node_modules/.sfdx/.sf working-copy directories). ``--size-mb`` shrinks both (smoke).
2. Full scan of each tree by every configuration of benchmarks/peers.py: scaffold lint;
   Betterleaks, Kingfisher, gitleaks each with private-key rules only and with all rules;
   detect-private-key over the file list in pre-commit-sized batches; ripgrep (the floor).
   One untimed warm-up pass (page cache, Kingfisher's rule cache), then --rounds timed passes,
   each running every configuration once, the order rotated by one per pass. Before each run it
   waits while the 1-minute load is above --max-load (up to --load-timeout s) and records the
   load at start. Reports: median wall, median CPU (user+sys), peak RSS, planted keys found,
   look-alikes flagged, peer/scaffold and scaffold/ripgrep wall ratios of this same run.
3. A pre-commit-sized run: scaffold lint on 10 files given as arguments (as pre-commit passes
   them) against detect-private-key, median wall of --precommit-runs runs, alternating.

Prints markdown tables; --json writes every sample; --write-readme [FILE] replaces the block
between ``<!-- bench:lint -->`` and ``<!-- /bench:lint -->`` of FILE (default README.md; exit 2
before anything runs when the markers are missing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import measure
import peers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SLOW = frozenset({"gitleaks", "gitleaks-any"})  # ~6-9 s a run on the 100 MB tree
SKIP_DIRS = ("node_modules/", ".sfdx/", ".sf/")  # gitignored in a working copy
ARG_MAX = 2**17  # pre-commit's xargs limit on one command line (bytes)


@dataclass(frozen=True, slots=True)
class Tree:
    name: str
    path: Path
    files: int
    bytes: int
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    forms: dict[str, str]


def make(work: Path, shape: str, size_mb: int | None) -> Tree:
    mb = size_mb or (100 if shape == "synthetic" else 160)
    path = work / f"{shape}-{mb}mb"
    manifest = measure.manifest_path(path)
    if not manifest.exists():  # built in a child, so this process stays small
        print(f"building {shape} tree ({mb} MB) in {path} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "make_tree.py"), str(path), "--shape", shape,
                        "--mb", str(mb), "--scale", "0.33"], check=True, stdout=sys.stderr)
    m = json.loads(manifest.read_text())
    return Tree(shape, path, m["files"], m["bytes"], tuple(m["positive"]), tuple(m["negative"]),
                m.get("forms", {}))


def _file_args(tree: Path) -> list[str]:
    """What pre-commit would pass: every tracked file (working-copy directories excluded)."""
    out = []
    for dirpath, dirs, names in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if d + "/" not in SKIP_DIRS)
        out += [os.path.join(dirpath, n) for n in sorted(names)]  # noqa: PTH118
    return out


def _batches(files: Sequence[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for f in files:
        if size + len(f) + 1 > ARG_MAX and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append(f)
        size += len(f) + 1
    return batches


class Runner:
    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        self.max_load = None if args.no_wait else args.max_load
        self.timeout = args.load_timeout
        self.out = out

    def config(self, cfg: peers.Config, tree: Tree, tag: str) -> measure.Sample:
        report = self.out / f"{tree.name}-{cfg.name}-{tag}.json"  # Betterleaks wants .json
        return measure.run(cfg.argv(tree.path, report), report, env=cfg.env,
                           stdout_is_report=cfg.reads_stdout, max_load=self.max_load,
                           load_timeout=self.timeout)

    def dpk(self, files: Sequence[str], tag: str) -> measure.Sample:
        report = self.out / f"dpk-{tag}.out"
        parts = []
        for i, batch in enumerate(_batches(files)):
            part = self.out / f"dpk-{tag}-{i}.out"
            parts.append(measure.run(peers.dpk_argv(batch), part, stdout_is_report=True,
                                     max_load=self.max_load if i == 0 else None))
        report.write_bytes(b"".join(p.report.read_bytes() for p in parts))
        return measure.combine(parts, report)


DPK = peers.Config("detect-private-key", "detect-private-key",
                   "pre-commit-hooks 6.0.0, batches of <= 128 KiB of arguments",
                   lambda t, o: [], peers.flagged_lines)


def full_scan(runner: Runner, tree: Tree, configs: list[peers.Config],
              rounds: int) -> dict[str, list[measure.Sample]]:
    files = _file_args(tree.path)
    every = [*configs, DPK]

    def once(cfg: peers.Config, tag: str) -> measure.Sample:
        if cfg is DPK:
            return runner.dpk(files, f"{tree.name}-{tag}")
        return runner.config(cfg, tree, tag)

    for cfg in every:
        print(f"  warm-up {tree.name} {cfg.name}", file=sys.stderr)
        once(cfg, "warm")
    samples: dict[str, list[measure.Sample]] = {c.name: [] for c in every}
    for r in range(rounds):
        order = every[r % len(every):] + every[:r % len(every)]
        for cfg in order:
            s = once(cfg, f"r{r}")
            samples[cfg.name].append(s)
            print(f"  round {r + 1}/{rounds} {tree.name} {cfg.name}: {s.wall:.2f} s "
                  f"(load {s.load1:.2f})", file=sys.stderr)
    return samples


def _ratio(a: float, b: float) -> str:
    return f"×{a / b:.2f}" if b > 0 else "-"


def table(tree: Tree, configs: list[peers.Config], samples: dict[str, list[measure.Sample]],
          ) -> tuple[str, dict[str, object]]:
    by_name = {c.name: c for c in [*configs, DPK]}
    med = {n: measure.median([s.wall for s in ss]) for n, ss in samples.items()}
    base, floor = med.get("scaffold", 0.0), med.get("ripgrep", 0.0)
    rows, summary = [], {}
    for name in sorted(samples, key=lambda n: med[n]):
        ss = samples[name]
        cfg = by_name[name]
        flagged = measure.flagged_in_child(lambda b, f=cfg.flagged: f(b, tree.path),
                                           [ss[-1].report])
        found = sorted(p for p in tree.positive if p in flagged)
        missed = [tree.forms.get(p, p) for p in tree.positive if p not in flagged]
        alarms = sum(p in flagged for p in tree.negative)
        rows.append([f"`{name}`", cfg.rules,
                     f"{med[name]:.2f} ({', '.join(f'{s.wall:.2f}' for s in ss)})"
                     + peers.exit_note(cfg, [s.returncode for s in ss]),
                     f"{measure.median([s.cpu for s in ss]):.1f}",
                     f"{max(s.rss_mb for s in ss):.0f}",
                     _ratio(med[name], base), _ratio(med[name], floor),
                     f"{len(found)}/{len(tree.positive)}"
                     + (f" (missed: {', '.join(sorted(missed))})" if missed else ""),
                     f"{alarms}/{len(tree.negative)}", str(len(flagged)),
                     ", ".join(f"{s.load1:.2f}" for s in ss)])
        summary[name] = {"median_wall": med[name], "found": len(found), "missed": missed,
                         "samples": [asdict(s) | {"report": str(s.report)} for s in ss]}
    head = (f"**{tree.name}** tree: {tree.files:,} files, {tree.bytes / 2**20:.1f} MiB, "
            f"{len(tree.positive)} planted keys, {len(tree.negative)} clean look-alikes. "
            f"scaffold / ripgrep: **{_ratio(base, floor)}**.\n\n")
    header = ["config", "rules", "median wall s (runs)", "CPU s", "peak RSS MB", "÷ scaffold",
              "÷ ripgrep", "planted found", "look-alikes flagged", "files flagged",
              "load1 at start"]
    return head + measure.markdown(header, rows), summary


def precommit(runner: Runner, tree: Tree, runs: int) -> tuple[str, dict[str, object]]:
    """10 files as pre-commit passes them (paths relative to the repository root)."""
    repo = tree.path / "repo00" if (tree.path / "repo00").is_dir() else tree.path
    rel = [os.path.relpath(p, repo) for p in _file_args(repo)]
    picks = [f for f in rel if f.endswith((".cls", ".js", ".html", "-meta.xml", ".json"))]
    ten = picks[:: max(1, len(picks) // 10)][:10]
    cmds = {"scaffold lint": [str(peers.SCAFFOLD), "lint", *ten],
            "detect-private-key": peers.dpk_argv(ten)}
    walls: dict[str, list[float]] = {n: [] for n in cmds}
    for i in range(runs + 1):
        for name, argv in (cmds.items() if i % 2 == 0 else reversed(cmds.items())):
            s = measure.run(argv, runner.out / "pc.out", stdout_is_report=True, cwd=repo,
                            max_load=runner.max_load, load_timeout=runner.timeout)
            if i > 0:  # the first pass is the warm-up
                walls[name].append(s.wall)
    med = {n: measure.median(w) for n, w in walls.items()}
    rows = [[n, f"{med[n]:.3f}", f"{min(w):.3f}", f"{max(w):.3f}",
             _ratio(med[n], med["detect-private-key"])] for n, w in walls.items()]
    text = (f"Pre-commit-sized run: 10 files of `{repo.name}` as arguments, median of {runs} "
            "(target: scaffold ≤ 0.15 s, aim 0.1 s).\n\n"
            + measure.markdown(["command", "median wall s", "min", "max", "÷ detect-private-key"],
                               rows))
    return text, {"files": ten, "walls": walls}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "scaffold-bench")
    p.add_argument("--trees", default="synthetic,real")
    p.add_argument("--size-mb", type=int, help="size of every tree (default 100 / 160)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--precommit-runs", type=int, default=15)
    p.add_argument("--max-load", type=float, default=1.5)
    p.add_argument("--load-timeout", type=float, default=600)
    p.add_argument("--no-wait", action="store_true", help="never wait for the load to fall")
    p.add_argument("--skip-slow", action="store_true", help=f"leave out {', '.join(sorted(SLOW))}")
    p.add_argument("--json", type=Path, help="write every sample here")
    p.add_argument("--write-readme", nargs="?", const=ROOT / "README.md", type=Path,
                   metavar="FILE", help="replace the <!-- bench:lint --> block of FILE "
                   "(default README.md)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    problem = measure.block_error(args.write_readme, "lint")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    measure.compile_package(ROOT / "generator")
    out = Path(tempfile.mkdtemp(prefix="reports-", dir=args.work))
    runner = Runner(args, out)
    empty = out / "empty"
    empty.mkdir()
    configs = [c for c in peers.dir_configs(empty) if not (args.skip_slow and c.name in SLOW)]
    versions = ", ".join(f"{t} {peers.version(t)}" for t in [*peers.PACKAGES, "ripgrep"])
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    parts = [f"Measured {started} on {os.cpu_count()} CPUs, one run of `python benchmarks/"
             f"bench_lint.py {' '.join(argv if argv is not None else sys.argv[1:])}`; "
             f"{versions}.\n"]
    data: dict[str, object] = {}
    trees = [make(args.work, shape, args.size_mb) for shape in args.trees.split(",")]
    for tree in trees:
        text, data[tree.name] = table(tree, configs,
                                      full_scan(runner, tree, configs, args.rounds))
        parts.append(text)
    text, data["precommit"] = precommit(runner, trees[-1], args.precommit_runs)
    parts.append(text)
    report = "\n".join(parts)
    print(report)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2, default=str) + "\n")
    if args.write_readme:
        measure.write_block(args.write_readme, "lint", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
