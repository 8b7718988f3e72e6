"""Dashboard tiles, the paged case list and its CSV export, as staff use them."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from core import clock
from core.csvexport import neutralise, to_csv_bytes
from core.tradein import queries
from tests.tradein.conftest import act, new_case


def setup_cases(db, settings, now):
    ids = {}
    for n, (first, last) in enumerate([("Anna", "Gruber"), ("Bernd", "Huber"),
                                       ("Clara", "Bauer"), ("Dieter", "Gruber")]):
        clock.set_now(now + timedelta(minutes=n))
        ids[first] = new_case(db, settings, email=f"{first.lower()}@example.at",
                              first_name=first, last_name=last,
                              market_value_eur=10000 + 1000 * n)
    act(db, settings, ids["Bernd"], "request_appointment")
    act(db, settings, ids["Clara"], "request_appointment")
    act(db, settings, ids["Dieter"], "archive")
    return ids


def test_tile_counts_one_per_status_plus_special_tiles_without_archived(tdb, settings, now):
    setup_cases(tdb, settings, now)
    with tdb.session() as session:
        counts = queries.tile_counts(session)
    assert counts["status_1"] == 1 and counts["status_3"] == 2
    assert counts["new_requests"] == 2 and counts["missed"] == 0
    assert sum(counts[f"status_{s}"] for s in range(1, 9)) == 3


def test_list_filters_sorts_and_pages_on_the_server(tdb, settings, now):
    ids = setup_cases(tdb, settings, now)
    with tdb.session() as session:
        rows, total = queries.list_cases(session, search="gruber", include_archived=True,
                                         sort="name", descending=False)
        assert total == 2 and [r.first_name for r in rows] == ["Anna", "Dieter"]
        rows, total = queries.list_cases(session, search="gruber")
        assert total == 1 and rows[0].customer_name == "Anna Gruber"
        rows, total = queries.list_cases(session, tile="new_requests", sort="market_value")
        assert [r.id for r in rows] == [ids["Clara"], ids["Bernd"]] and total == 2
        page2, total = queries.list_cases(session, sort="id", descending=False, page=2,
                                          page_size=2)
        assert [r.id for r in page2] == [ids["Clara"]] and total == 3
        rows, _ = queries.list_cases(session, search="ANNA@EXAMPLE")
        assert [r.id for r in rows] == [ids["Anna"]]
        rows, _ = queries.list_cases(session, search="100%")  # a wildcard is plain text
        assert rows == []
        rows, _ = queries.list_cases(session, status=3, sort="email")
        assert [r.status_label for r in rows] == ["Termin angefragt"] * 2


def test_export_is_exactly_the_filtered_list_and_excel_safe(tdb, settings, now):
    setup_cases(tdb, settings, now)
    new_case(tdb, settings, email="evil@example.at", first_name="=HYPERLINK(\"x\")",
             last_name="@SUM(1)", market_value_eur="1234,5")
    with tdb.session() as session:
        data = queries.export_file(session, status=1, sort="id", descending=False)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Fall-Nr.", "Vorname", "Nachname", "E-Mail"]
    assert [r[3] for r in body] == ["anna@example.at", "evil@example.at"]
    evil = body[1]
    assert evil[1] == "'=HYPERLINK(\"x\")" and evil[2] == "'@SUM(1)"
    assert evil[header.index("Marktwert (EUR)")] == "1234,50"
    assert evil[header.index("Status seit")] == "23.11.2026 10:03"  # local time (UTC+1)


def test_csv_writer_neutralises_every_formula_start():
    for start in ("=", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    # A sign starts a formula only when no phone number or number follows it.
    for text in ("+HYPERLINK(\"http://x\")", "-cmd|' /C calc'!A0", "+A1", "- Rabatt"):
        assert neutralise(text) == "'" + text
    for text in ("+43 664 1234567", "+49 (0)30 123-45", "-5", "-12,50", "Gruber"):
        assert neutralise(text) == text
    data = to_csv_bytes(["a", "b"], [(-5, 1.5), ("-5", None), ("-x", "+43 1 5")],
                        "Europe/Vienna")
    assert data.decode("utf-8-sig").splitlines() == ["a;b", "-5;1,5", "-5;", "'-x;+43 1 5"]
