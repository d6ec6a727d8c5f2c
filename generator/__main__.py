from __future__ import annotations

from generator.entry import main

main()
