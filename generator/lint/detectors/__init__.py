"""The detectors: one module each, listed in order in registry.DETECTORS."""
