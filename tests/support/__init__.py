"""What the tests share besides fixtures: fakes of the platforms, running servers, a browser, FAQ files.

`ROOT` is the repository; `SHARED` the read-only shared/ folder beside it (or $MINGBAI_SHARED).
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MINGBAI_SHARED", ROOT.parent / "shared"))
