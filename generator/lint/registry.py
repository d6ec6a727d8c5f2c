"""DETECTORS: the explicit, ordered tuple of detector modules the engine runs."""

from __future__ import annotations

from generator.lint import container, credentials, encoded, jwk, pem, sfdx
from generator.lint.base import Detector
from generator.lint.finding import Rule

DETECTORS: tuple[Detector, ...] = (pem, encoded, container, jwk, sfdx, credentials)


def all_rules() -> tuple[Rule, ...]:
    """Every rule id scaffold lint can report: detectors, archive reading and the engine."""
    from generator.lint import archive, engine

    rules: dict[str, Rule] = {}
    for rule in (*(r for d in DETECTORS for r in d.RULES), *archive.RULES, *engine.RULES):
        if rule.id in rules and rules[rule.id] != rule:
            raise ValueError(f"rule id {rule.id} is defined twice")
        rules[rule.id] = rule
    return tuple(rules.values())
