"""`scaffold lint --history` side by side with the git modes of gitleaks, Betterleaks and
Kingfisher, on one generated history, in one run.

    python benchmarks/bench_history.py [--commits 3000] [--rounds 3] [--max-load 1.5 | --no-wait]
                                       [--write-readme]

1. Builds (deterministically, with real git: ``git fast-import``, fixed authors and dates) a
   repository under --work: a Salesforce DX repository (benchmarks/real_tree.py, ~1,000 files)
   as the first commit, then --commits commits of 1-3 edits each (Apex methods appended, classes
   and fields added). Planted along the way (keys generated at run time; the tokens are fake,
   built from pieces at run time): a PEM key added then deleted; base64 DER in Apex, later
   replaced by a clean class; a PKCS#12 static resource added then deleted; an SFDX auth URL
   file added then deleted; a JSON ``sf org display --verbose --json`` dump still in HEAD; a
   PEM key only on another branch; and a key file that stays in ~90% of the commits (the same
   blob in thousands of commits) before it is deleted.
2. Runs, after one untimed warm-up, --rounds rotated passes of (exact flags in the table):
   scaffold ``lint --history --format json REPO`` ("not available" when the option is
   rejected); gitleaks ``git`` and Betterleaks ``git`` with ``--log-opts=--all`` (every
   branch), each with private-key rules only and with all rules; Kingfisher ``scan REPO
   --git-history full`` likewise. Median wall, CPU, peak RSS, and which planted items each found.

--write-readme [FILE] replaces the block between ``<!-- bench:history -->`` and
``<!-- /bench:history -->`` of FILE (default README.md; exit 2 up front without the markers).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import measure
import peers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _configs(repo_reports: Path) -> list[peers.Config]:
    """History-mode configurations; reports are read by the same parsers as a tree scan."""
    configs = [peers.Config("scaffold", "scaffold", "lint --history --format json",
                            lambda t, o: [str(peers.SCAFFOLD), "lint", "--history", "--format",
                                          "json", str(t)],
                            peers.flagged_scaffold, reads_stdout=True)]
    try:
        g = peers.ensure("gitleaks")
        for name, rules in (("gitleaks", peers.PK_RULES), ("gitleaks-any", ())):
            extra = [a for r in rules for a in ("--enable-rule", r)]
            configs.append(peers.Config(
                name, "gitleaks", "git --log-opts=--all " + (",".join(rules) or "default config"),
                lambda t, o, extra=extra: [
                    str(g), "git", "--no-banner", "--no-color", "--log-level", "error",
                    "--redact", "--report-format", "json", "--report-path", str(o),
                    "--gitleaks-ignore-path", str(repo_reports), "--log-opts=--all", *extra,
                    str(t)],
                peers.flagged_gitleaks))
    except peers.PeerMissing as err:
        print(f"skipped: {err}", file=sys.stderr)
    try:
        b = peers.ensure("betterleaks")
        for name, rules in (("betterleaks", peers.PK_RULES), ("betterleaks-any", ())):
            extra = ["--isolate-rule", ",".join(rules)] if rules else []
            configs.append(peers.Config(
                name, "betterleaks", "git --log-opts=--all " + (",".join(rules) or "default"),
                lambda t, o, extra=extra: [
                    str(b), "git", "--no-banner", "--no-color", "--silent", "--log-level",
                    "error", "--redact", "-o", str(o), "--log-opts=--all", *extra, str(t)],
                peers.flagged_betterleaks))
    except peers.PeerMissing as err:
        print(f"skipped: {err}", file=sys.stderr)
    try:
        k = peers.ensure("kingfisher")
        for name, rules in (("kingfisher", ("betterleaks.private-key",)), ("kingfisher-any", ())):
            extra = [a for r in rules for a in ("--rule", r)]
            configs.append(peers.Config(
                name, "kingfisher", "--git-history full " + (",".join(rules) or "all rules"),
                lambda t, o, extra=extra: [
                    str(k), "scan", str(t), "--git-history", "full", "--no-validate",
                    "--no-update-check", "--format", "json", "--redact", "--no-dedup", "-q",
                    "-o", str(o), *extra],
                peers.flagged_kingfisher, ok_codes=(0, 200)))
    except peers.PeerMissing as err:
        print(f"skipped: {err}", file=sys.stderr)
    return configs


def scaffold_has_history(repo: Path) -> str | None:
    """None when `scaffold lint --history` is accepted, else why not (its stderr)."""
    done = subprocess.run([str(peers.SCAFFOLD), "lint", "--history", "--format", "json",
                           str(repo)], capture_output=True, text=True, check=False)
    if done.returncode == 2 and ("No such option" in done.stderr or "--history" in done.stderr):
        return " ".join(done.stderr.split())[-160:]
    return None


def _table(repo_info: dict[str, object], configs: list[peers.Config],
           samples: dict[str, list[measure.Sample]], unavailable: str | None,
           repo: Path) -> str:
    planted: dict[str, dict[str, object]] = repo_info["planted"]  # type: ignore[assignment]
    med = {n: measure.median([s.wall for s in ss]) for n, ss in samples.items() if ss}
    base = med.get("scaffold", 0.0)
    rows = []
    for cfg in configs:
        ss = samples.get(cfg.name) or []
        if not ss:
            rows.append([f"`{cfg.name}`", cfg.rules, f"not available: {unavailable}"] + [""] * 6)
            continue
        flagged = measure.flagged_in_child(lambda b, f=cfg.flagged: f(b, repo), [ss[-1].report])
        reported = peers.count_findings(ss[-1].report.read_bytes())
        found = [n for n, item in planted.items() if item["path"] in flagged]
        missed = [n for n in planted if n not in found]
        rows.append([f"`{cfg.name}`", cfg.rules,
                     f"{med[cfg.name]:.2f} ({', '.join(f'{s.wall:.2f}' for s in ss)})"
                     + peers.exit_note(cfg, [s.returncode for s in ss]),
                     f"{measure.median([s.cpu for s in ss]):.1f}",
                     f"{max(s.rss_mb for s in ss):.0f}",
                     f"×{med[cfg.name] / base:.2f}" if base else "-",
                     f"{len(found)}/{len(planted)}"
                     + (f" (missed: {', '.join(missed)})" if missed else ""), str(reported),
                     ", ".join(f"{s.load1:.2f}" for s in ss)])
    head = (f"History: {repo_info['commits']:,} commits on 2 branches, {repo_info['files']:,} "
            f"files at HEAD, {repo_info['blobs']:,} blobs, {repo_info['pack_mb']:.1f} MiB packed; "
            f"planted: " + "; ".join(f"`{n}` ({i['note']})" for n, i in planted.items())
            + ".\n\n")
    header = ["config", "mode and rules", "median wall s (runs)", "CPU s", "peak RSS MB",
              "÷ scaffold", "planted found", "findings reported", "load1 at start"]
    return head + measure.markdown(header, rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "scaffold-bench")
    p.add_argument("--commits", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--max-load", type=float, default=1.5)
    p.add_argument("--load-timeout", type=float, default=600)
    p.add_argument("--no-wait", action="store_true")
    p.add_argument("--json", type=Path)
    p.add_argument("--write-readme", nargs="?", const=ROOT / "README.md", type=Path,
                   metavar="FILE", help="replace the <!-- bench:history --> block of FILE "
                   "(default README.md)")
    args = p.parse_args(argv)
    measure.compile_package(ROOT / "generator")
    problem = measure.block_error(args.write_readme, "history")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    repo = args.work / f"history-{args.commits}"
    info_file = measure.manifest_path(repo)
    if not info_file.exists():  # built in a child, so this process stays small
        print(f"building {args.commits} commits in {repo} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "history_repo.py"), str(repo),
                        "--commits", str(args.commits)], check=True, stdout=sys.stderr)
    info = json.loads(info_file.read_text())
    out = Path(tempfile.mkdtemp(prefix="history-reports-", dir=args.work))
    empty = out / "empty"
    empty.mkdir()
    configs = _configs(empty)
    unavailable = scaffold_has_history(repo)
    timed = [c for c in configs if not (unavailable and c.name == "scaffold")]
    max_load = None if args.no_wait else args.max_load
    samples: dict[str, list[measure.Sample]] = {c.name: [] for c in timed}
    for r in range(-1, args.rounds):  # round -1 is the warm-up
        order = timed[max(r, 0) % len(timed):] + timed[:max(r, 0) % len(timed)]
        for cfg in order:
            report = out / f"{cfg.name}-{r}.json"
            s = measure.run(cfg.argv(repo, report), report, stdout_is_report=cfg.reads_stdout,
                            max_load=max_load, load_timeout=args.load_timeout)
            print(f"  {'warm-up' if r < 0 else f'round {r + 1}'} {cfg.name}: {s.wall:.2f} s "
                  f"(exit {s.returncode}, load {s.load1:.2f})", file=sys.stderr)
            if r >= 0:
                samples[cfg.name].append(s)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = (f"Measured {started}, one run of `python benchmarks/bench_history.py "
            f"{' '.join(argv if argv is not None else sys.argv[1:])}`.\n\n"
            + _table(info, configs, samples, unavailable, repo))
    print(text)
    if args.json:
        args.json.write_text(json.dumps({n: [asdict(s) for s in ss] for n, ss in samples.items()},
                                        indent=2, default=str) + "\n")
    if args.write_readme:
        measure.write_block(args.write_readme, "history", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
