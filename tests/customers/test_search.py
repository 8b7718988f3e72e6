"""The header search in core: every field kind, phone numbers however they are written,
ranking and the limit of ten."""
from __future__ import annotations

import pytest

from core.customers.search import phone_digits, search
from tests.customers.conftest import add_dms


@pytest.fixture
def people(cdb, now):
    with cdb.session(write=True) as session:
        ids = {
            "maria": add_dms(session, "K1001", "Maria", "Huber", "maria.huber@example.at", now,
                             phone="+43 664 1234567", city="Linz"),
            "hubert": add_dms(session, "K1002", "Hubert", "Gruber", "hg@firma.example", now,
                              phone="0664/7654321"),
            "oezlem": add_dms(session, "K2001", "Özlem", "Özdemir", "oezlem@example.at", now,
                              phone="01 987 65 43"),
            "firma": add_dms(session, "K3001", "", "", "office@transporte.example", now,
                             company_name="Leitner Transporte GmbH", phone="07252-12345"),
            "website": add_dms(session, None, "Lena", "Berger", "lena.berger@web.example", now),
        }
    return ids


def found(db, text: str, limit: int = 10) -> list[int]:
    with db.session() as session:
        return [hit.id for hit in search(session, text, limit)]


def test_finds_by_first_last_and_company_name_ignoring_case(cdb, people):
    assert found(cdb, "HUBER")[0] == people["maria"]
    assert people["hubert"] in found(cdb, "hubert")
    assert found(cdb, "transporte") == [people["firma"]]
    assert found(cdb, "maria hu") == [people["maria"]]  # every word must match somewhere


def test_umlauts_typed_in_lower_case_find_capitalised_names(cdb, people):
    assert found(cdb, "özdem") == [people["oezlem"]]
    assert found(cdb, "ÖZLEM") == [people["oezlem"]]


def test_finds_by_email_part_and_website_customers_without_number(cdb, people):
    assert found(cdb, "web.example") == [people["website"]]
    assert found(cdb, "Maria.Huber@") == [people["maria"]]


@pytest.mark.parametrize("typed", ["0664 123 4567", "06641234567", "+43 664 1234567",
                                   "0043-664-1234567", "664/123", "1234567"])
def test_phone_matches_however_it_is_written(cdb, people, typed):
    assert found(cdb, typed) == [people["maria"]]


def test_phone_stored_with_slash_or_dash_is_found_with_spaces(cdb, people):
    assert found(cdb, "+43 664 765 43 21") == [people["hubert"]]
    assert found(cdb, "07252 12345") == [people["firma"]]
    assert found(cdb, "01 9876543") == [people["oezlem"]]


def test_phone_normalisation():
    assert phone_digits("+43 (664) 123-45/67") == "6641234567"
    assert phone_digits("0043 664 1") == "6641"
    assert phone_digits("0664 1") == "6641"


def test_customer_number_exact_hit_comes_first(cdb, people):
    assert found(cdb, "K1002")[0] == people["hubert"]
    assert set(found(cdb, "K100")) == {people["maria"], people["hubert"]}


def test_shorter_than_two_characters_or_only_spaces_finds_nothing(cdb, people):
    assert found(cdb, "h") == []
    assert found(cdb, "   ") == []
    assert found(cdb, "") == []


def test_wildcards_typed_are_plain_characters(cdb, people):
    assert found(cdb, "%%") == []
    assert found(cdb, "_u") == []


def test_at_most_ten_results_and_names_starting_with_the_term_first(cdb, now):
    with cdb.session(write=True) as session:
        for i in range(14):
            add_dms(session, f"M{i:03d}", "Max", f"Mustermann{i:02d}", now=now)
        later = add_dms(session, "X1", "Anna", "Schmustermann", now=now)
    hits = found(cdb, "muster")
    assert len(hits) == 10
    assert later not in hits  # a name merely containing the term ranks after prefixes
    assert len(found(cdb, "muster", limit=3)) == 3
