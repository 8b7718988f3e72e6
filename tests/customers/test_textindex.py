"""The customers' text index (migration 0005) stays in step with every write, so a list
search that asks it first finds exactly what a row-by-row search finds – for rare words
(answered from the index) and common ones (more candidates than NARROW_LIMIT)."""
from __future__ import annotations

from sqlalchemy import delete, insert, update

from core.customers import textindex
from core.models import Customer
from core.tradein import queries
from core.tradein.models import TradeInCase


def _add(session, number: int, last_name: str, email: str, now) -> None:
    session.execute(insert(Customer).values(
        id=number, email=email, first_name="Eva", last_name=last_name, created_at=now))
    session.execute(insert(TradeInCase).values(
        id=number, customer_id=number, status=2, status_changed_at=now, make="Skoda",
        model="Octavia", build_year=2019, mileage_km=50_000, fuel="Diesel",
        market_value_cents=1_000_000, calculated_at=now, created_at=now, updated_at=now))


def _found(db, search: str) -> list[int]:
    with db.session() as session:
        rows, _total = queries.list_cases(session, search=search, page_size=500)
    return sorted(r.id for r in rows)


def test_index_follows_inserts_updates_and_deletes(db, now):
    with db.session(write=True) as session:
        _add(session, 1, "Özdemir", "eva.oezdemir@example.at", now)
        _add(session, 2, "Gruber", "eva.gruber@example.at", now)
    assert _found(db, "özdemir") == [1]
    assert _found(db, "ÖZDEMIR") == [1]  # case-insensitive, umlauts too
    assert _found(db, "oezdemir@example") == [1]
    with db.session(write=True) as session:
        session.execute(update(Customer).where(Customer.id == 2)
                        .values(last_name="Berger-Özdemir"))
    assert _found(db, "özdemir") == [1, 2]
    assert _found(db, "gruber") == [2]  # the e-mail still says so
    with db.session(write=True) as session:
        session.execute(delete(TradeInCase).where(TradeInCase.id == 1))
        session.execute(delete(Customer).where(Customer.id == 1))
        session.execute(update(Customer).where(Customer.id == 2).values(email=""))
    assert _found(db, "özdemir") == [2]
    assert _found(db, "gruber") == []


def test_common_words_are_found_without_the_index_and_rare_ones_through_it(db, now):
    common = textindex.NARROW_LIMIT + 5
    with db.session(write=True) as session:
        for number in range(1, common + 1):
            _add(session, number, f"Huber{number}", f"k{number}@example.at", now)
        _add(session, common + 1, "Huberti", "zz.selten@example.at", now)
    with db.session() as session:
        assert textindex.candidates(session, "huber") is None  # too many to narrow
        assert textindex.candidates(session, "selten") is not None
        _rows, total = queries.list_cases(session, search="huber")
    assert total == common + 1 or total > 1000  # capped count: "more than 1,000"
    assert _found(db, "selten") == [common + 1]
    assert _found(db, "huberti zz.selten") == []  # words must all be in the full name...
    assert _found(db, "Huberti") == [common + 1]
    assert _found(db, "eva huber5") == [5] + list(range(50, 60)) + list(range(500, 600))
