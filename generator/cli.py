"""The thin command line: parse options, call the library, map errors to exit codes.

`main(argv) -> int` is the only entry point; `_EXIT_CODES` is the one table from error type to
exit code. The options of `scaffold new` are derived from generator.new.answers.ANSWERS; its
body is generator.newrun.run (which entry.py's fast path also calls, without Typer).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer

from generator.errors import ScaffoldError, SpecError, TemplateBug
from generator.new.answers import ANSWERS

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="scaffold",
    help="Salesforce JWT bearer projects where every subscriber brings its own credentials, "
    "and a linter that proves no private key ships.",
    add_completion=False,
    no_args_is_help=False,  # main() turns a bare `scaffold` into `scaffold --help` (exit 0)
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


@dataclass(slots=True)
class _Run:
    """State of one main() call that the error table needs."""

    debug: bool = False


_RUN = _Run()


@functools.cache
def _console(stderr: bool) -> Console:
    """rich consoles, created on first use: importing rich costs a tenth of `new`'s run time."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _say(text: str) -> None:
    """One plain diagnostic line on stderr (no rich: `new` must not pay for importing it)."""
    sys.stderr.write(text + "\n")


def _version(value: bool) -> None:
    if value:
        from generator import __version__

        print(f"scaffold {__version__}")
        raise typer.Exit()


def _set_debug(value: bool) -> None:
    _RUN.debug = _RUN.debug or value


_Debug = Annotated[bool, typer.Option(
    "--debug", callback=_set_debug,
    help="On a bug, show the full traceback instead of one line.")]


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
    debug: _Debug = False,
) -> None:
    """scaffold: bring-your-own-credentials JWT bearer projects for Salesforce."""


# --- scaffold new ------------------------------------------------------------------------------


def _with_answer_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command` one keyword option per answer (after DIRECTORY), derived from ANSWERS."""
    signature = inspect.signature(command, eval_str=True)
    params = list(signature.parameters.values())
    options = [inspect.Parameter(
        a.key, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
        annotation=Annotated[str | None, typer.Option(
            a.option, help=a.help, show_default=a.shown_default(),
            metavar=f"[{'|'.join(a.choices)}]" if a.choices else "TEXT")],
    ) for a in ANSWERS]
    params = [params[0], *options, *(p for p in params[1:] if p.kind is not p.VAR_KEYWORD)]
    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command


@app.command()
@_with_answer_options
def new(
    directory: Annotated[Path | None, typer.Argument(
        help="Where to create the project.", show_default="the kebab-case app name")] = None,
    answers: Annotated[Path | None, typer.Option(
        help="TOML file with the answers (see scaffold.toml in a generated project).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(
        help="Overwrite generated files in a non-empty directory.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Show the tree; write nothing.")] = False,
    interactive: Annotated[bool | None, typer.Option(
        "--interactive/--no-interactive",
        show_default="only on a terminal, never with --answers",
        help="Prompt for the answers not given as options.")] = None,
    debug: _Debug = False,
    **given: str | None,
) -> None:
    """Create a Salesforce DX project for a bring-your-own-credentials JWT integration."""
    from generator.newrun import run

    run(directory, given, answers=answers, force=force, dry_run=dry_run, interactive=interactive)


# --- scaffold update ---------------------------------------------------------------------------


@app.command()
def update(
    directory: Annotated[Path, typer.Argument(
        help="The project to update (it holds scaffold.toml).",
        show_default="the current directory")] = Path(),
    sets: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE", show_default=False,
        help="Change an answer (repeatable); KEY as in scaffold.toml.")] = None,
    dry_run: Annotated[bool, typer.Option(
        help="Print the diff and the conflicts; write nothing.")] = False,
    allow_dirty: Annotated[bool, typer.Option(
        help="Update even with uncommitted changes in the project.")] = False,
    debug: _Debug = False,
) -> None:
    """Merge template changes and changed answers into a project, keeping your edits.

    Exit 1: conflicts to resolve (listed at the end).
    Exit 2: a bad answer, no git repository or uncommitted changes (nothing written)."""
    from generator.new.update import apply_update, parse_sets, plan_update, summary, unified_diff

    planned = plan_update(directory, parse_sets(sets or []), allow_dirty=allow_dirty)
    if dry_run:
        sys.stdout.write(unified_diff(planned))
        sys.stdout.flush()
    else:
        apply_update(planned)
    for line in summary(planned, dry_run=dry_run):
        _say(line)
    if planned.conflicts:
        raise typer.Exit(1)


# --- scaffold lint -----------------------------------------------------------------------------


class _FormatChoice(click.ParamType):  # type: ignore[type-arg]
    """--format's choices: the keys of generator.lint.report.REPORTERS, looked up only when needed
    (help or a run of lint), so `scaffold new` never imports the reporters."""

    name = "choice"

    @staticmethod
    def choices() -> tuple[str, ...]:
        from generator.lint.report import REPORTERS  # light: no engine, no detectors

        return tuple(REPORTERS)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return f"[{'|'.join(self.choices())}]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        if value not in self.choices():
            self.fail(f"{value!r}: choose one of {', '.join(self.choices())}", param, ctx)
        return value


@app.command()
def lint(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or directories to scan. With --history: the repository directory (default: "
             "the current one), then any REV-RANGE.",
        show_default="the current project: the nearest directory holding sfdx-project.json, "
        "else the working directory")] = None,
    staged: Annotated[bool, typer.Option(
        help="Scan the git index (what the next commit contains), not the working tree.")
    ] = False,
    history: Annotated[bool, typer.Option(
        help="Scan every blob of the git history (all branches and tags, or the REV-RANGE "
             "given after the repository directory), each once.")] = False,
    since: Annotated[str | None, typer.Option(
        help="With --history: only what commits after REV added.", metavar="REV",
        show_default=False)] = None,
    fmt: Annotated[str, typer.Option(
        "--format", click_type=_FormatChoice(), help="Report format.")] = "text",
    config: Annotated[Path | None, typer.Option(
        help="Allowlist file (default: .scaffold-lint.toml in the project root).",
        show_default=False)] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", min=0, help="Processes: 0 automatic (one per core once a walk is large), "
        "1 serial, N exactly N.")] = 0,
    debug: _Debug = False,
) -> None:
    """Prove the project holds no private key material (0 clean, 1 findings, 2 unreadable)."""
    from generator.lintrun import run

    code = run(paths or [], staged=staged, history=history, since=since, fmt=fmt,
               config=config, jobs=jobs)
    if code:
        raise typer.Exit(code)


# --- errors -> exit codes ----------------------------------------------------------------------


def _show_usage(exc: BaseException) -> None:
    assert isinstance(exc, click.ClickException)  # noqa: S101 - the table's row guarantees it
    exc.show()


def _show_interrupt(exc: BaseException) -> None:
    _say("interrupted")


def _show_user_error(exc: BaseException) -> None:
    if isinstance(exc, SpecError):
        _console(True).print(f"[red]error:[/] {len(exc.problems)} problem(s) in the answers:")
        for problem in exc.problems:
            _console(True).print(f"  {problem}", markup=False, soft_wrap=True)
    else:
        _console(True).print("[red]error:[/] ", end="")
        _console(True).print(str(exc), markup=False, soft_wrap=True)


def _show_bug(exc: BaseException) -> None:
    if _RUN.debug:
        raise exc
    what = str(exc) if isinstance(exc, TemplateBug) else type(exc).__name__  # no internals
    _console(True).print("[red]bug:[/] ", end="")
    _console(True).print(f"{what} (rerun with --debug for details)", markup=False)


def _show_nothing(exc: BaseException) -> None:
    """--help, --version and typer.Exit(n) (lint's 1 and 2) have said what they had to."""


# The one map from what went wrong to the exit code; first match wins. None: the code the
# exception carries (click's Exit). EOF at a prompt is EndOfInput, a ScaffoldError.
_EXIT_CODES: tuple[tuple[type[BaseException], int | None, Callable[[BaseException], None]],
                   ...] = (
    (click.exceptions.Exit, None, _show_nothing),
    (click.exceptions.Abort, 130, _show_interrupt),
    (KeyboardInterrupt, 130, _show_interrupt),
    (click.ClickException, 2, _show_usage),  # bad option or argument
    (ScaffoldError, 2, _show_user_error),  # bad answers, target or file; EndOfInput
    (BrokenPipeError, 1, _show_nothing),  # the reader of stdout went away
    (Exception, 3, _show_bug),  # TemplateBug and any other bug
)


def exit_code(exc: BaseException) -> int:
    """Say what went wrong (on stderr) and return its exit code: the one table, also for the
    fast lint path in entry.py."""
    return _exit_code(exc)


def _exit_code(exc: BaseException) -> int:
    for kind, code, show in _EXIT_CODES:
        if isinstance(exc, kind):
            show(exc)
            if code is None:
                return int(getattr(exc, "exit_code", 0))
            return code
    raise exc  # pragma: no cover - Exception is the table's last row


def main(argv: list[str] | None = None) -> int:
    """Run scaffold with `argv` (default: sys.argv[1:]); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv) or ["--help"]
    _RUN.debug = False
    command = typer.main.get_command(app)
    try:
        # click's own main() would turn interrupts and EOF into its exit codes; the table does.
        with command.make_context("scaffold", args) as ctx:
            command.invoke(ctx)
    except (Exception, KeyboardInterrupt) as exc:
        return _exit_code(exc)
    return 0
