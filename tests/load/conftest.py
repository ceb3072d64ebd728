"""The load test's short form starts the production server with tests/serving/test_serve.py's helpers. That
folder is on ``sys.path`` only once pytest has collected it (its tests import ``log_lines`` from it), which comes
after this one: put it there first."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serving"))
