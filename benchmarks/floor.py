"""How fast a Python scanner of this design can be at best: walk, read every file and run the
Hyperscan prefilter, split over the cores like `scaffold lint`, detecting nothing.

    python benchmarks/floor.py TREE [--runs 5]

Each process walks the whole tree (sorted listings, `node_modules` skipped) and reads every
n-th file in one read(2), then asks the compiled prefilter whether any trigger occurs. It
prints the median wall time of --runs runs and the files read. The gap between this and
`scaffold lint` is the detection work and the bookkeeping; the gap between this and ripgrep is
what the Python per-file loop itself costs (see README, "Targets from the issues").
"""

from __future__ import annotations

import argparse
import operator
import os
import statistics
import sys
import time

from generator.lint import registry
from generator.lint.blob import NATIVE_MIN_BLOBS, Options, Scanner

_NAME = operator.attrgetter("name")
_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


def _share(top: str, part: int, parts: int) -> int:
    gate = Scanner(registry.DEFAULT, Options())
    gate.expect(NATIVE_MIN_BLOBS)
    quiet = gate.quiet
    stack, seen, read = [top], 0, 0
    while stack:
        with os.scandir(stack.pop()) as it:
            entries = sorted(it, key=_NAME, reverse=True)
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                seen += 1
                if seen % parts != part:
                    continue
                fd = os.open(entry.path, _FLAGS)
                try:
                    data = os.read(fd, 1 << 16)
                finally:
                    os.close(fd)
                quiet(entry.path, entry.name, data)
                read += 1
            elif entry.is_dir(follow_symlinks=False) and entry.name != "node_modules":
                stack.append(entry.path)
    return read


def once(top: str, parts: int) -> tuple[float, int]:
    start = time.perf_counter()
    children = []
    for part in range(1, parts):
        pid = os.fork()
        if pid == 0:
            _share(top, part, parts)
            os._exit(0)
        children.append(pid)
    read = _share(top, 0, parts)
    for pid in children:
        os.waitpid(pid, 0)
    return time.perf_counter() - start, read * parts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("tree")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--parts", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)
    once(args.tree, args.parts)  # warm-up: page cache, compiled prefilter cache
    walls = [once(args.tree, args.parts) for _ in range(args.runs)]
    print(f"{args.tree}: median {statistics.median(w for w, _ in walls):.3f} s over "
          f"{args.runs} runs, ~{walls[0][1]} files, {args.parts} processes (walk, read, "
          "prefilter; no detection; imports not included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
