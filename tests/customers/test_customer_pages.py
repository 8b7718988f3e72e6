"""The customer page, the header search and the merge as a logged-in user sees them
(NiceGUI's simulated browser on a fresh database)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.models import Customer
from core.tradein.models import TradeInCase
from tests.customers.conftest import add_dms, add_orders, add_valuation


@pytest.fixture
async def staff(web, now):
    web.add_user("sina", "service", email="sina@autohaus.example")
    return await web.login("sina")


@pytest.fixture
def maria(web, now):
    """A DMS customer with orders (win-back entry) and, through the website, a trade-in case
    (the valuation finds her by e-mail); opted out two days ago."""
    settings = web.runtime.settings()
    with web.db.session(write=True) as session:
        customer_id = add_dms(session, "K1001", "Maria", "Huber", "maria.huber@example.at", now,
                              phone="0664/1234567", city="Linz", country="Österreich",
                              customer_group="Endkunde", marketing_consent=True,
                              opted_out_at=now - timedelta(days=2))
        add_orders(session, settings, customer_id, "K1001", now)
        case_id, same = add_valuation(session, settings, "maria.huber@example.at", now)
    assert same == customer_id
    return {"customer": customer_id, "case": case_id}


@pytest.fixture
def website_pair(web, now):
    """A website customer with a case, and the DMS record of the same person imported later."""
    settings = web.runtime.settings()
    with web.db.session(write=True) as session:
        case_id, web_id = add_valuation(session, settings, "lena.berger@example.at", now,
                                        first="Lena", last="Berger", phone="0676 555 12 12")
        dms_id = add_dms(session, "K2002", "Lena", "Berger", "lena.berger@example.at", now)
    return {"case": case_id, "web": web_id, "dms": dms_id}


async def open_customer(user, customer_id: int) -> None:
    await user.open(f"/kunden/{customer_id}")
    await user.should_see(marker="customer-title", retries=30)


async def test_customer_page_shows_record_consent_panels_and_timeline(web, staff, maria):
    await open_customer(staff, maria["customer"])
    await staff.should_see("Maria Huber", marker="customer-title")
    await staff.should_see("0664/1234567", marker="customer-phone")
    await staff.should_see("Linz, Österreich", marker="customer-place")
    await staff.should_see("ja", marker="customer-consent")
    await staff.should_see("Abgemeldet seit 21.11.2026", marker="customer-optout")
    # one card per module, headed by its label
    await staff.should_see("Ankauf", marker="module-panel-tradein")
    await staff.should_see(f"Fall {maria['case']} · Skoda Octavia (2019)",
                           marker=f"tradein-case-{maria['case']}")
    await staff.should_see("14.250,00 €", marker=f"tradein-case-{maria['case']}")
    await staff.should_see("Rückgewinnung", marker="module-panel-winback")
    await staff.should_see("80,0 %", marker="winback-decline")
    await staff.should_see("10.03.2026", marker="winback-last-order")
    # the timeline names the module of each entry and links to its record
    await staff.should_see("Marktwert 14.250,00 €", marker="timeline")
    await staff.should_see("Ankauf", marker="timeline-module")
    links = [e.props.get("href") for e in staff.find(marker="timeline-link").elements]
    assert f"/ankauf/{maria['case']}" in links


async def test_a_customer_without_module_data_says_so_in_each_panel(web, staff, now):
    with web.db.session(write=True) as session:
        customer_id = add_dms(session, "K5", "Otto", "Neu", "", now)
    await open_customer(staff, customer_id)
    await staff.should_see("nicht abgemeldet", marker="customer-optout")
    await staff.should_see("nein", marker="customer-consent")
    await staff.should_see("Keine Ankauf-Fälle.", marker="tradein-panel-none")
    await staff.should_see(marker="winback-panel-none")
    await staff.should_not_see(marker="duplicate-banner")


async def test_unknown_customer_gets_the_german_not_found_page(web, staff):
    for path in ("/kunden/987654", f"/kunden/{2**70}"):
        response = await staff.http_client.get(path)
        assert response.status_code == 404, (path, response.text[-3000:])
        assert "Nicht gefunden" in response.text
    assert "Den Kunden 987654 gibt es nicht." in (await staff.http_client.get(
        "/kunden/987654")).text


async def test_every_role_may_open_it_and_each_module_record_links_to_it(web, now, maria):
    web.add_user("vera", "sales")
    user = await web.login("vera")
    await open_customer(user, maria["customer"])
    await user.open(f"/ankauf/{maria['case']}")
    await user.should_see(marker="customer-record-link", retries=30)
    link = next(iter(user.find(marker="customer-record-link").elements))
    assert link.props["href"] == f"/kunden/{maria['customer']}"
    await user.open(f"/rueckgewinnung/kunde/{maria['customer']}")
    await user.should_see(marker="customer-record-link", retries=30)


async def test_header_search_lists_matches_and_a_click_opens_the_customer(web, staff, maria,
                                                                          website_pair):
    await staff.open("/")
    staff.find(marker="header-search").type("0664 123")
    await staff.should_see("Maria Huber", marker="search-result", retries=30)
    assert len(staff.find(marker="search-result").elements) == 1  # Lena's number differs
    staff.find(marker="search-result").click()
    await staff.should_see("Maria Huber", marker="customer-title", retries=30)


async def test_header_search_enter_opens_the_best_match_and_misses_say_so(web, staff, maria,
                                                                          website_pair):
    await staff.open("/")
    box = staff.find(marker="header-search")
    box.type("xqzv")
    await staff.should_see("Kein Kunde zu „xqzv“ gefunden.", marker="search-none", retries=30)
    box.clear().type("K2002")
    box.trigger("keydown.enter")
    await staff.should_see(marker="customer-number-badge", retries=30)
    await staff.should_see("Kundennr. K2002", marker="customer-number-badge")


async def test_merge_from_the_banner_keeps_the_dms_record(web, staff, website_pair):
    await open_customer(staff, website_pair["web"])
    await staff.should_see("Mögliche Dublette:", marker="duplicate-banner")
    await staff.should_see("Lena Berger (Kundennr. K2002)", marker="duplicate-link")
    staff.find(marker="merge-button").click()
    await staff.should_see("Kunden zusammenführen?")
    staff.find(marker="dialog-confirm").click()
    await staff.should_see("Kundennr. K2002", marker="customer-number-badge", retries=30)
    await staff.should_see("0676 555 12 12", marker="customer-phone")  # filled in
    await staff.should_see(f"Fall {website_pair['case']}",
                           marker=f"tradein-case-{website_pair['case']}")
    await staff.should_see("Kunde zusammengeführt", marker="timeline")
    await staff.should_not_see(marker="duplicate-banner")
    with web.db.session() as session:
        assert session.get(Customer, website_pair["web"]) is None
        assert session.get(TradeInCase, website_pair["case"]).customer_id == website_pair["dms"]


async def test_sales_sees_the_duplicate_but_no_merge_button(web, now, website_pair):
    web.add_user("vera", "sales")
    user = await web.login("vera")
    await open_customer(user, website_pair["dms"])
    await user.should_see("Lena Berger (Website-Kunde, ohne Kundennummer)",
                          marker="duplicate-link")
    await user.should_not_see(marker="merge-button")
    with web.db.session() as session:
        assert session.scalar(select(Customer.id).where(Customer.id == website_pair["web"]))


async def test_all_suggested_duplicates_are_listed_on_any_customer_page(web, staff, maria,
                                                                        website_pair):
    await open_customer(staff, maria["customer"])
    expansion = next(iter(staff.find(marker="duplicates-list").elements))
    with staff.client:
        expansion.open()  # the simulated user's click does not toggle an expansion
    await staff.should_see("lena.berger@example.at", marker="duplicates-list-entry", retries=30)
