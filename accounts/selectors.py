from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import SYSTEM_USERNAME, User


def users_managed(actor: User) -> QuerySet[User]:
    """The users an administrator manages: those of their area (everyone, for an account without an area
    limit), never the built-in system account nor a partner's account (managed with its partner, api/)."""
    users = User.objects.exclude(username=SYSTEM_USERNAME).filter(partner__isnull=True).select_related("area")
    if actor.area_prefix:
        users = users.filter(area__code__startswith=actor.area_prefix)
    return users.order_by("area_id", "username")


def user_search(users: QuerySet[User], query: str) -> QuerySet[User]:
    query = query.strip()
    if not query:
        return users
    return users.filter(Q(username__icontains=query) | Q(first_name__icontains=query) | Q(unit__icontains=query))
