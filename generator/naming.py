"""Pure Salesforce identifier checks and case conversions."""

from __future__ import annotations

import re

# fullmatch, not match with "$": "$" also matches before a trailing newline.
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,14}")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def api_name_problem(value: str, max_length: int) -> str | None:
    """Why `value` is not a Salesforce API (developer) name, or None when it is one.

    Salesforce's rules: starts with a letter, only letters, digits and underscores,
    no two consecutive underscores, does not end with an underscore, at most `max_length`.
    """
    if not value:
        return "is empty"
    if len(value) > max_length:
        return f"is {len(value)} characters long; the limit is {max_length}"
    if not value[0].isascii() or not value[0].isalpha():
        return "must start with a letter"
    if not _API_NAME.fullmatch(value):
        return "may contain only letters, digits and underscores"
    if "__" in value:
        return "must not contain two consecutive underscores"
    if value.endswith("_"):
        return "must not end with an underscore"
    return None


def namespace_problem(value: str) -> str | None:
    """Why `value` is not a namespace prefix (1-15 alphanumerics, starting with a letter)."""
    if value == "":
        return None
    if not _NAMESPACE.fullmatch(value):
        return "must be 1 to 15 letters and digits, starting with a letter"
    return None


def label_to_api_name(label: str) -> str:
    """'Acme Integration (EU)' -> 'Acme_Integration_EU'; '' when nothing usable remains."""
    name = _NON_ALNUM.sub("_", label.encode("ascii", "ignore").decode()).strip("_")
    while name and not name[0].isalpha():
        name = name[1:].lstrip("_")
    return name


def to_pascal(api_name: str) -> str:
    """'Acme_Integration' -> 'AcmeIntegration'. Idempotent on PascalCase input."""
    return "".join(part[:1].upper() + part[1:] for part in api_name.split("_") if part)


def to_camel(api_name: str) -> str:
    """'Acme_Integration' -> 'acmeIntegration' (LWC bundle names start lower case)."""
    pascal = to_pascal(api_name)
    return pascal[:1].lower() + pascal[1:]


def to_kebab(api_name: str) -> str:
    """'Acme_Integration' -> 'acme-integration' (npm and sfdx-project names)."""
    return "-".join(part.lower() for part in api_name.split("_") if part)
