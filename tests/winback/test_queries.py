"""The worklist as staff read it: tile counts, sorted/filtered lists, next customer, CSV
export and the customer's process page."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from core.winback import queries
from core.winback.flow import TILE_KEYS
from tests.winback.conftest import (
    CURRENT,
    PREVIOUS,
    act,
    add_customer,
    add_lines,
    detect,
    set_entry,
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def worklist(companies, settings) -> dict[str, int]:
    """Six declining customers with different figures, plus a steady one."""
    ids = {}
    for number, (before, now_, group, city, company) in {
        "3001": (1000, 600, "Endkunde", "Wien", "WIEN"),  # 40 %
        "3002": (5000, 500, "Gewerbe", "Linz", "LINZ"),  # 90 %
        "3003": (2000, 1000, "Endkunde", "Graz", "WIEN"),  # 50 %
        "3004": (800, 0, "Flotte", "Wels", "LINZ"),  # 100 %
        "3005": (3000, 1500, "Endkunde", "Wien", "WIEN"),  # 50 %
        "3006": (1200, 480, "Gewerbe", "Steyr", "WIEN"),  # 60 %
        "3007": (1000, 1100, "Endkunde", "Wien", "WIEN"),  # growing: no decline
    }.items():
        ids[number] = add_customer(companies, number, last_name=f"Kunde{number[-1]}",
                                   customer_group=group, city=city)
        lines = [(PREVIOUS, before, "Reifen", company)]
        if now_:
            lines.append((CURRENT + timedelta(days=int(number[-1])), now_, "Teile", company))
        add_lines(companies, ids[number], *lines)
    detect(companies, settings)
    return ids


def listed(db, **filters) -> list[str]:
    with db.session() as session:
        rows, _total = queries.list_entries(session, today=TODAY, page_size=None, **filters)
    return [r.customer_number for r in rows]


def test_tile_counts(worklist, companies, settings):
    ids = worklist
    act(companies, settings, ids["3001"], "send_mail")
    act(companies, settings, ids["3002"], "create_offer", {"note": "Angebot"})
    act(companies, settings, ids["3003"], "no_interest")
    act(companies, settings, ids["3004"], "remind", {"days": 3})
    set_entry(companies, ids["3004"], remind_on=TODAY)  # the reminder has come up
    set_entry(companies, ids["3003"], remind_on=TODAY)  # closed: never due
    set_entry(companies, ids["3006"], status="won_back")
    with companies.session() as session:
        counts = queries.tile_counts(session, TODAY)
    assert set(counts) == set(TILE_KEYS)
    assert counts == {"decline": 2, "due": 1, "mailed": 1, "offer": 1, "no_interest": 1,
                      "won_back": 1}
    assert listed(companies, tile="decline") == ["3004", "3005"]  # largest decline first
    assert listed(companies, tile="due") == ["3004"]


@pytest.mark.parametrize("sort", sorted(queries.SORT_COLUMNS))
def test_every_column_sorts_on_the_server_both_ways(worklist, companies, sort):
    with companies.session() as session:
        up, total = queries.list_entries(session, tile=None, sort=sort, descending=False,
                                         page_size=None, today=TODAY)
        down, _ = queries.list_entries(session, tile=None, sort=sort, descending=True,
                                       page_size=None, today=TODAY)
    assert total == 7 and len(up) == 7
    key = {"previous": "previous_cents", "current": "current_cents",
           "company": "last_company_code"}.get(sort, sort)
    values = [r.last_name if sort == "name" else getattr(r, key) for r in up]
    assert values == sorted(values, key=lambda v: (v is not None, v))
    if sort not in ("status", "remind_on", "won_back_cents", "customer_group", "city", "company"):
        assert [r.customer_id for r in down] == [r.customer_id for r in reversed(up)]


def test_days_since_sorts_opposite_to_the_last_order(worklist, companies):
    rows = listed(companies, tile="decline", sort="days_since", descending=True)
    assert rows[0] == "3004"  # never ordered in the current window: longest ago


def test_paging_search_and_filters(worklist, companies):
    with companies.session() as session:
        page2, total = queries.list_entries(session, tile="decline", page=2, page_size=4,
                                            today=TODAY)
    assert total == 6 and len(page2) == 2
    assert listed(companies, tile="decline", search="3002") == ["3002"]
    assert listed(companies, tile="decline", search="kunde5") == ["3005"]
    assert listed(companies, tile="decline", search="steyr") == ["3006"]
    assert listed(companies, tile="decline", customer_group="Gewerbe") == ["3002", "3006"]
    assert listed(companies, tile="decline", company="LINZ") == ["3004", "3002"]
    with pytest.raises(ValueError, match="Unbekannte Kachel"):
        listed(companies, tile="everything")
    with companies.session() as session:
        options = queries.filter_options(session)
    assert options == {"customer_groups": ["Endkunde", "Flotte", "Gewerbe"],
                       "companies": ["LINZ", "WIEN"]}


def test_next_customer_follows_the_list_order(worklist, companies, settings):
    order = listed(companies, tile="decline")
    assert order == ["3004", "3002", "3006", "3005", "3003", "3001"]
    by_number = worklist
    number_of = {v: k for k, v in by_number.items()}

    def following(number: str) -> str | None:
        with companies.session() as session:
            found = queries.next_customer(session, by_number[number], tile="decline",
                                          today=TODAY)
        return number_of.get(found)

    assert following("3004") == "3002"
    # Ties (50 %) break on the customer id, in the same direction as the sort.
    assert following("3006") == "3005" and following("3005") == "3003"
    assert following("3001") is None  # the end of the list
    # Working a customer moves them out of the decline tile; "next" still follows them.
    act(companies, settings, by_number["3002"], "send_mail")
    assert following("3002") == "3006"
    with companies.session() as session:
        by_name = queries.next_customer(session, by_number["3001"], tile="decline",
                                        sort="customer_number", descending=False, today=TODAY)
    assert number_of[by_name] == "3003"


def test_csv_export_is_the_filtered_list(worklist, companies, settings):
    set_entry(companies, worklist["3002"], remark="=HYPERLINK(\"http://x\")")
    with companies.session() as session:
        data = queries.export_file(session, tile="decline", company="LINZ", today=TODAY,
                                  timezone=settings.timezone)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Kundennummer", "Name", "Firmenname"]
    assert [r[0] for r in body] == ["3004", "3002"]
    record = dict(zip(header, body[1], strict=True))
    assert record["Umsatz Vorzeitraum (EUR)"] == "5000,00"
    assert record["Rückgang (%)"] == "90,0"
    assert record["Status"] == "Offen"
    assert record["Bemerkung"].startswith("'=")  # formula injection neutralised


def test_customer_detail(worklist, companies, settings):
    customer_id = worklist["3003"]
    add_lines(companies, customer_id, (date(2026, 10, 5), 100, "Lack", "WIEN", "X-9"),
              (date(2026, 10, 5), 50, "Teile", "WIEN", "X-9"))
    detect(companies, settings)
    act(companies, settings, customer_id, "remark", {"text": "Stammkunde"})
    with companies.session() as session:
        detail = queries.customer_detail(session, customer_id, TODAY)
        last = queries.last_run(session)
    assert detail.customer.customer_number == "3003" and detail.entry.is_decline
    assert detail.company.name == "Autohaus Wien"
    assert len(detail.monthly) == 24
    assert detail.monthly[0][0] == "2024-12" and detail.monthly[-1] == ("2026-11", 0)
    assert dict(detail.monthly)["2026-10"] == 15000
    assert dict(detail.monthly)["2026-03"] == 100000
    newest = detail.orders[0]
    assert (newest.order_number, newest.amount_cents, len(newest.lines)) == ("X-9", 15000, 2)
    assert newest.company_name == "Autohaus Wien"
    assert detail.days_since == (TODAY - date(2026, 10, 5)).days
    assert detail.events[0].text == "Rückgewinnung: Bemerkung: Stammkunde"
    assert last is not None
