"""Every staff page, enumerated from the URL resolver, refuses what the user's role and
creditor do not allow: anonymous users go to the login page, a user of no creditor gets
403, a read-only user's POSTs get 403, another creditor's admin gets 404 on objects, and
a collector gets 404 on another collector's customer, and each role is refused exactly
what the authorisation matrix below denies it. A new view without `access` fails the
first test, one missing from the matrix the next; a new view with an object in its URL
fails until the world fixture has one."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from tests.text import has_word

from relance.core.roles import Permission, Role, can

# Routes that are not staff pages, and why.
EXEMPT = {
    "login": "the login page itself",
    "logout": "Django's logout",
    "portal:home": "the debtor portal authenticates by its signed link (tests/portal)",
    "portal:invoice": "debtor portal",
    "portal:statement": "debtor portal",
    "portal:promise": "debtor portal",
    "portal:dispute": "debtor portal",
    "portal:plan": "debtor portal",
    "portal:paid": "debtor portal",
    "": "the root redirects to the dashboard",
    "^api/(?P<rest>.*)$": "an unknown API path: a problem document, no data",
}
# Skipped whole: Django's admin (staff superusers only), the API (tokens: test_api_scoping),
# the language switch.
SKIPPED_RESOLVERS = {"admin", "api", "i18n/"}
# POSTs every member may make: choose among one's creditors, one's own API tokens.
MEMBER_POSTS = {"switch-creditor", "api-tokens", "api-token-revoke"}
# Keys every creditor has its own copy of: another creditor's user sees their own.
PER_CREDITOR_KEYS = {"scenario", "template", "template-preview"}


# The authorisation matrix: the permission each staff page asks to be read (GET) and to
# act (POST), written out so that a change to a view's permissions changes this table too
# (docs/roles.md says which roles hold which permission: relance.core.roles).
V, ALL, WORK, APPROVE, MANAGE, ADMIN = (Permission.VIEW, Permission.VIEW_ALL, Permission.WORK,
                                        Permission.APPROVE, Permission.MANAGE, Permission.ADMIN)  # fmt: skip
MATRIX = {
    (V, V): {"api-token-revoke", "api-tokens", "switch-creditor"},
    (V, WORK): {"call", "dispute", "dispute-detail", "hold", "invoice", "note", "promise",
                "promise-cancel"},
    (V, APPROVE): {"message-posted", "message-resolve", "worklist-decide", "worklist-run"},
    (V, MANAGE): {"customer", "customer-collector", "customer-penalty-invoice", "customers",
                  "dashboard", "dispute-file", "disputes", "evidence", "handoff-close",
                  "handoff-payment", "invoice-penalty-invoice", "invoices", "message",
                  "message-document", "penalty-invoice", "plan", "plan-change", "plan-create",
                  "plan-letter", "plans", "portal:link-new", "portal:link-revoke", "risk-cover",
                  "risk-declare", "risk-limit", "risk-score", "worklist",
                  "worklist-not-contacted"},
    (ALL, MANAGE): {"aging", "handoff-case", "handoff-cases", "handoff-dossier", "handoff-new",
                    "handoff-partners", "import-rejects", "imports", "indicators", "letters-pdf",
                    "matching", "matching-change", "matching-decide", "matching-line",
                    "scenario", "scenarios", "template", "template-preview", "templates"},
    (ADMIN, MANAGE): {"webhook-deliveries"},
}  # fmt: skip


def _routes() -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in SKIPPED_RESOLVERS or str(p.pattern) in SKIPPED_RESOLVERS:
                    continue
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            else:
                found.append((f"{namespace}{p.name}" if p.name else str(p.pattern), p))

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = _routes()
STAFF = [(name, p) for name, p in ROUTES if name not in EXEMPT]
OBJECTS = [(n, p) for n, p in STAFF if p.pattern.regex.groupindex and n not in PER_CREDITOR_KEYS]


def _url(world: dict[str, Any], name: str, pattern: URLPattern) -> str:
    if not pattern.pattern.regex.groupindex:
        return reverse(name)
    assert name in world["kwargs"], f"add an object of creditor A for {name!r} to the world"
    return reverse(name, kwargs=world["kwargs"][name])


def _as(client: Any, world: dict[str, Any], who: str) -> Any:
    client.force_login(world["users"][who])
    return client


def _hit(client: Any, url: str) -> tuple[str, Any]:
    """GET the page, or POST when the view takes only POSTs."""
    response = client.get(url)
    if response.status_code == 405:
        return "POST", client.post(url)
    return "GET", response


def test_the_resolver_holds_the_staff_pages() -> None:
    names = {n for n, _p in STAFF}
    assert {"customers", "customer", "worklist", "disputes", "matching", "api-tokens"} <= names
    assert len(STAFF) > 60


def test_every_staff_view_is_guarded_by_access() -> None:
    unguarded = [name for name, p in STAFF if not hasattr(p.callback, "relance_access")]
    assert unguarded == []


def test_every_staff_view_asks_the_permissions_of_the_matrix() -> None:
    declared = {name: p.callback.relance_access for name, p in STAFF}  # type: ignore[attr-defined]
    assert declared == {name: pair for pair, names in MATRIX.items() for name in names}


@pytest.mark.parametrize(
    ("who", "role"),
    [("manager", Role.CREDIT_MANAGER), ("collector2", Role.COLLECTOR), ("viewer", Role.READ_ONLY)],
)
def test_each_role_is_refused_every_page_and_form_the_matrix_denies_it_and_no_other(
    client, world, who, role
) -> None:  # type: ignore[no-untyped-def]
    """GET every staff page and POST where the role may not act (a POST it may make would
    change the world the next pages are read in)."""
    _as(client, world, who)
    wrong = []
    for name, pattern in STAFF:
        [(read, act)] = [pair for pair, names in MATRIX.items() if name in names]
        url = _url(world, name, pattern)
        status = client.get(url).status_code
        if (status == 403) != (not can(role, read)):
            wrong.append((name, "GET", status))
        if not can(role, act) and (status := client.post(url).status_code) != 403:
            wrong.append((name, "POST", status))
    assert wrong == []


def test_anonymous_users_are_sent_to_the_login_page(client, world) -> None:  # type: ignore[no-untyped-def]
    for name, pattern in STAFF:
        url = _url(world, name, pattern)
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("login")), name


def test_a_user_of_no_creditor_gets_a_clear_403(client, world) -> None:  # type: ignore[no-untyped-def]
    _as(client, world, "outsider")
    for name, pattern in STAFF:
        response = client.get(_url(world, name, pattern), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code in (403, 405), name
    page = client.get(reverse("customers"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not a member of any creditor" in page


def test_a_read_only_user_gets_403_on_every_post(client, world) -> None:  # type: ignore[no-untyped-def]
    _as(client, world, "viewer")
    for name, pattern in STAFF:
        if name in MEMBER_POSTS:
            assert pattern.callback.relance_access[1] is Permission.VIEW  # type: ignore[attr-defined]
            continue
        assert client.post(_url(world, name, pattern)).status_code == 403, name


def test_another_creditors_admin_gets_404_on_every_object(client, world) -> None:  # type: ignore[no-untyped-def]
    _as(client, world, "other_admin")
    for name, pattern in OBJECTS:
        method, response = _hit(client, _url(world, name, pattern))
        assert response.status_code == 404, (name, method, response.status_code)


def _expected(role: Role, pattern: URLPattern, method: str, found: int) -> int:
    read, post = pattern.callback.relance_access  # type: ignore[attr-defined]
    return found if can(role, read if method == "GET" else post) else 403


def test_a_collector_gets_404_on_another_collectors_customer(client, world) -> None:  # type: ignore[no-untyped-def]
    _as(client, world, "collector1")
    for name, pattern in OBJECTS:
        if name == "api-token-revoke":  # a user's own tokens, not a customer's record
            continue
        method, response = _hit(client, _url(world, name, pattern))
        expected = _expected(Role.COLLECTOR, pattern, method, 404)
        assert response.status_code == expected, (name, method, response.status_code)


def test_the_collector_of_the_customer_and_the_credit_manager_see_its_pages(client, world) -> None:  # type: ignore[no-untyped-def]
    """The 404s above are about scoping: the same URLs open for those who may see them."""
    for who, role in (("collector2", Role.COLLECTOR), ("manager", Role.CREDIT_MANAGER)):
        _as(client, world, who)
        for name, pattern in OBJECTS:
            if name == "api-token-revoke":
                continue
            response = client.get(_url(world, name, pattern))
            if response.status_code == 405:  # a POST-only view: not fired here
                continue
            assert response.status_code == _expected(role, pattern, "GET", 200), (who, name)


@pytest.mark.parametrize("page", ["customers", "invoices", "worklist", "disputes", "plans"])
def test_a_collectors_lists_hold_only_their_customers(client, world, page) -> None:  # type: ignore[no-untyped-def]
    _as(client, world, "collector1")
    text = client.get(reverse(page)).content.decode()
    assert not has_word(text, "C2")
    assert not has_word(text, "F3")
    assert "Client C3" not in text
    _as(client, world, "collector2")
    text = client.get(reverse(page)).content.decode()
    if page in ("customers", "invoices", "disputes", "plans"):
        assert "C2" in text


def test_a_collector_lands_on_the_worklist_and_gets_403_on_reports(client, world) -> None:  # type: ignore[no-untyped-def]
    _as(client, world, "collector1")
    assert client.get(reverse("dashboard"))["Location"] == reverse("worklist")
    assert client.get(reverse("aging")).status_code == 403
    assert client.get(reverse("matching")).status_code == 403


def test_every_staff_post_without_its_csrf_token_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    """Refused by the CSRF check itself (its page says so), before any view: no form of
    the web app acts on a request another site could forge."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["users"]["manager"])
    refused = []
    for name, pattern in STAFF:
        response = browser.post(_url(world, name, pattern), HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code == 403 and b"CSRF" in response.content:
            refused.append(name)
    assert refused == [name for name, _p in STAFF]
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("login"), {"username": "admin"}).status_code == 403
