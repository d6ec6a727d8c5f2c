"""The thin command line: parse options, call the library, choose the exit code."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer

from generator.errors import ScaffoldError, SpecError, TemplateBug
from generator.spec import (
    FIELDS,
    Field,
    ProjectSpec,
    build_spec,
    default_answers,
    load_answers,
)

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="scaffold",
    help="Salesforce JWT bearer projects where every subscriber brings its own credentials, "
    "and a linter that proves no private key ships.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


@functools.cache
def _console(stderr: bool) -> Console:
    """rich consoles, created on first use: importing rich costs a tenth of `new`'s run time."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


_HELP = {f.key: f.help for f in FIELDS}


def _answer(key: str) -> Any:
    """The typer option for one answer, with the help text kept in spec.FIELDS."""
    return typer.Option(help=_HELP[key], show_default=False)


def _version(value: bool) -> None:
    if value:
        from generator import __version__

        print(f"scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """scaffold: bring-your-own-credentials JWT bearer projects for Salesforce."""


def _collect_answers(given: dict[str, str], answers_file: Path | None, interactive: bool
                     ) -> dict[str, str]:
    answers = load_answers(answers_file) if answers_file else {}
    answers.update(given)
    if interactive and answers_file is None:
        for field in FIELDS:
            if field.key not in answers:
                answers[field.key] = _prompt(field, answers)
    return answers


def _prompt(field: Field, answers: dict[str, str]) -> str:
    """Ask for one answer until it is valid (given the answers so far)."""
    default = default_answers(answers)[field.key]
    while True:
        value: str = typer.prompt(field.prompt, default=default, show_default=True)
        try:
            build_spec({**answers, field.key: value})
            return value
        except SpecError as exc:
            mine = [p for p in exc.problems if p.field == field.option]
            if not mine:  # the problem is in another answer; reported at the end
                return value
            for problem in mine:
                _console(True).print(f"  {problem.message} ({problem.fix})", markup=False,
                                     soft_wrap=True)


def _show_plan(target: Path, spec: ProjectSpec, files: dict[str, bytes]) -> None:
    from rich.markup import escape
    from rich.tree import Tree

    tree = Tree(f"[bold]{escape(str(target))}[/] (dry run: nothing written)")
    nodes: dict[str, Tree] = {}
    for rel in files:
        parts = rel.split("/")
        parent = tree
        for i, part in enumerate(parts[:-1]):
            key = "/".join(parts[: i + 1])
            if key not in nodes:
                nodes[key] = parent.add(f"{part}/")
            parent = nodes[key]
        parent.add(f"{parts[-1]} [dim]({len(files[rel])} bytes)[/]")
    _console(False).print(tree)
    _console(False).print(f"{len(files)} files, ECA mode {spec.eca.value}")


@app.command()
def new(
    directory: Annotated[Path | None, typer.Argument(
        help="Where to create the project (default: the kebab-case app name).")] = None,
    app_label: Annotated[str | None, _answer("app_label")] = None,
    app_name: Annotated[str | None, _answer("app_name")] = None,
    description: Annotated[str | None, _answer("description")] = None,
    namespace: Annotated[str | None, _answer("namespace")] = None,
    package_name: Annotated[str | None, _answer("package_name")] = None,
    api_version: Annotated[str | None, _answer("api_version")] = None,
    contact_email: Annotated[str | None, _answer("contact_email")] = None,
    setting_name: Annotated[str | None, _answer("setting_name")] = None,
    login_url: Annotated[str | None, _answer("login_url")] = None,
    oauth_scopes: Annotated[str | None, _answer("oauth_scopes")] = None,
    eca: Annotated[str | None, _answer("eca")] = None,
    answers: Annotated[Path | None, typer.Option(
        help="TOML file with every answer (see scaffold.toml in a generated project).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite files in a non-empty directory.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Show the tree; write nothing.")] = False,
    interactive: Annotated[bool | None, typer.Option(
        "--interactive/--no-interactive", show_default=False,
        help="Prompt for answers not given as options [default: only on a terminal, "
        "never with --answers].")] = None,
) -> None:
    """Create a Salesforce DX project for a bring-your-own-credentials JWT integration."""
    given = {k: v for k, v in {
        "app_label": app_label, "app_name": app_name, "description": description,
        "namespace": namespace, "package_name": package_name, "api_version": api_version,
        "contact_email": contact_email, "setting_name": setting_name, "login_url": login_url,
        "oauth_scopes": oauth_scopes, "eca": eca,
    }.items() if v is not None}
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    from generator.render import plan, render, write_tree  # jinja2 and lxml: only for `new`

    spec = build_spec(_collect_answers(given, answers, interactive))
    target = directory if directory is not None else Path(spec.names.project)
    files = render(spec, plan(spec))
    if dry_run:
        _show_plan(target, spec, files)
        return
    write_tree(target, files, force=force)
    # Plain text: this line must not pay for importing rich.
    sys.stderr.write(f"Created {target} ({len(files)} files). Next: read {target}/README.md "
                     f"and {target}/docs/SUBSCRIBER-SETUP.md\n")


@app.command()
def lint(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or directories to scan (default: the current project).",
        show_default=False)] = None,
    staged: Annotated[bool, typer.Option(
        help="Scan the git index (what the next commit contains), not the working tree.")
    ] = False,
    fmt: Annotated[str, typer.Option(
        "--format", help="Report format: text, json, sarif or github.")] = "text",
    config: Annotated[Path | None, typer.Option(
        help="Allowlist file (default: .scaffold-lint.toml in the project root).",
        show_default=False)] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", min=0, help="Worker processes: 0 automatic (a pool for large trees), "
        "1 serial, N at most N.")] = 0,
) -> None:
    """Prove the project holds no private key material (0 clean, 1 findings, 2 unreadable)."""
    from generator.errors import LintUsageError
    from generator.lint.engine import Options, scan
    from generator.lint.project import find_root
    from generator.lint.report import REPORTERS

    if fmt not in REPORTERS:
        raise LintUsageError(f"--format {fmt!r}: choose one of {', '.join(REPORTERS)}")
    cwd = Path.cwd()
    result = scan(paths or [], find_root(cwd) or cwd, staged=staged, config=config,
                  opts=Options(jobs=jobs))
    for note in result.notes:
        _console(True).print("[yellow]note:[/] ", end="")
        _console(True).print(note, markup=False)
    REPORTERS[fmt](result, sys.stdout)
    sys.stdout.flush()
    if result.incomplete:  # unreadable input or a failed detector: never a pass
        raise typer.Exit(2)
    if result.findings:
        raise typer.Exit(1)


def _report_error(exc: ScaffoldError) -> None:
    if isinstance(exc, SpecError):
        _console(True).print(f"[red]error:[/] {len(exc.problems)} problem(s) in the answers:")
        for problem in exc.problems:
            _console(True).print(f"  {problem}", markup=False, soft_wrap=True)
    else:
        _console(True).print("[red]error:[/] ", end="")
        _console(True).print(str(exc), markup=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps errors to exit codes (2 user error, 3 bug, 130 interrupt)."""
    raw = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in raw
    args = [a for a in raw if a != "--debug"]
    try:
        code = app(args=args, prog_name="scaffold", standalone_mode=False)
        if code == 130:  # typer turns KeyboardInterrupt into Exit(130), returned here
            _console(True).print("interrupted")
        if isinstance(code, int) and code:  # typer.Exit(n) is returned, not raised, here
            sys.exit(code)
    except click.exceptions.Abort:
        _console(True).print("interrupted")
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors from the option parser: exit 2
        exc.show()
        sys.exit(exc.exit_code)
    except ScaffoldError as exc:
        _report_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _console(True).print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except TemplateBug as exc:
        if debug:
            raise
        _console(True).print("[red]bug:[/] ", end="")
        _console(True).print(f"{exc} (rerun with --debug for details)", markup=False)
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the one place bugs become exit code 3
        if debug:
            raise
        _console(True).print(f"[red]bug:[/] {type(exc).__name__} (rerun with --debug for details)")
        sys.exit(3)
