"""The console entry point. A plain `scaffold lint` invocation (the pre-commit hook's) runs
without importing Typer and click, which would cost a few-file run most of its time, and so
does a plain `scaffold new` (generator.newrun.parse_args); any other
command, `--help`, `--debug` or an option this parser does not know goes to `cli.main`, the
declared command line. tests/test_entry.py checks that both accept the same lint options and
answer alike."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

FLAGS = {"--staged": "staged", "--history": "history"}
VALUES = {"--format": "fmt", "--config": "config", "--since": "since", "--jobs": "jobs"}


def _formats() -> tuple[str, ...]:
    from generator.lint.report import REPORTERS  # light: no engine, no detectors

    return tuple(REPORTERS)


def parse_lint(args: list[str]) -> dict[str, Any] | None:
    """Keyword arguments of lintrun.run for `lint ...`, or None: let cli.main parse it."""
    if not args or args[0] != "lint":
        return None
    opts: dict[str, Any] = {"paths": []}
    rest = iter(args[1:])
    only_paths = False
    for arg in rest:
        if only_paths or not arg.startswith("-") or arg == "-":
            opts["paths"].append(Path(arg))
            continue
        if arg == "--":
            only_paths = True
            continue
        name, eq, value = arg.partition("=")
        if name in FLAGS and not eq:
            opts[FLAGS[name]] = True
        elif name in VALUES:
            if not eq:
                following = next(rest, None)
                if following is None:
                    return None
                value = following
            if name == "--format" and value not in _formats():
                return None  # the declared command line says what the choices are
            if name == "--jobs":
                if not value.isdigit():
                    return None  # the declared command line explains the range
                opts["jobs"] = int(value)
                continue
            opts[VALUES[name]] = Path(value) if name == "--config" else value
        else:
            return None
    return opts


def main(argv: list[str] | None = None) -> int:
    """Run scaffold with `argv` (default: sys.argv[1:]); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["new"]:
        return _new(args[1:])
    opts = parse_lint(args)
    if opts is None:
        from generator.cli import main as full

        return full(args)
    from generator.lintrun import run

    try:
        return run(**opts)
    except (Exception, KeyboardInterrupt) as exc:  # rare: pay for the CLI's table only now
        from generator.cli import exit_code

        return exit_code(exc)


def console() -> None:
    """The `scaffold` console script: `main`, then, for `lint`, an exit without the
    interpreter's teardown, and no cyclic garbage collection before it. Freeing every object
    of a large scan one by one costs more than a tenth of a small scan (20-30 ms on a
    28,000-file tree): the report is written and flushed by then, and a lint run leaves
    nothing to close (no temporary file, no atexit handler of its own). Peak memory is
    unchanged (a 3,000-commit --history scan: 38.7 MB either way). Any other command exits
    normally."""
    args = sys.argv[1:]
    if args[:1] != ["lint"]:
        sys.exit(main(args))
    # No cyclic GC either: what a lint run allocates makes no reference cycles worth
    # collecting (a tree walk always ran without it), and collection passes over the
    # imported modules and, after a split, over memory shared with the forked processes
    # would only cost time (~15 ms on a large tree).
    gc.disable()
    code = main(args)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken stdout: as the interpreter would end
        sys.exit(code)
    os._exit(code)


def _new(args: list[str]) -> int:
    """`scaffold new ARGS` without Typer and click when newrun.parse_args knows every argument."""
    from generator.newrun import parse_args, run

    opts = parse_args(args)
    if opts is None:
        from generator.cli import main as full

        return full(["new", *args])
    try:
        run(**opts)
    except (Exception, KeyboardInterrupt) as exc:
        from generator.cli import exit_code

        return exit_code(exc)
    return 0
