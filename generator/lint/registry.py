"""DETECTORS: the explicit, ordered tuple of detector modules the engine runs."""

from __future__ import annotations

from generator.lint.base import Detector

DETECTORS: tuple[Detector, ...] = ()
