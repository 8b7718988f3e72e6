"""Rendering: escaping, layout, and refusing broken or malicious templates with clear messages."""
from __future__ import annotations

import pytest

from core.mail.render import TemplateError, render, validate, variables

CONTEXT = {"name": "Müller & Söhne <script>", "dealer_name": "Autohaus Berger"}


def test_html_is_escaped_but_subject_and_text_are_not():
    result = render("Angebot für {{ name }}", "Hallo {{ name }}", "<p>Hallo {{ name }}</p>",
                    CONTEXT)
    assert result.subject == "Angebot für Müller & Söhne <script>"
    assert "Hallo Müller & Söhne <script>" in result.text
    assert "<p>Hallo Müller &amp; Söhne &lt;script&gt;</p>" in result.html
    assert "<script>" not in result.html


def test_layout_carries_dealer_name_and_unsubscribe_link_for_customer_mails():
    context = CONTEXT | {"unsubscribe_url": "https://autohaus.example.com/abmelden/abc"}
    result = render("Betreff", "Text", "<p>Inhalt</p>", context)
    assert result.html.lstrip().startswith("<!DOCTYPE html>")
    assert "Autohaus Berger" in result.html
    assert 'href="https://autohaus.example.com/abmelden/abc"' in result.html
    assert "https://autohaus.example.com/abmelden/abc" in result.text  # plain text too
    staff = render("Betreff", "Text", "<p>Inhalt</p>", CONTEXT)
    assert "abmelden" not in staff.html


def test_subject_is_stripped_and_must_be_one_line():
    assert render("Hallo {{ name }}\n", "", "", {"name": "Anna"}).subject == "Hallo Anna"
    assert validate("Hallo\n{{ name }}", "", "", {"name": "Anna"}) == [
        "Betreff: muss aus einer Zeile bestehen."]


@pytest.mark.parametrize("source", ["{{ ''.__class__ }}", "{{ ''.__class__.__mro__ }}",
                                    "{{ name.__class__.__base__.__subclasses__() }}"])
def test_sandbox_violation_is_refused_with_a_clear_message(source):
    with pytest.raises(TemplateError) as caught:
        render("Betreff", "Text", source, {"name": "x"})
    assert "HTML" in str(caught.value)
    assert "Zugriff nicht erlaubt" in str(caught.value)


def test_undefined_variable_names_the_variable_and_its_line():
    messages = validate("Betreff", "Zeile eins\nHallo {{ vornahme }}", "<p></p>", {})
    assert len(messages) == 1
    assert "Text, Zeile 2" in messages[0]
    assert "unbekannte Variable „vornahme“" in messages[0]


def test_default_filter_is_the_explicit_fallback():
    assert render("{{ vorname|default('Kunde') }}", "", "", {}).subject == "Kunde"


def test_syntax_error_reports_line_number_in_german():
    messages = validate("Betreff", "eins\nzwei\n{% if kunde %}offen", "<p>{{ a }</p>", {})
    assert any(m.startswith("Text, Zeile 3: Syntaxfehler") for m in messages), messages
    assert any(m.startswith("HTML, Zeile 1: Syntaxfehler") for m in messages), messages
    assert len(messages) == 2  # validate returns every problem, not only the first


def test_variables_lists_what_a_template_uses():
    assert variables("{{ a }} {{ b|default('x') }}", "{% for c in d %}{{ c }}{% endfor %}") == {
        "a", "b", "d"}
