"""What a user reads when core refuses something: the German sentence, never "Unerwarteter
Fehler" for a refusal core explained."""
from __future__ import annotations

from core.errors import ValidationError
from pages.widgets import error_text


def test_core_refusals_read_as_their_own_german_sentence():
    assert error_text(ValueError("Durch Umgebungsvariablen festgelegt: smtp_host")) == (
        "Durch Umgebungsvariablen festgelegt: smtp_host")
    assert error_text(ValidationError({"email": "Bitte eine E-Mail-Adresse angeben."})) == (
        "E-Mail: Bitte eine E-Mail-Adresse angeben.")
    assert error_text(RuntimeError("kaputt")).startswith("Unerwarteter Fehler")
