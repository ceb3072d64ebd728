"""HTTP-level protections that no single app owns (settings in config/settings.py, reasons in docs/decisions.md).

* ``NoStoreMiddleware`` — ``Cache-Control: no-store`` on every response Django makes: pages, htmx fragments,
  the admin, downloads (ledgers, rosters reports, exports), redirects and errors. They carry personal data
  whenever someone is signed in, and telling those apart from the few that do not (the login page) buys
  nothing. Static files are left cacheable: paths under ``STATIC_URL`` are skipped (WhiteNoise, inside this
  middleware, answers them in production; staticfiles' handler, outside it, under runserver).
* ``SessionIdleMiddleware`` — a signed-in session ends ``SESSION_COOKIE_AGE`` seconds after its last request
  (the sliding idle timeout ``SESSION_SAVE_EVERY_REQUEST`` gave), but the session row is written at most
  once every ``SESSION_REFRESH_INTERVAL`` seconds, not on every request: an idle session then ends between
  ``SESSION_COOKIE_AGE − SESSION_REFRESH_INTERVAL`` and ``SESSION_COOKIE_AGE`` after its last request,
  never later.
* ``client_ip`` — the address django-axes counts failed logins against (``AXES_CLIENT_IP_CALLABLE``).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.cache import patch_cache_control

SESSION_REFRESHED_AT = "_refreshed_at"  # in the session: when its expiry was last pushed back (Unix seconds)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_static(request.path):
            patch_cache_control(response, no_store=True)
        return response


class SessionIdleMiddleware:
    """Pushes a signed-in session's expiry back when it was last pushed back a refresh interval ago or more.

    Saving the session (the stamp marks it modified) sets its expiry to now + ``SESSION_COOKIE_AGE``; between
    two refreshes a request changes nothing, so an ordinary page writes no session row. Runs after the
    authentication middleware and, on the way out, before the session middleware saves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            refreshed = session.get(SESSION_REFRESHED_AT)
            age = int(timezone.now().timestamp()) - refreshed if isinstance(refreshed, int) else None
            # A session saved anyway (a message, say) is stamped too: it costs no extra write.
            if age is None or not 0 <= age < settings.SESSION_REFRESH_INTERVAL or session.modified:
                stamp_session(session)
        return response


def stamp_session(session) -> None:
    """Record that the session's expiry is being pushed back now (it is saved at the end of the request)."""
    session[SESSION_REFRESHED_AT] = int(timezone.now().timestamp())


def stamp_session_on_login(sender, request, user, **kwargs) -> None:
    """Signing in saves the session with a fresh expiry: stamped then, the next page writes nothing
    (connected to ``user_logged_in`` by ``accounts``; the test client's ``force_login`` sends it too)."""
    if request is not None and hasattr(request, "session"):
        stamp_session(request.session)


def is_static(path: str) -> bool:
    """Whether ``path`` is under ``STATIC_URL`` (read per request: it carries the script prefix)."""
    static_path = urlsplit(settings.STATIC_URL or "").path.strip("/")
    return bool(static_path) and path.startswith(f"/{static_path}/")


def client_ip(request) -> str | None:
    """The client's address as far as it can be trusted.

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` (the number of reverse proxies in front of the server,
    each appending the address it was connected from to ``X-Forwarded-For``) is set: then the entry that the
    outermost of them appended, counted from the right. Whatever a client writes into ``X-Forwarded-For``
    itself stays to the left of that entry and is never used, so a forged header cannot give each
    guess at a password a fresh address. A header with fewer entries than proxies, or an entry that is no
    address, means the request did not come through them as configured: ``REMOTE_ADDR`` then.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
