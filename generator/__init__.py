"""scaffold: bring-your-own-credentials JWT bearer projects for Salesforce, and a key linter."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scaffold-sf")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
