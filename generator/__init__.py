"""scaffold: bring-your-own-credentials JWT bearer projects for Salesforce, and a key linter."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__`, looked up only when asked for (importlib.metadata costs start-up time)."""
    if name != "__version__":
        raise AttributeError(f"module 'generator' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scaffold-sf")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "0.0.0"
