from __future__ import annotations

import sys

from generator.entry import main

sys.exit(main())
