from tests.claims.conftest import covered, hospital, settle  # noqa: F401  (fixtures)
