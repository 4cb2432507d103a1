"""The dashboard on a demo ledger with a trained payment model: four charts as SVG, their
numbers in the tables equal to the reports', and the xlsx export."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from tests.members import member

from relance.core.aging import parse_buckets
from relance.demo import build_demo
from relance.ledger.models import Creditor
from relance.ledger.templatetags.money import format_money
from relance.prediction import queries as prediction_queries
from relance.prediction import services
from relance.reports import forecast, indicators, queries

TODAY = date(2026, 3, 2)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def demo(db) -> Creditor:  # type: ignore[no-untyped-def]
    build_demo(customers=40, invoices_per_customer=10, seed=7, today=TODAY)
    creditor = Creditor.objects.get()
    services.train(creditor, TODAY, actor="t")
    services.refresh(creditor, TODAY, actor="t")
    member("finance", password="x")
    return creditor


@pytest.fixture
def client_in(demo, client):  # type: ignore[no-untyped-def]
    client.force_login(get_user_model().objects.get(username="finance"))
    return client


def _svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", page, flags=re.S)]


def _cells(page: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table class="{table}">.*?<tbody>(.*?)</tbody>', page, flags=re.S)
    assert body is not None, table
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), flags=re.S)
    return [[re.sub(r"<.*?>", "", c).strip() for c in re.findall(r"<td.*?</td>", r)] for r in rows]


def test_the_dashboard_draws_the_four_charts_with_the_reports_numbers(demo, client_in) -> None:  # type: ignore[no-untyped-def]
    assert client_in.get("/")["Location"] == "/dashboard/"  # the home page
    page = client_in.get(f"/dashboard/?date={TODAY}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/dashboard/"' in page  # in the navigation
    # the model keeps its hold-out errors: they make the band
    row = prediction_queries.trained(demo)
    assert len(prediction_queries.load(row).residuals) == row.validation_rows > 0
    svgs = _svgs(page)
    titles = [s.find(f"{SVG}title").text or "" for s in svgs]  # type: ignore[union-attr]
    assert [t.split(" (")[0].split(",")[0] for t in titles] == [
        "Aged balance", "DSO over 12 months", "Collection effectiveness over 12 months",
        "Cash-in forecast", "Top 10 customers by overdue amount",
    ]  # fmt: skip
    aging, dso, cei, cash, top = svgs
    for svg in svgs:
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}desc") is not None
    assert len(aging.findall(f".//{SVG}rect[@class='bar']")) >= 5
    assert len(dso.findall(f".//{SVG}path[@class='line']")) == 2
    assert len(dso.findall(f".//{SVG}circle[@class='point']")) >= 12
    assert len(cei.findall(f".//{SVG}path[@class='line']")) == 1
    assert len(cash.findall(f".//{SVG}rect[@class='bar']")) >= 1
    assert cash.find(f".//{SVG}path[@class='band']") is not None
    links = top.findall(f".//{SVG}a")
    assert 1 <= len(links) <= 10
    assert links[0].get("href", "").startswith("/customers/")
    # the tables under the charts hold the reports' own figures
    (aging,) = queries.aging(demo, TODAY, parse_buckets(""))
    money = [format_money(c.amount, "EUR", "en") for c in aging.buckets]
    assert _cells(page, "aging-numbers") == [[*money, format_money(aging.total, "EUR", "en")]]
    ((_cur, _now, trend),) = indicators.report(demo, TODAY)
    assert [row[1] for row in _cells(page, "trend-numbers")] == [
        str(i.dso_countback) if i.dso_countback is not None else "—" for i in trend
    ]
    assert [row[3] for row in _cells(page, "trend-numbers")] == [
        str(i.cei) if i.cei is not None else "—" for i in trend
    ]
    (plan,) = forecast.cash_in(demo, TODAY).forecasts
    rows = _cells(page, "forecast-numbers")
    assert [r[1:] for r in rows[:13]] == [
        [format_money(v, "EUR", "en") for v in (w.expected, w.low, w.high)] for w in plan.weeks
    ]
    assert rows[13][1] == format_money(plan.later, "EUR", "en")
    top = [line for line in aging.customers if line.overdue > 0][:10]
    assert [r[0] for r in _cells(page, "top-numbers")] == [line.account.code for line in top]


def test_the_dashboard_exports_its_numbers_to_xlsx(demo, client_in) -> None:  # type: ignore[no-untyped-def]
    response = client_in.get(f"/dashboard/?date={TODAY}&format=xlsx")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["aging", "indicators", "forecast", "top_customers"]
    (aging,) = queries.aging(demo, TODAY, parse_buckets(""))
    total = [r for r in book["aging"].iter_rows(values_only=True) if r[3] == "TOTAL"]
    assert Decimal(str(total[0][-1])) == Decimal(aging.total).scaleb(-2)
    (plan,) = forecast.cash_in(demo, TODAY).forecasts
    weeks = list(book["forecast"].iter_rows(values_only=True))[1:14]
    assert [round(Decimal(str(r[4])) * 100) for r in weeks] == [w.expected for w in plan.weeks]
    top = list(book["top_customers"].iter_rows(values_only=True))[1:]
    assert top[0][2] == aging.customers[0].account.code
    months = list(book["indicators"].iter_rows(values_only=True))[1:]
    assert len(months) == 13  # 12 months and the 90 days to the date


def test_the_dashboard_of_an_empty_ledger_still_renders(creditor, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(member("new", password="x"))
    response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Aged balance (EUR)" in response.content.decode()
    assert client.get("/dashboard/?format=xlsx").status_code == 200
