"""No page answers a bad query parameter with a server error: every product URL, with garbage in every
parameter any page reads, is a page, a redirect, a 400 with a message, a 403 or a 404."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

GARBAGE = {
    name: value
    for name in ("page", "from", "to", "year", "quarter", "month", "area", "sort", "outcome", "paper", "period",
                 "version", "format", "q", "go", "policy", "categories", "as_of", "first", "last", "enrolled")
    for value in ["abc'\"<>%00\u202e" if name != "format" else "xlsx"]
}


def product_paths(resolver=None, prefix=""):
    """Every URL of the product's own pages (not the admin), numbers standing in for their arguments."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not route.startswith("admin/"):
                yield from product_paths(entry, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route.replace("<int:pk>", "1").replace("<int:person_pk>", "1").replace("<int:batch_id>", "1")


@pytest.mark.parametrize("path", sorted(set(product_paths())))
def test_garbage_in_the_query_string_never_breaks_a_page(client, county_admin, person_a, path, media):
    client.force_login(county_admin)
    client.raise_request_exception = False
    response = client.get(f"{path}?{urlencode(GARBAGE)}")
    assert response.status_code in (200, 302, 400, 403, 404, 405), (path, response.status_code)
