"""Rendering is bounded: a template that would loop, compute or write too much gets a German
error within a moment instead of freezing the server — in the preview, when saving, for the
test mail and when a mail is queued."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from core import clock
from core.mail import budget, outbox, templates
from core.mail.render import TemplateError, render, validate
from core.models import MailTemplate, OutboxMessage

QUICK = 5.0  # seconds; the budget stops every case below in well under one
REPORTED_LOOP = "{% for x in range(30000) %}{% for y in range(30000) %}{% endfor %}{% endfor %}"
REPORTED_STRING = "{{ 'a' * 10**9 }}"
LOOPS = "mehr als 100.000 Schleifendurchläufe"
TOO_LARGE = "Die Ausgabe wäre größer als 1.024 KB."


def html_errors(source: str) -> list[str]:
    """The German messages for an HTML body `source`; asserts the render came back quickly."""
    started = time.monotonic()
    with pytest.raises(TemplateError) as caught:
        render("Betreff", "Text", source, {"name": "Anna"})
    assert time.monotonic() - started < QUICK
    return caught.value.messages


def test_reported_nested_loop_is_a_german_error_not_a_40_second_stall():
    assert html_errors(REPORTED_LOOP) == [
        f"HTML, Zeile 1: Die Vorlage ist zu aufwendig: {LOOPS}."]


def test_reported_gigabyte_string_is_a_german_error_not_a_memory_error():
    assert html_errors(REPORTED_STRING) == [f"HTML, Zeile 1: {TOO_LARGE}"]


@pytest.mark.parametrize(("source", "message"), [
    pytest.param("{% for x in range(1000) %}{% for y in range(1000) %}{% endfor %}{% endfor %}",
                 LOOPS, id="million-iterations"),
    pytest.param("{{ 'a' * 2000000 }}", TOO_LARGE, id="two-megabytes"),
    pytest.param("{% for i in range(3000) %}{{ 'x' * 1000 }}{% endfor %}", TOO_LARGE,
                 id="output-grows-in-a-loop"),
    pytest.param("{{ range(1000000)|list|length }}", "mehr als 100.000 Einträge",
                 id="range-too-long"),
    pytest.param("{{ 10 ** 100000 }}", "mehr als 10.000 Stellen", id="huge-number"),
    pytest.param("{{ 'a'|center(10**9) }}", TOO_LARGE, id="center"),
    pytest.param("{{ '%999999999s' % name }}", TOO_LARGE, id="percent-width"),
    pytest.param("{{ '%999999999s'|format(name) }}", TOO_LARGE, id="format-filter"),
    pytest.param("{{ '{:>{}}'.format(name, 999999999) }}", TOO_LARGE, id="str-format"),
    pytest.param("{{ (['x' * 100000] * 1000)|join }}", TOO_LARGE, id="join"),
    pytest.param("{{ ('a' * 100000)|replace('a', 'a' * 100000) }}", TOO_LARGE, id="replace"),
    pytest.param("{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s|length }}"
                 "{% endif %}{% endmacro %}{{ d('a', 40) }}", TOO_LARGE, id="doubling-macro"),
    pytest.param("{% set ns = namespace(s='a') %}{% for i in range(40) %}"
                 "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}", TOO_LARGE,
                 id="doubling-namespace"),
    pytest.param("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}"
                 "{% endmacro %}{{ f(40) }}", "mehr als 20.000 Aufrufe", id="macro-tree"),
    pytest.param("{{ range(100000)|map('center', 1000000)|list|length }}",
                 "insgesamt mehr als", id="many-large-values"),
    pytest.param("{% set l = [1] %}{% for x in l %}{{ l.append(x) }}{% endfor %}",
                 "Zugriff nicht erlaubt", id="list-growing-while-looped"),
])
def test_costly_template_is_refused_in_german(source, message):
    messages = html_errors(source)
    assert len(messages) == 1
    assert messages[0].startswith("HTML, Zeile 1: ")
    assert message in messages[0]


def test_slow_template_stops_at_the_deadline(monkeypatch):
    monkeypatch.setattr(budget, "MAX_SECONDS", 0.0)
    messages = html_errors("{% for i in range(10) %}{{ i }}{% endfor %}")
    assert "Die Vorlage ist zu aufwendig: die Berechnung dauert länger als" in messages[0]


def test_ordinary_loops_macros_and_formatting_render_as_before():
    source = ("{% macro row(i) %}<li>{{ i.name }}: {{ '%d' % i.n }}</li>{% endmacro %}"
              "<ul>{% for i in items %}{{ row(i) }}{% endfor %}</ul>"
              "{{ items|map(attribute='name')|join(', ') }} {{ loop_free ~ '!' }} "
              "{{ '{} von {}'.format(1, items|length) }}")
    context = {"items": [{"name": "A&B", "n": 2}, {"name": "C", "n": 3}], "loop_free": "ok"}
    html = render("B", "T", source, context, layout=False).html
    assert html == ("<ul><li>A&amp;B: 2</li><li>C: 3</li></ul>A&amp;B, C ok! 1 von 2")


def test_validation_at_save_reports_the_budget_and_keeps_the_old_version(seeded):
    assert validate("Betreff", REPORTED_LOOP, "<p></p>", {}) == [
        f"Text, Zeile 1: Die Vorlage ist zu aufwendig: {LOOPS}."]
    with seeded.session(write=True) as session:
        with pytest.raises(TemplateError) as caught:
            templates.save(session, "test.hello", "Betreff", "Text", REPORTED_STRING, "anna", {},
                           clock.now())
        assert caught.value.messages == [f"HTML, Zeile 1: {TOO_LARGE}"]
    with seeded.session() as session:
        assert templates.get(session, "test.hello").version == 1


def test_enqueue_of_a_costly_stored_template_fails_quickly_and_queues_nothing(seeded,
                                                                              settings):
    with seeded.session(write=True) as session:
        # e.g. saved before this check existed: the outbox must not hang on it either
        session.scalar(select(MailTemplate).where(MailTemplate.key == "test.hello")
                       ).text_body = REPORTED_LOOP
    started = time.monotonic()
    with seeded.session(write=True) as session, pytest.raises(TemplateError) as caught:
        outbox.enqueue(session, settings, clock.now(), idempotency_key="k1",
                       template_key="test.hello",
                       context={"first_name": "Anna", "car": "VW", "number": 1},
                       to_addr="anna@kunde.example.com", kind="transactional")
    assert time.monotonic() - started < QUICK
    assert LOOPS in caught.value.messages[0]
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
