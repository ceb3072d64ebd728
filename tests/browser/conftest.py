"""Browser tests: the browser fixtures live in tests/browser_support.py, shared with other browser tests;
the claim fixtures (vector policy, hospitals, coverage) are the ones of tests/claims/conftest.py."""

import importlib.util
from pathlib import Path

from browser_support import browser_page  # noqa: F401


def _claims_fixtures():
    # tests/claims is no package (and "claims" is the app's name), so load its conftest by path.
    path = Path(__file__).resolve().parent.parent / "claims" / "conftest.py"
    spec = importlib.util.spec_from_file_location("tests_claims_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_claims = _claims_fixtures()
load_vector_policy, hospital, covered, settle = (_claims.load_vector_policy, _claims.hospital, _claims.covered,
                                             _claims.settle)
