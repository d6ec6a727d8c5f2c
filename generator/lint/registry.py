"""DETECTORS: the explicit, ordered tuple of detectors the engine runs; RULES and DEFAULT (the
registry a scan runs unless given another) are derived from it, once, at import."""

from __future__ import annotations

from collections.abc import Mapping

from generator.lint import archive, result, ruleset
from generator.lint.base import Detector
from generator.lint.detectors import container, credentials, encoded, jwk, pem, sfdx
from generator.lint.finding import Rule

DETECTORS: tuple[Detector, ...] = (pem, encoded, container, jwk, sfdx, credentials)
ENGINE_RULES: tuple[Rule, ...] = (*archive.RULES, *result.RULES)  # not from a detector

DEFAULT: ruleset.Registry = ruleset.build(DETECTORS, ENGINE_RULES)
RULES: Mapping[str, Rule] = DEFAULT.rules  # every rule id scaffold lint can report


def build(detectors: tuple[Detector, ...]) -> ruleset.Registry:
    """A registry of other detectors plus the engine's own rules (tests, plugins)."""
    return ruleset.build(detectors, ENGINE_RULES)


def all_rules() -> tuple[Rule, ...]:
    """Every rule scaffold lint can report: detectors, archive reading and the engine."""
    return tuple(RULES.values())
