from tests.claims.conftest import covered, hospital, load_vector_policy, settle  # noqa: F401  (fixtures)
