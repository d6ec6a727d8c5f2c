"""False-alarm measurement: `scaffold lint --format json` on every repository in a folder.

    python benchmarks/false_alarms.py CORPUS_DIR [--json OUT.json] [--compare BEFORE.json]
                                      [--scaffold CMD]

CORPUS_DIR holds one checked-out repository per sub-directory (never commit such a corpus).
Each is linted from its own root (`scaffold lint --format json .`), so paths are relative to
the repository. Prints, per rule: findings, how many lie in a package directory, their
severities, and every `repo:path:line` (never a value: the report holds fingerprints only).
Whether a finding is a false alarm is a judgement made by reading the file; this script only
counts. `--json` saves the counts, `--compare` prints the per-rule change against a saved run.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

Run = dict[str, Any]


def lint(repo: Path, command: list[str]) -> Run:
    """One repository's report, reduced to what the tables need."""
    proc = subprocess.run([*command, "lint", "--format", "json", "."], cwd=repo,
                          capture_output=True, check=False)
    if proc.returncode not in (0, 1, 2) or not proc.stdout.strip():
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return {"repo": repo.name, "exit": proc.returncode, "error": " ".join(tail),
                "files": 0, "findings": []}
    report = json.loads(proc.stdout)
    findings = [{"rule": f["rule_id"], "severity": f["severity"], "in_package": f["in_package"],
                 "where": f"{f['path']}:{f['line']}"} for f in report["findings"]]
    return {"repo": repo.name, "exit": proc.returncode, "files": report["summary"]["files_scanned"],
            "findings": findings}


def by_rule(runs: list[Run]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    rules: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for run in runs:
        for finding in run["findings"]:
            rules[finding["rule"]].append((run["repo"], finding))
    return dict(sorted(rules.items()))


def print_tables(runs: list[Run]) -> None:
    total = sum(len(r["findings"]) for r in runs)
    print(f"{len(runs)} repositories, {sum(r['files'] for r in runs)} files, {total} findings")
    for run in runs:
        if run.get("error"):
            print(f"  {run['repo']}: exit {run['exit']} ({run['error']})")
    print("\n| rule | findings | in a package | severities | repositories |")
    print("|---|---:|---:|---|---:|")
    for rule, hits in by_rule(runs).items():
        severities = Counter(f["severity"] for _, f in hits)
        sev = ", ".join(f"{n} {s}" for s, n in sorted(severities.items()))
        print(f"| `{rule}` | {len(hits)} | {sum(f['in_package'] for _, f in hits)} | {sev} | "
              f"{len({repo for repo, _ in hits})} |")
    for rule, hits in by_rule(runs).items():
        print(f"\n{rule}:")
        for repo, f in hits:
            flag = " [in package]" if f["in_package"] else ""
            print(f"  {f['severity']:7} {repo}:{f['where']}{flag}")


def print_compare(runs: list[Run], before: list[Run]) -> None:
    now = {rule: len(hits) for rule, hits in by_rule(runs).items()}
    then = {rule: len(hits) for rule, hits in by_rule(before).items()}
    print("\n| rule | before | after |\n|---|---:|---:|")
    for rule in sorted(now.keys() | then.keys()):
        print(f"| `{rule}` | {then.get(rule, 0)} | {now.get(rule, 0)} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="folder of checked-out repositories")
    ap.add_argument("--json", type=Path, help="save the counts here")
    ap.add_argument("--compare", type=Path, help="a saved --json run to compare with")
    ap.add_argument("--scaffold", default=f"{shlex.quote(sys.executable)} -m generator",
                    help="command that runs scaffold (default: this Python's -m generator)")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        ap.error(f"{args.corpus} is not a directory")
    repos = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    if not repos:
        ap.error(f"{args.corpus} holds no repositories")
    command = shlex.split(args.scaffold)
    runs = [lint(repo, command) for repo in repos]
    print_tables(runs)
    if args.compare:
        print_compare(runs, json.loads(args.compare.read_text())["runs"])
    if args.json:
        args.json.write_text(json.dumps({"runs": runs}, indent=1) + "\n")
    return 1 if any(r.get("error") for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
