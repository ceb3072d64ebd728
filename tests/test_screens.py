"""tools/screens.py without a browser: every page it photographs exists and docs/screens/README.md lists every
shot (the tool itself runs by hand: it takes minutes)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import NoReverseMatch, reverse

from tools import screens

# What build_demo returns, with made-up keys.
REFS = {"person": 1, "claim": 2, "policy": 3, "batch": 4, "health_person": 5, "child": 6, "project": 7,
        "year": 2026, "quarter": "2026Q4", "admitted": datetime.date(2026, 11, 24),
        "discharged": datetime.date(2026, 11, 30)}


@pytest.mark.parametrize("shot", screens.SHOTS, ids=lambda shot: shot.name)
def test_every_shot_names_a_page_of_the_product(shot):
    try:
        url = screens.shot_url(shot, REFS)
    except NoReverseMatch as exc:
        pytest.fail(f"{shot.name}: {exc}")
    assert url.startswith(reverse(shot.url_name, args=[REFS[key] for key in shot.args]))
    assert "{" not in url  # every placeholder of the query filled


def test_shot_names_are_unique_and_the_readme_lists_them_as_the_tool_writes_it():
    names = [shot.name for shot in screens.SHOTS]
    assert len(set(names)) == len(names)
    assert (screens.OUT / "README.md").read_text(encoding="utf-8") == screens.readme()
    assert all(f"[{name}.png]({name}.png)" in screens.readme() for name in names)
