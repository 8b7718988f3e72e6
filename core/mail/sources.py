"""What the templates page asks of a module about its mails (Module.templates).

A source names its templates, the variables they may use, sample data, the context of a
real record (case, customer, …) and who would receive the mail. The templates page, the
validation at save and the test mail read every module's templates through it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

RECIPIENTS = {"customer": "Kunde", "dealer": "Händler", "service_center": "Service-Center"}
KINDS = {"marketing": "Werbung/Erinnerung", "transactional": "vom Kunden erwartet",
         "staff": "an Mitarbeiter"}


@dataclass(frozen=True)
class Preview:
    """Template variables as the outbox would fill them, and who would receive the mail."""

    context: dict[str, Any]
    recipient: str


class TemplateSource(Protocol):
    record_label: str  # German label of the "preview with a record" picker
    variables: dict[str, str]  # name -> German description

    def templates(self, session: Session) -> dict[str, str]:
        """template key -> German label, every template of the module."""

    def meta(self, key: str) -> str:
        """One German line: recipient and kind of mail."""

    def sample(self, settings: Any, key: str) -> dict[str, Any]:
        """A full context of made-up values (also what a template is validated with)."""

    def preview(self, session: Session, settings: Any, key: str, record_id: int | None,
                now: datetime) -> Preview:
        """The context for record `record_id` (None: sample data); NotFound if unknown."""

    def records(self, session: Session, settings: Any, search: str,
                now: datetime) -> dict[int, str]:
        """Records to preview with: id -> German label, matching `search`."""

    def bare_key(self, name: str) -> str | None:
        """The full key of a template named without module prefix (old links), or None."""
