"""``/api/v1/``: one module per resource; the description (OpenAPI 3), its Chinese page and Swagger UI."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from api import alerts, docs, ledger, people, rosters, settlements


def endpoint(view):
    """Partners hold keys, not sessions: the site's sign-in requirement does not apply (the key does)."""
    return login_not_required(view.as_view())


app_name = "api"
urlpatterns = [
    path("people/", endpoint(people.PeopleChanged), name="people_changed"),
    path("people/<str:id_number>/", endpoint(people.PersonLookup), name="person"),
    path("settlements/", endpoint(settlements.SettlementPush), name="settlements"),
    path("rosters/", endpoint(rosters.RosterPush), name="rosters"),
    path("rosters/<str:batch_id>/", endpoint(rosters.RosterBatchDetail), name="roster"),
    path("rosters/<str:batch_id>/apply/", endpoint(rosters.RosterBatchApply), name="roster_apply"),
    path("ledger/", endpoint(ledger.LedgerRows), name="ledger"),
    path("alerts/", endpoint(alerts.AlertList), name="alerts"),
    path("schema/", endpoint(docs.Schema), name="schema"),
    path("docs/", login_not_required(docs.docs_page), name="docs"),
    path("swagger/", endpoint(docs.Swagger), name="swagger"),
]
