"""The body of `scaffold new`, free of Typer and click: `cli.new` (the declared command, its help
and option parsing) and `entry`'s fast path for plain `new` invocations both call `run`.
Importing Typer and click would cost `new` a third of its run time.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import EndOfInput, SpecError
from generator.new import answers as answer_rules
from generator.new.answers import ANSWERS, ANSWERS_FILE, Answer

if TYPE_CHECKING:
    from rich.console import Console

    from generator.new.overwrite import Overwrite
    from generator.new.spec import ProjectSpec


# The flags of cli.new, for parse_args (tests/test_cli.py checks them against the declared ones).
FLAGS = {"--force": ("force", True), "--no-force": ("force", False),
         "--dry-run": ("dry_run", True), "--no-dry-run": ("dry_run", False),
         "--interactive": ("interactive", True), "--no-interactive": ("interactive", False)}
PATH_OPTIONS = {"--answers": "answers"}


@functools.cache
def console() -> Console:
    """The stdout console for --dry-run's tree, created on first use (rich is slow to import)."""
    from rich.console import Console

    return Console(highlight=False)


def say(text: str) -> None:
    """One plain diagnostic line on stderr (no rich: `new` must not pay for importing it)."""
    sys.stderr.write(text + "\n")


def _ask(answer: Answer, default: str) -> str:
    """One prompt. End of input is a user error naming the prompt, not an interrupt."""
    shown = f" [{default}]" if default else ""
    try:
        value = input(f"{answer.prompt}{shown}: ")
    except EOFError:
        print(file=sys.stdout)
        raise EndOfInput(f"end of input at prompt {answer.key!r} ({answer.prompt}): nothing "
                         "was written; give the answers as options or with --answers FILE "
                         "to run without prompts") from None
    except KeyboardInterrupt:
        print(file=sys.stdout)  # so that "interrupted" starts a line of its own
        raise
    return value or default


def _prompt(answer: Answer, default: str) -> str:
    """Ask for one answer until it is valid."""
    while True:
        value = _ask(answer, default)
        mine = answer_rules.problems({answer.key: value})
        if not mine:
            return value
        for problem in mine:
            say(f"  {problem.message} ({problem.fix})")


def _collect(given: dict[str, str], answers_file: Path | None, existing: Mapping[str, str],
             interactive: bool) -> dict[str, str]:
    """The answers: the file (or the target's own scaffold.toml), options over it, then prompts
    for the rest. Everything given is checked before the first prompt."""
    answers = answer_rules.read_answers(answers_file) if answers_file else {}
    answers.update(given)
    problems = answer_rules.problems(answers)
    if problems:
        raise SpecError(problems)
    if not interactive or answers_file is not None:
        return {**existing, **answers}
    if sys.stdin.isatty():
        import readline  # noqa: F401 - line editing (arrow keys, history) for input()
    for answer in ANSWERS:
        if answer.key not in answers and len(answer.choices) != 1:  # one choice: nothing to ask
            default = existing.get(answer.key, answer_rules.resolve(answers)[answer.key])
            answers[answer.key] = _prompt(answer, default)
    return answers


def _existing_answers(target: Path | None, answers_file: Path | None, force: bool
                      ) -> dict[str, str]:
    """With --force and no --answers, a target's own scaffold.toml supplies the answers."""
    if target is None or answers_file is not None or not force \
            or not (target / ANSWERS_FILE).is_file():
        return {}
    existing = answer_rules.read_answers(target / ANSWERS_FILE)
    say(f"note: reusing the answers in {target / ANSWERS_FILE}. --force overwrites every "
        "generated file, including your edits to them; `scaffold update` merges instead and "
        f"keeps your edits (scaffold update {target} --set KEY=VALUE)")
    return existing


def _show_plan(target: Path, spec: ProjectSpec, files: Mapping[str, bytes],
               changes: Sequence[Overwrite]) -> None:
    """The tree --dry-run prints; over an existing project, what --force does to each file."""
    from rich.markup import escape
    from rich.tree import Tree

    change = {c.path: c.change.value for c in changes}
    tree = Tree(f"[bold]{escape(str(target))}[/] (dry run: nothing written)")
    nodes: dict[str, Tree] = {}
    for rel in sorted({*files, *change}):
        parts = rel.split("/")
        parent = tree
        for i, part in enumerate(parts[:-1]):
            key = "/".join(parts[: i + 1])
            if key not in nodes:
                nodes[key] = parent.add(f"{escape(part)}/")
            parent = nodes[key]
        size = f"{len(files[rel])} bytes" if rel in files else ""
        what = ", ".join(x for x in (size, change.get(rel, "")) if x)
        parent.add(f"{escape(parts[-1])} [dim]({escape(what)})[/]")
    console().print(tree)
    from generator.new.overwrite import Change

    counts = ", ".join(f"{n} {kind.value}" for kind in Change
                       if (n := sum(c.change is kind for c in changes)))
    console().print(f"{len(files)} files, ECA mode {spec.eca.value}"
                    + (f"; with --force: {counts}" if counts else ""))


def _report_losses(target: Path, changes: Sequence[Overwrite], dry_run: bool) -> None:
    """On stderr, last: the files --force replaced or deleted though you had edited them, and
    the generated files it deleted; and that `scaffold update` keeps edits."""
    if not changes:
        return
    from generator.new.overwrite import Change

    lost = [c for c in changes if c.change.loses_edits]
    deleted = [c for c in changes if c.change is Change.DELETED]
    parts = [f"{'would lose' if dry_run else 'lost'} {len(lost)} file(s) you edited since "
             "scaffold wrote them" if lost else "",
             f"{'would delete' if dry_run else 'deleted'} {len(deleted)} generated file(s) "
             "that the new render no longer writes" if deleted else ""]
    if not lost and not deleted:
        return
    say(f"warning: --force {', and '.join(p for p in parts if p)}:")
    for c in [*lost, *deleted]:
        say(f"  {c.change.value:<22} {target / c.path}")
    if lost:
        say(f"`scaffold update {target}` merges the new render into your edits and keeps "
            "them" + ("." if dry_run else "; if you had committed them, `git diff` shows what "
                      "--force undid and `git restore PATH` brings a file back."))


def _warnings(spec: ProjectSpec, defaults_without_a_terminal: bool) -> None:
    if defaults_without_a_terminal:
        say("note: stdin is not a terminal, so no questions were asked and the answers not "
            "given took their defaults (--interactive reads them from stdin)")
    if not spec.namespace:
        say("warning: no namespace: a managed 2GP package needs one before `sf package "
            "create`; set it with --namespace, or later in sfdx-project.json")


def run(directory: Path | None, given: Mapping[str, str | None], *,
        answers: Path | None = None, force: bool = False, dry_run: bool = False,
        interactive: bool | None = None) -> None:
    """Collect and check the answers, render, then write the project (or show the plan)."""
    from generator.new.write import check_target  # pathlib only; render loads jinja2

    if directory is not None:
        check_target(directory, force=force)
    existing = _existing_answers(directory, answers, force)
    no_terminal = interactive is None and not sys.stdin.isatty()
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    values = {k: v for k, v in given.items() if v is not None}
    collected = _collect(values, answers, existing, interactive)

    from generator.new.render import plan, render
    from generator.new.spec import build_spec
    from generator.new.write import write_tree

    spec = build_spec(collected)
    target = directory if directory is not None else Path(spec.names.project)
    overwrite = check_target(target, force=force)
    files = render(spec, plan(spec))
    changes: Sequence[Overwrite] = ()
    if overwrite:  # before anything is written: what --force does to each file
        from generator.new.overwrite import plan_overwrite

        changes = plan_overwrite(target, files)
    if dry_run:
        _show_plan(target, spec, files, changes)
    else:
        write_tree(target, files, force=force)
        say(f"Created {target} ({len(files)} files). Next: read {target}/README.md and "
            f"{target}/docs/SUBSCRIBER-SETUP.md")
    _warnings(spec, no_terminal and answers is None and len(collected) < len(ANSWERS))
    _report_losses(target, changes, dry_run)


def _value(eq: str, value: str, rest: Iterator[str]) -> str | None:
    if eq:
        return value
    following = next(rest, None)
    return None if following is None or following.startswith("-") else following


def parse_args(args: Sequence[str]) -> dict[str, Any] | None:
    """Keyword arguments of `run` for `scaffold new ARGS` when this parser knows every argument
    as cli.new declares it; else None, and cli.main parses them (--help, --debug, mistakes)."""
    answer_keys = {a.option: a.key for a in ANSWERS}
    opts: dict[str, Any] = {"directory": None, "given": {}}
    seen: set[str] = set()
    rest = iter(args)
    only_paths = False
    for arg in rest:
        if only_paths or not arg.startswith("-"):
            if opts["directory"] is not None or not arg:
                return None
            opts["directory"] = Path(arg)
            continue
        if arg == "--":
            only_paths = True
            continue
        name, eq, value = arg.partition("=")
        dest = FLAGS[name][0] if name in FLAGS else answer_keys.get(name, PATH_OPTIONS.get(name))
        if dest is None or dest in seen or (name in FLAGS and eq):
            return None
        seen.add(dest)
        if name in FLAGS:
            opts[dest] = FLAGS[name][1]
            continue
        given = _value(eq, value, rest)
        if given is None or (name in PATH_OPTIONS and not given):
            return None
        if name in PATH_OPTIONS:
            opts[dest] = Path(given)
        else:
            opts["given"][dest] = given
    return opts
