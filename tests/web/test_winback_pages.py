"""The win-back pages as a logged-in user sees them: tiles, lists (sort, filter, export), the
customer's process page with every button, and "Nächster Kunde" in the list's order."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from core import clock
from core.models import Customer, Event, OutboxMessage
from core.winback import detection
from core.winback.models import Company, OrderLine, WinbackEntry

# (number, first, last, group, company, previous euros, current euros, consent)
CUSTOMERS = (
    ("K1001", "Anna", "Gruber", "Endkunde", "NORD", 10_000, 2_000, True),  # -80 %
    ("K1002", "Bernd", "Huber", "Endkunde", "SUED", 5_000, 3_000, True),  # -40 %
    ("K1003", "Clara", "Bauer", "Werkstatt", "NORD", 2_000, 1_000, False),  # -50 %
    ("K1004", "Dieter", "Wagner", "Endkunde", "SUED", 1_000, 1_000, True),  # no decline
)


def seed(web) -> dict[str, int]:
    """Customers with orders in both windows, two companies (only NORD has a voucher
    template), then one detection run; returns customer number -> id."""
    now = clock.now()
    ids = {}
    with web.db.session(write=True) as session:
        session.add_all([
            Company(code="NORD", name="Autohaus Nord", sender_name="Autohaus Nord Service",
                    standard_template_key="winback.standard",
                    voucher_template_key="winback.voucher", created_at=now),
            Company(code="SUED", name="Autohaus Süd", created_at=now,
                    standard_template_key="winback.standard"),
        ])
        for number, first, last, group, company, previous, current, consent in CUSTOMERS:
            customer = Customer(customer_number=number, first_name=first, last_name=last,
                                email=f"{first}.{last}@example.at".lower(), city="Linz",
                                country="Österreich", customer_group=group,
                                marketing_consent=consent, created_at=now)
            session.add(customer)
            session.flush()
            ids[number] = customer.id
            for line, (day, euros) in enumerate(((date(2025, 3, 10), previous),
                                                 (date(2026, 5, 4), current)), start=1):
                session.add(OrderLine(order_number=f"A-{number}-{line}", line=1,
                                      customer_number=number, customer_id=customer.id,
                                      order_date=day, company_code=company,
                                      product_group="Reifen" if line == 2 else "Service",
                                      net_cents=euros * 100))
        session.flush()
        detection.run(session, web.runtime.settings(), now)
    return ids


def element(user, marker: str):
    return next(iter(user.find(marker=marker).elements))


def entry(web, customer_id: int) -> WinbackEntry:
    with web.db.session() as session:
        row = session.get(WinbackEntry, customer_id)
        session.expunge(row)
        return row


def outbox_rows(web, customer_id: int) -> list[OutboxMessage]:
    with web.db.session() as session:
        rows = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.customer_id == customer_id)))
        session.expunge_all()
        return rows


async def open_customer(user, customer_id: int, query: str = "tile=decline") -> None:
    await user.open(f"/rueckgewinnung/kunde/{customer_id}?{query}")
    await user.should_see(marker="customer-title", retries=30)


@pytest.fixture
async def staff(web, now):
    web.add_user("sina", "service", email="sina@autohaus.example")
    return await web.login("sina")


async def test_tiles_show_live_counts_and_open_their_lists(web, now, staff):
    seed(web)
    await staff.open("/rueckgewinnung")
    await staff.should_see(marker="tile-decline-count", content="3", retries=30)
    assert element(staff, "tile-mailed-count").text == "0"
    assert element(staff, "tile-decline").props["href"] == "/rueckgewinnung/liste?tile=decline"
    assert "Rückgang ab 30 %" in element(staff, "winback-settings-hint").text
    assert "Zuletzt berechnet: 23.11.2026" in element(staff, "winback-last-run").text


async def test_recompute_finds_a_new_decline(web, now, staff):
    ids = seed(web)
    with web.db.session(write=True) as session:  # Dieter's current order was cancelled
        session.add(OrderLine(order_number="G-1", line=1, customer_number="K1004",
                              customer_id=ids["K1004"], order_date=date(2026, 6, 1),
                              company_code="SUED", product_group="Service",
                              net_cents=-90_000))
    await staff.open("/rueckgewinnung")
    await staff.should_see(marker="tile-decline-count", content="3", retries=30)
    staff.find(marker="winback-recompute").click()
    await staff.should_see("Neu berechnet", retries=50)
    await staff.should_see(marker="tile-decline-count", content="4", retries=30)
    assert entry(web, ids["K1004"]).is_decline


async def test_list_sorts_filters_and_exports_the_filtered_list(web, now, staff):
    seed(web)
    await staff.open("/rueckgewinnung/liste?tile=decline")
    await staff.should_see("3 Kunden", retries=30)
    table = element(staff, "winback-table")
    assert [r["customer_number"] for r in table.rows] == ["K1001", "K1003", "K1002"]
    assert table.rows[0]["decline_percent"] == "80,0 %"

    staff.find(marker="winback-table").trigger("request", {"pagination": {
        "page": 1, "sortBy": "name", "descending": False}})
    await staff.should_see(marker="sorted-name-asc", retries=30)
    assert [r["name"] for r in table.rows] == ["Clara Bauer", "Anna Gruber", "Bernd Huber"]

    element(staff, "filter-company").value = "NORD"
    await staff.should_see("2 Kunden", retries=30)
    assert sorted(r["customer_number"] for r in table.rows) == ["K1001", "K1003"]
    staff.find(marker="filter-search").type("Gruber")
    await staff.should_see("1 Kunde", retries=30)

    staff.find(marker="export-csv").click()
    response = await staff.download.next()
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Kundennummer"
    assert [r[0] for r in rows[1:]] == ["K1001"]

    staff.find(marker="export-xlsx").click()  # the same list as Excel, typed cells
    response = await staff.download.next()
    header, *body = openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True)
    assert header == tuple(rows[0])
    [row] = body
    assert row[0] == "K1001"
    previous = row[header.index("Umsatz Vorzeitraum (EUR)")]
    assert isinstance(previous, (int, float)) and f"{previous:.2f}".replace(".", ",") == \
        rows[1][header.index("Umsatz Vorzeitraum (EUR)")]


async def test_row_click_opens_the_customer_with_the_list_context(web, now, staff):
    ids = seed(web)
    await staff.open("/rueckgewinnung/liste?tile=decline&group=Endkunde")
    await staff.should_see("2 Kunden", retries=30)
    table = element(staff, "winback-table")
    row = next(r for r in table.rows if r["customer_number"] == "K1002")
    assert row["href"] == f"/rueckgewinnung/kunde/{ids['K1002']}?tile=decline&group=Endkunde"
    staff.find(marker="winback-table").trigger("rowClick", [{}, row, 0])
    await staff.should_see("K1002 · Bernd Huber", retries=30)


async def test_customer_page_shows_figures_chart_and_orders(web, now, staff):
    ids = seed(web)
    await open_customer(staff, ids["K1001"])
    assert element(staff, "revenue-previous").text == "10.000,00 €"
    assert element(staff, "revenue-current").text == "2.000,00 €"
    assert element(staff, "revenue-decline").text == "80,0 %"
    assert element(staff, "customer-consent").text == "Einwilligung liegt vor"
    chart = element(staff, "revenue-chart")
    labels = chart.options["xAxis"]["data"]
    bars = dict(zip(labels, chart.options["series"][0]["data"], strict=True))
    assert len(bars) == 24 and labels[0] == "Dez 24" and labels[-1] == "Nov 26"
    assert sum(b["value"] for b in bars.values()) == 12000
    # The previous window's order grey, the current one's in the accent colour.
    assert bars["Mär 25"]["value"] == 10000 and bars["Mär 25"]["itemStyle"]["color"] == "#b0bec5"
    assert bars["Mai 26"]["value"] == 2000 and bars["Mai 26"]["itemStyle"]["color"] == "#1d5c8c"
    orders = element(staff, "last-orders").rows
    assert [o["order"] for o in orders] == ["A-K1001-2", "A-K1001-1"]
    await staff.should_see("Offen")


async def test_send_voucher_mail_previews_then_queues(web, now, staff):
    ids = seed(web)
    await open_customer(staff, ids["K1001"])
    staff.find(marker="mail-voucher").click()
    await staff.should_see(marker="preview-send", retries=30)
    assert "anna.gruber@example.at" in element(staff, "preview-recipient").text
    assert "Gutschein" in element(staff, "preview-subject").text
    assert outbox_rows(web, ids["K1001"]) == []  # nothing before "Senden"
    staff.find(marker="preview-send").click()
    await staff.should_see("E-Mail liegt im Postausgang", retries=30)
    [row] = outbox_rows(web, ids["K1001"])
    assert row.template_key == "winback.voucher" and row.kind == "marketing"
    assert entry(web, ids["K1001"]).status == "mailed"
    await staff.should_see("E-Mail gesendet")


async def test_company_without_voucher_offers_only_the_standard_mail(web, now, staff):
    ids = seed(web)
    await open_customer(staff, ids["K1002"])  # last order at SUED: no voucher template
    await staff.should_not_see(marker="mail-voucher")
    staff.find(marker="action-send_mail").click()
    await staff.should_see(marker="preview-send", retries=30)
    staff.find(marker="preview-send").click()
    await staff.should_see("E-Mail liegt im Postausgang", retries=30)
    assert [r.template_key for r in outbox_rows(web, ids["K1002"])] == ["winback.standard"]


async def test_create_offer_needs_a_note_and_mails_it_to_the_user(web, now, staff):
    ids = seed(web)
    await open_customer(staff, ids["K1003"])
    staff.find(marker="action-create_offer").click()
    await staff.should_see(marker="input-note", retries=20)
    staff.find(marker="dialog-confirm").click()
    await staff.should_see("Bitte einen Vermerk", retries=20)
    staff.find(marker="input-note").type("Winterreifen anbieten")
    staff.find(marker="dialog-confirm").click()
    await staff.should_see(marker="preview-send", retries=30)
    assert "sina@autohaus.example" in element(staff, "preview-recipient").text
    assert "K1003" in element(staff, "preview-subject").text
    staff.find(marker="preview-send").click()
    await staff.should_see("E-Mail liegt im Postausgang", retries=30)
    [row] = outbox_rows(web, ids["K1003"])
    assert row.to_addr == "sina@autohaus.example" and "Winterreifen anbieten" in row.text_body
    assert entry(web, ids["K1003"]).status == "offer"


async def test_reminder_dropdown_lands_on_a_working_day(web, now, staff):
    ids = seed(web)
    await open_customer(staff, ids["K1001"])
    # Monday 23.11.2026 + 7 days = Monday 30.11.; + 14 = Monday 07.12.; + 3 = Thursday.
    await staff.should_see("in 14 Tagen – 07.12.2026")
    staff.find(marker="remind-14").click()
    await staff.should_see("Erinnerung am 07.12.2026 gesetzt.", retries=30)
    assert entry(web, ids["K1001"]).remind_on == date(2026, 12, 7)
    await staff.should_see(marker="remind-on", content="07.12.2026")
    # Default button: 10 days = Thursday 03.12.2026.
    staff.find(marker="action-remind").click()
    await staff.should_see("Erinnerung am 03.12.2026 gesetzt.", retries=30)
    assert entry(web, ids["K1001"]).remind_on == date(2026, 12, 3)


async def test_remark_appears_in_the_timeline(web, now, staff):
    ids = seed(web)
    await open_customer(staff, ids["K1002"])
    staff.find(marker="action-remark").click()
    await staff.should_see(marker="input-remark", retries=20)
    staff.find(marker="input-remark").type("Ruft nächste Woche zurück")
    staff.find(marker="dialog-confirm").click()
    await staff.should_see("Bemerkung: erledigt.", retries=30)
    await staff.should_see("Rückgewinnung: Bemerkung: Ruft nächste Woche zurück")


async def test_no_interest_closes_and_disabled_buttons_say_why(web, now, staff):
    ids = seed(web)
    await open_customer(staff, ids["K1002"])
    staff.find(marker="action-no_interest").click()
    await staff.should_see(marker="dialog-confirm", retries=20)
    staff.find(marker="dialog-confirm").click()
    await staff.should_see("Kein Interesse: erledigt.", retries=30)
    assert entry(web, ids["K1002"]).status == "no_interest"
    await staff.should_see(marker="reason-send_mail", retries=20)
    assert not element(staff, "action-send_mail").enabled
    assert "Kein Interesse" in element(staff, "reason-send_mail").text
    assert element(staff, "action-reopen").enabled


async def test_mail_refused_without_consent_says_why_and_records_it(web, now, staff):
    ids = seed(web)
    with web.db.session(write=True) as session:
        session.get(Customer, ids["K1003"]).opted_out_at = datetime(2026, 11, 1, tzinfo=now.tzinfo)
    await open_customer(staff, ids["K1003"])
    assert not element(staff, "action-send_mail").enabled
    assert "widersprochen" in element(staff, "reason-send_mail").text


async def test_next_customer_follows_the_list_order(web, now, staff):
    ids = seed(web)
    # Decline list sorted by decline: Anna (80 %), Clara (50 %), Bernd (40 %).
    await open_customer(staff, ids["K1001"])
    staff.find(marker="mail-voucher").click()  # working Anna moves her out of the tile
    await staff.should_see(marker="preview-send", retries=30)
    staff.find(marker="preview-send").click()
    await staff.should_see("E-Mail liegt im Postausgang", retries=30)
    staff.find(marker="next-customer").click()
    await staff.should_see("K1003 · Clara Bauer", retries=30)
    staff.find(marker="next-customer").click()
    await staff.should_see("K1002 · Bernd Huber", retries=30)
    await staff.should_see(marker="next-none", retries=20)

    # From a list the current customer is not (or no longer) in, "next" still follows the
    # order they had: mailed tile by name is Bauer (Clara, current), Gruber (Anna).
    await open_customer(staff, ids["K1003"], "tile=mailed&sort=name&desc=0")
    staff.find(marker="next-customer").click()
    await staff.should_see("K1001 · Anna Gruber", retries=30)
    await open_customer(staff, ids["K1003"], "tile=decline&sort=name&desc=0")
    staff.find(marker="next-customer").click()
    await staff.should_see("K1002 · Bernd Huber", retries=30)


async def test_timeline_lists_events_of_the_customer(web, now, staff):
    ids = seed(web)
    with web.db.session(write=True) as session:
        session.add(Event(at=clock.now(), customer_id=ids["K1001"], kind="import",
                          text="Kunde importiert", actor="test"))
    await open_customer(staff, ids["K1001"])
    await staff.should_see("Kunde importiert")


async def test_admin_sets_a_voucher_template_for_a_company(web, now):
    ids = seed(web)
    web.add_user("ada", "admin")
    admin = await web.login("ada")
    await admin.open("/firmen")
    await admin.should_see(marker="companies-table", retries=30)
    table = element(admin, "companies-table")
    row = next(r for r in table.rows if r["code"] == "SUED")
    admin.find(marker="companies-table").trigger("rowClick", [{}, row, 0])
    await admin.should_see(marker="company-voucher_template_key", retries=20)
    element(admin, "company-voucher_template_key").value = "winback.voucher"
    admin.find(marker="company-save").click()
    await admin.should_see("Firma gespeichert.", retries=30)
    with web.db.session() as session:
        company = session.scalar(select(Company).where(Company.code == "SUED"))
        assert company.voucher_template_key == "winback.voucher"
    # Bernd's last order was at SUED: his page now offers the voucher mail.
    await open_customer(admin, ids["K1002"])
    await admin.should_see(marker="mail-voucher")


async def test_company_page_is_for_admins_only(web, now, staff):
    response = await staff.http_client.get("/firmen")
    assert response.status_code == 403


async def test_templates_page_offers_winback_templates_with_their_variables(web, now, staff):
    ids = seed(web)
    await staff.open("/vorlagen?mail=winback.voucher")
    await staff.should_see(marker="template-meta", content="Version", retries=30)
    assert element(staff, "template-module").value == "winback"
    await staff.should_see("{{ days_since_last_order }}")
    await staff.should_see(marker="preview-subject", content="Gutschein", retries=30)
    element(staff, "preview-case").set_options({ids["K1001"]: "K1001 · Anna Gruber"},
                                               value=ids["K1001"])
    await staff.should_see(marker="preview-recipient", content="anna.gruber@example.at",
                           retries=30)
