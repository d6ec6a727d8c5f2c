"""Three-way merge of JSON project files (sfdx-project.json, package.json), key by key.

The sf CLI and npm rewrite these files (packageAliases, versions, scripts, dependencies), so a
line merge would conflict on every update. Per key, with base / ours (the project) / theirs
(the new render):

- same on both sides, or changed on one side only: that side's value (a key removed on one
  side and untouched on the other is removed);
- objects changed on both sides: merged key by key; arrays of objects of the same length on
  all three sides: merged element by element; any other value (strings, numbers, other
  arrays) is one value;
- changed differently on both sides: a conflict. JSON cannot hold conflict markers, so the
  project's value is kept and the conflict is listed (`path: kept yours ...; scaffold writes
  ...`) for the user to resolve by hand.

Key order is the project's; a key only the new render has goes after the key it follows there.
The result is written as the templates write JSON (UTF-8, final newline) with the project
file's indent unit (2 spaces in what scaffold writes). When the result equals one side exactly,
that side's bytes are returned unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Final

from generator.new.merge import Merged

_MISSING: Final = object()
_INDENT = re.compile(rb"\n([ \t]+)[^ \t\r\n]")
_Json = object  # any value json.loads returns


def _load(data: bytes) -> dict[str, _Json] | None:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def dump(value: _Json, indent: str = "  ") -> bytes:
    """JSON as the templates write it: 2-space indent (or `indent`), non-ASCII kept, final
    newline."""
    return (json.dumps(value, indent=indent, ensure_ascii=False) + "\n").encode("utf-8")


def _indent(data: bytes) -> str:
    """The indent unit of a JSON file (its first indented line), else 2 spaces."""
    match = _INDENT.search(data)
    return match.group(1).decode() if match else "  "


def merge_json(base: bytes | None, ours: bytes, theirs: bytes) -> Merged | None:
    """Merge three versions of a JSON object file; None when ours or theirs is not a JSON
    object (the caller then merges lines). An unreadable or unknown base counts as {}."""
    o, t = _load(ours), _load(theirs)
    if o is None or t is None:
        return None
    b = _load(base) if base is not None else None
    conflicts: list[str] = []
    result = _merge_objects(b if b is not None else {}, o, t, "", conflicts)
    if result == o:
        data = ours
    elif result == t and not conflicts:
        data = theirs
    else:
        data = dump(result, _indent(ours))
    return Merged(data, tuple(conflicts))


def _merge_value(b: _Json, o: _Json, t: _Json, where: str, conflicts: list[str]) -> _Json:
    """The merged value at `where` (_MISSING: the key is absent from the result)."""
    if o == t:
        return o
    if b == o:
        return t
    if b == t:
        return o
    if isinstance(o, dict) and isinstance(t, dict):
        return _merge_objects(b if isinstance(b, dict) else {}, o, t, where, conflicts)
    if _object_lists(b, o, t):
        assert isinstance(b, list) and isinstance(o, list) and isinstance(t, list)  # noqa: S101
        return [_merge_value(bi, oi, ti, f"{where}[{i}]", conflicts)
                for i, (bi, oi, ti) in enumerate(zip(b, o, t, strict=True))]
    conflicts.append(f"{where or '(top level)'}: kept yours ({_show(o)}); "
                     f"scaffold now writes {_show(t)}")
    return o


def _object_lists(b: _Json, o: _Json, t: _Json) -> bool:
    sides = (b, o, t)
    if not all(isinstance(s, list) for s in sides):
        return False
    lists = [s for s in sides if isinstance(s, list)]
    return len({len(s) for s in lists}) == 1 and all(
        isinstance(item, dict) for s in lists for item in s)


def _merge_objects(b: dict[str, _Json], o: dict[str, _Json], t: dict[str, _Json], where: str,
                   conflicts: list[str]) -> dict[str, _Json]:
    merged: dict[str, _Json] = {}
    for key in _key_order(o, t):
        value = _merge_value(b.get(key, _MISSING), o.get(key, _MISSING), t.get(key, _MISSING),
                             f"{where}.{key}" if where else key, conflicts)
        if value is not _MISSING:
            merged[key] = value
    return merged


def _key_order(o: dict[str, _Json], t: dict[str, _Json]) -> list[str]:
    """The project's keys in its order; each key only `t` has goes right after the key it
    follows in `t` (or first)."""
    order = list(o)
    previous: str | None = None
    for key in t:
        if key not in order:
            order.insert(order.index(previous) + 1 if previous is not None else 0, key)
        previous = key
    return order


def _show(value: _Json) -> str:
    if value is _MISSING:
        return "no such key"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
