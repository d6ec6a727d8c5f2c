"""The thin command line: parse options, call the library, choose the exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.tree import Tree

from generator import __version__
from generator.errors import ScaffoldError, SpecError
from generator.render import plan, render, write_tree
from generator.spec import FIELDS, ProjectSpec, build_spec, default_answers, load_answers

app = typer.Typer(
    name="scaffold",
    help="Salesforce JWT bearer projects where every subscriber brings its own credentials, "
    "and a linter that proves no private key ships.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

_Opt = Annotated[str | None, typer.Option(show_default=False)]


def _version(value: bool) -> None:
    if value:
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
                default = default_answers(answers)[field.key]
                answers[field.key] = typer.prompt(field.prompt, default=default,
                                                  show_default=True)
    return answers


def _show_plan(target: Path, spec: ProjectSpec, files: dict[str, bytes]) -> None:
    tree = Tree(f"[bold]{target}[/] (dry run: nothing written)")
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
    out.print(tree)
    out.print(f"{len(files)} files, ECA mode {spec.eca.value}")


@app.command()
def new(
    directory: Annotated[Path | None, typer.Argument(
        help="Where to create the project (default: the kebab-case app name).")] = None,
    app_label: _Opt = None,
    app_name: _Opt = None,
    description: _Opt = None,
    namespace: _Opt = None,
    package_name: _Opt = None,
    api_version: _Opt = None,
    contact_email: _Opt = None,
    setting_name: _Opt = None,
    login_url: _Opt = None,
    oauth_scopes: _Opt = None,
    eca: Annotated[str | None, typer.Option(
        help="template: subscriber deploys its own ECA (default); packaged: ship it.",
        show_default=False)] = None,
    answers: Annotated[Path | None, typer.Option(
        help="TOML file with every answer (see scaffold.toml in a generated project).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite files in a non-empty directory.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Show the tree; write nothing.")] = False,
) -> None:
    """Create a Salesforce DX project for a bring-your-own-credentials JWT integration."""
    given = {k: v for k, v in {
        "app_label": app_label, "app_name": app_name, "description": description,
        "namespace": namespace, "package_name": package_name, "api_version": api_version,
        "contact_email": contact_email, "setting_name": setting_name, "login_url": login_url,
        "oauth_scopes": oauth_scopes, "eca": eca,
    }.items() if v is not None}
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    spec = build_spec(_collect_answers(given, answers, interactive))
    target = directory if directory is not None else Path(spec.names.project)
    files = render(spec, plan(spec))
    if dry_run:
        _show_plan(target, spec, files)
        return
    write_tree(target, files, force=force)
    err.print(f"[green]Created[/] {target} ({len(files)} files). Next: read "
              f"{target}/README.md and {target}/docs/SUBSCRIBER-SETUP.md")


def _report_error(exc: ScaffoldError) -> None:
    if isinstance(exc, SpecError):
        err.print(f"[red]error:[/] {len(exc.problems)} problem(s) in the answers:")
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
    else:
        err.print("[red]error:[/] ", end="")
        err.print(str(exc), markup=False)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps errors to exit codes (2 user error, 3 bug, 130 interrupt)."""
    raw = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in raw
    args = [a for a in raw if a != "--debug"]
    try:
        app(args=args, prog_name="scaffold", standalone_mode=False)
    except typer.Abort:
        err.print("interrupted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.exceptions.TyperException as exc:  # usage errors from the option parser
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        sys.exit(int(getattr(exc, "exit_code", 2)))
    except ScaffoldError as exc:
        _report_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the one place bugs become exit code 3
        if debug:
            raise
        err.print(f"[red]bug:[/] {type(exc).__name__} (rerun with --debug for details)")
        sys.exit(3)
