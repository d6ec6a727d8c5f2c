from __future__ import annotations

from generator.entry import console

console()
