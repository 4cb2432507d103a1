"""The cash-in forecast on hand-built open items."""

from __future__ import annotations

from datetime import date, timedelta

from relance.core.forecast import Lateness, OpenItem, forecast, monday, spread_points

TODAY = date(2026, 3, 4)  # a Wednesday; its week starts on 2 March


def test_weekly_sums_are_exact_to_the_cent() -> None:
    items = [
        OpenItem("A", "EUR", 12345, date(2026, 3, 4)),
        OpenItem("B", "EUR", 1, date(2026, 3, 8)),  # Sunday: still week 0
        OpenItem("C", "EUR", 99999, date(2026, 3, 9)),  # Monday: week 1
        OpenItem("D", "EUR", 50505, date(2026, 3, 12)),
        OpenItem("E", "EUR", 70000, date(2026, 6, 30)),  # beyond 13 weeks
    ]
    (eur,) = forecast(items, TODAY)
    assert [w.expected for w in eur.weeks[:3]] == [12346, 150504, 0]
    assert eur.weeks[0].start == date(2026, 3, 2)
    assert eur.weeks[-1].start == date(2026, 3, 2) + timedelta(weeks=12)
    assert eur.later == 70000
    assert eur.horizon + eur.later == eur.total == 232850
    assert all(w.low == w.expected == w.high for w in eur.weeks)  # no error, no band


def test_the_band_contains_the_expectation() -> None:
    spread = spread_points(range(-20, 41, 3))
    items = [
        OpenItem(str(i), "EUR", 10000 + 137 * i, TODAY + timedelta(days=3 * i)) for i in range(40)
    ]
    (eur,) = forecast(items, TODAY, spread=spread)
    assert any(w.high > w.low for w in eur.weeks)
    for w in eur.weeks:
        assert 0 <= w.low <= w.expected <= w.high
    # every item is somewhere: the weeks and later hold the whole amount, give or take
    # one rounding per bucket
    assert abs(eur.horizon + eur.later - eur.total) <= len(eur.weeks) + 1


def test_overdue_items_predicted_in_the_past_fall_in_the_first_week() -> None:
    items = [
        OpenItem("old", "EUR", 30000, date(2025, 12, 1), due=date(2025, 11, 1)),
        OpenItem("late", "EUR", 20000, TODAY, due=date(2026, 2, 1)),
    ]
    (eur,) = forecast(items, TODAY, spread=(-30, -10, -5))
    assert eur.weeks[0].expected == 50000
    assert sum(w.expected for w in eur.weeks[1:]) == eur.later == 0


def test_an_item_past_its_prediction_follows_how_long_late_invoices_took() -> None:
    # Of the invoices ever 10 days late and unpaid, half were paid at 12 days late, half
    # at 30: an item 10 days late today is half-expected in 2 days, half in 20.
    late = Lateness.estimate(paid=[0, 0, 12, 30], still_open=[])
    item = OpenItem("F", "EUR", 10000, TODAY, due=TODAY - timedelta(days=10))
    (eur,) = forecast([item], TODAY, lateness=late)
    assert eur.weeks[0].expected == 5000  # 6 March
    assert eur.weeks[3].expected == 5000  # 24 March
    # 40 days late: later than any invoice was ever paid, not cash this quarter
    stale = OpenItem("G", "EUR", 7000, TODAY, due=TODAY - timedelta(days=40))
    (eur,) = forecast([stale], TODAY, lateness=late)
    assert eur.horizon == 0
    assert eur.later == 7000


def test_an_item_not_yet_due_keeps_its_prediction_even_with_a_lateness() -> None:
    late = Lateness.estimate(paid=[0, 5], still_open=[3])
    item = OpenItem("F", "EUR", 10000, TODAY + timedelta(days=14), due=TODAY + timedelta(days=7))
    (eur,) = forecast([item], TODAY, lateness=late)
    assert eur.weeks[2].expected == 10000


def test_currencies_are_never_added() -> None:
    items = [OpenItem("A", "EUR", 100, TODAY), OpenItem("B", "JPY", 500, TODAY)]
    eur, jpy = forecast(items, TODAY, weeks=2)
    assert (eur.currency, eur.weeks[0].expected) == ("EUR", 100)
    assert (jpy.currency, jpy.weeks[0].expected) == ("JPY", 500)


def test_weeks_start_on_monday() -> None:
    assert monday(date(2026, 3, 2)) == date(2026, 3, 2)
    assert monday(date(2026, 3, 1)) == date(2026, 2, 23)
