"""The aged balance and indicators pages, on the ledger of tests/reports/conftest.py."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from tests.members import member


@pytest.fixture
def client_in(client, ledger):  # type: ignore[no-untyped-def]
    user = member("credit", password="x")
    client.force_login(user)
    return client


def test_the_navigation_links_the_aged_balance(client_in) -> None:  # type: ignore[no-untyped-def]
    page = client_in.get("/customers/").content.decode()
    assert 'href="/reports/aging/"' in page


def test_aging_page_shows_the_buckets_of_a_past_date(client_in) -> None:  # type: ignore[no-untyped-def]
    page = client_in.get(
        "/reports/aging/?date=2026-03-31", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "31 to 60 days" in page
    assert "Unapplied credits" in page
    assert "€2,900.00" in page
    assert "€2,600.00" in page
    assert "$300.00" in page
    # the most overdue customer first
    assert page.index(">C2<") < page.index(">C1<")


def test_clicking_a_bucket_lists_its_items_as_of_that_date(client_in) -> None:  # type: ignore[no-untyped-def]
    page = client_in.get(
        "/reports/aging/?date=2026-03-31&currency=EUR&bucket=2", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    items = page[page.index('id="items"') : page.index("</section>")]
    assert [n for n in ("F1", "F3", "F6", "F2", "F5") if f">{n}<" in items] == ["F1", "F3", "F6"]
    assert "€2,000.00" in items  # F3 after its credit note, before P2
    credits = client_in.get(
        "/reports/aging/?date=2026-03-31&customer=C1&bucket=-1"
    ).content.decode()
    assert "AV1" in credits
    assert "P4" in credits


def test_segment_filter_keeps_that_segment_only(client_in) -> None:  # type: ignore[no-untyped-def]
    page = client_in.get("/reports/aging/?date=2026-03-31&segment=PME").content.decode()
    assert ">C1<" in page
    assert ">C2<" not in page


def test_exports_download_from_the_page(client_in) -> None:  # type: ignore[no-untyped-def]
    csv = client_in.get("/reports/aging/?date=2026-03-31&format=csv")
    assert csv["Content-Disposition"] == 'attachment; filename="aging-2026-03-31.csv"'
    assert "'=Beta" in csv.content.decode()
    xlsx = client_in.get("/reports/aging/?date=2026-03-31&format=xlsx&buckets=30,60,90,120")
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][-3:] == ["over_120", "credits", "total"]


def test_bad_bucket_limits_fall_back_to_the_default_with_a_message(client_in) -> None:  # type: ignore[no-untyped-def]
    page = client_in.get(
        "/reports/aging/?buckets=60,30", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "increasing" in page
    assert "Over 90 days" in page


def test_indicators_page_shows_dso_cei_and_a_customer(client_in) -> None:  # type: ignore[no-untyped-def]
    page = client_in.get(
        "/reports/indicators/?date=2026-03-31&period=90&customer=C1", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "74.5" in page  # DSO countback, EUR
    assert "44.7" in page  # CEI over 90 days
    assert "16.8" in page  # C1's average days late


def test_the_aging_page_reads_in_french(client_in) -> None:  # type: ignore[no-untyped-def]
    page = client_in.get(
        "/reports/aging/?date=2026-03-31", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Balance âgée" in page
    assert "31 à 60 jours" in page
