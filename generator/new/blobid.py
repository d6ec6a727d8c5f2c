"""The git blob id of bytes, which scaffold.toml's manifest records for every generated file.
Its own module so that `scaffold new` does not import `merge` (update's three-way merge)."""

from __future__ import annotations

import hashlib


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (what `git hash-object` prints)."""
    header = b"blob %d\0" % len(data)
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()
