"""Registry: the detectors a scan runs, their shared prefilter and the rule table, built once
and passed explicitly (no module caches to reset)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from generator.lint import prefilter
from generator.lint.base import Detector
from generator.lint.finding import Rule


class UnknownRuleError(KeyError):
    """A rule id that no registered rule declares: a bug, never a made-up rule."""


class Registry(NamedTuple):
    detectors: tuple[Detector, ...]
    rules: Mapping[str, Rule]  # every rule id a scan with these detectors can report
    gate: prefilter.Gate

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise UnknownRuleError(f"rule id {rule_id!r} is not registered") from None


def build(detectors: Sequence[Detector], extra: Iterable[Rule] = ()) -> Registry:
    """A registry of `detectors` (in order) plus the rules the engine itself reports."""
    rules: dict[str, Rule] = {}
    for rule in (*(r for d in detectors for r in d.RULES), *extra):
        if rule.id in rules and rules[rule.id] != rule:
            raise ValueError(f"rule id {rule.id} is defined twice")
        rules[rule.id] = rule
    return Registry(tuple(detectors), MappingProxyType(rules), prefilter.build(detectors))
