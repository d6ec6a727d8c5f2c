"""scaffold: bring-your-own-credentials JWT bearer projects for Salesforce, and a key linter.

`__version__` is declared here once; pyproject.toml reads it (hatch `[tool.hatch.version]`).
A constant rather than a package-metadata lookup: scaffold.toml records it on every `new`, and
importing importlib.metadata would cost `new` tens of milliseconds.
"""

from __future__ import annotations

__version__ = "0.1.0"
