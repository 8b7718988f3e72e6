"""What every module's flow table is made of, and the checks all modules share.

A module declares its mails (`MailSpec`), its automatic rules (`AutoRule`, read by the due
engine core.due) and its actions (`Action` rows with their `Field`s, run by the action
engine core.actions); the checks below decide which action, whether this user may run it and
whether it is possible in the record's current status. Template keys and
idempotency keys are formed here, once, for every module."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.auth import require_role
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.models import OutboxMessage, User
from core.validation import UNENCODABLE, FieldErrors, is_encodable

MAX_TEXT = 4000
# A field's own parser: (errors, raw data, settings, now) -> cleaned values to merge.
Cleaner = Callable[[FieldErrors, dict, Any, datetime], dict[str, Any]]


@dataclass(frozen=True)
class MailSpec:
    """A mail of a module: its template name, who receives it and how it is classified.

    kind: marketing (needs no objection; opt-out stops it), transactional (the customer asked
    for it), staff (to dealer / service center addresses)."""

    key: str
    label: str
    recipient: str  # customer | dealer | service_center | user
    kind: str
    automatic: bool = False


@dataclass(frozen=True)
class AutoRule:
    """An automatic step: when a record has been in `status` for `after` (or, with
    at_nightly_run, at the first nightly run after it entered), send `mail` once and move to
    `to_status` (None: stay). Each rule fires at most once per stay in the status.

    max_late: how late the mail may still go out on its own (machine off, mail stuck in the
    outbox). Later than that it is queued as "held" and staff decide: send or discard.
    None: no limit.
    follows: the mail this one follows up on; if staff discarded that one (or it still waits
    for their decision), this one is not sent either: a reminder about a mail the customer
    never got makes no sense.
    recurs: the status can be entered again and the mail belongs to each stay (numbered
    idempotency keys: one per stay)."""

    name: str
    status: Any
    mail: str
    after: timedelta | None = None
    at_nightly_run: bool = False
    to_status: Any = None
    description: str = ""
    max_late: timedelta | None = None
    follows: str | None = None
    recurs: bool = False


@dataclass(frozen=True)
class Field:
    """One piece of data an action needs: a dialog field and the API body key `key`.

    kind decides the widget: text (one line), note (several lines), money, appointment
    (date + time), choice (one of `choices`; offered on the button's menu). `clean` parses
    the raw data (default: text up to MAX_TEXT, or one of the choices)."""

    key: str
    label: str
    kind: str = "text"
    required: bool = True
    missing: str = ""  # the German message when a required field is empty
    invalid: str = ""  # the German message when a choice is not one of the choices
    intro: str = ""  # a sentence above the field
    hint: str = ""
    placeholder: str = ""
    mark: str = ""  # UI marker: input-<mark>, <mark>-<choice> (default: key)
    choices: tuple[tuple[Any, str], ...] = ()
    default: Any = None
    button: str = ""  # a choice's main button, e.g. "Erinnerung in {value} Tagen"
    clean: Cleaner | None = None

    @property
    def marker(self) -> str:
        return self.mark or self.key


@dataclass(frozen=True)
class Action:
    """A thing staff (or the website, via API) can do to a record.

    allowed_from: statuses in which it is possible; to_status: None keeps the status; mail:
    the flow's mail it sends (the flow may pick another by record or field, e.g. a choice);
    requires / optional: the fields; confirm: what the dialog says before confirming when
    no mail preview shows it; done: the success message ({field} placeholders)."""

    name: str
    label: str
    allowed_from: frozenset
    to_status: Any = None
    mail: str | None = None
    requires: tuple[Field, ...] = ()
    optional: tuple[Field, ...] = ()
    roles: tuple[str, ...] = ("service", "supervisor")
    icon: str = ""
    confirm: tuple[str, ...] = ()
    done: str = ""
    only_when_possible: bool = False  # hide the button instead of showing it disabled

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.requires + self.optional


# --- parsing the fields ----------------------------------------------------------------

def _clean_text(errors: FieldErrors, data: dict, f: Field) -> Any:
    value = str(data.get(f.key) or "").strip()
    if not is_encodable(value):
        errors[f.key] = f"„{f.label}“ {UNENCODABLE}"
        return ""
    if not value and f.required:
        errors[f.key] = f.missing or f"Bitte „{f.label}“ ausfüllen."
    elif len(value) > MAX_TEXT:
        errors[f.key] = f"Höchstens {MAX_TEXT} Zeichen."
    return value


def _clean_choice(errors: FieldErrors, data: dict, f: Field) -> Any:
    raw = data.get(f.key)
    if raw is None or raw == "":
        return f.default
    for value, _label in f.choices:
        if str(value) == str(raw).strip():
            return value
    allowed = ", ".join(str(v) for v, _label in f.choices)
    errors[f.key] = f.invalid or f"„{f.label}“ muss eines von {allowed} sein."
    return None


def clean_fields(action: Action, data: Any, settings: Any, now: datetime) -> dict:
    """The action's fields from a dialog or API body, parsed; ValidationError with a German
    message per field when any is wrong."""
    data = data if isinstance(data, dict) else {}
    errors: FieldErrors = {}
    values: dict[str, Any] = {}
    for f in action.fields:
        if f.clean is not None:
            values |= f.clean(errors, data, settings, now)
        elif f.key not in values:  # a field another field's parser already read
            clean = _clean_choice if f.kind == "choice" else _clean_text
            values[f.key] = clean(errors, data, f)
    if errors:
        raise ValidationError(errors)
    return values



def template_key(module: str, mail: str) -> str:
    """The template of a module's mail: "<module>.<mail>" (files templates/<module>/<mail>.*)."""
    return f"{module}.{mail}"


def idempotency_key(module: str, record_id: int, mail: str, number: int | None = None) -> str:
    """The outbox key of a record's mail: "<module>:<record>:<mail>", numbered ":<n>" when the
    same mail may go to the same record more than once."""
    base = f"{module}:{record_id}:{mail}"
    return base if number is None else f"{base}:{number}"


def next_key(session: Session, module: str, record_id: int, mail: str,
             numbered: bool = True) -> str:
    """The key of the next send of `mail` to this record, counting the earlier ones: ":1",
    ":2", ... When not `numbered` the first send owns the plain key, which an automatic rule
    and a button share, so the two never both send it; a re-send after it gets ":2"."""
    base = idempotency_key(module, record_id, mail)
    earlier = session.scalar(select(func.count(OutboxMessage.id)).where(or_(
        OutboxMessage.idempotency_key == base,
        OutboxMessage.idempotency_key.startswith(base + ":", autoescape=True)))) or 0
    if earlier == 0 and not numbered:
        return base
    return idempotency_key(module, record_id, mail, earlier + 1)


def checked_action(actions: Mapping[str, Action], name: str, user: User | None) -> Action:
    """The action called `name` if `user` may run it (None: API or script, no role check).
    Raises NotFound or PermissionDenied."""
    action = actions.get(name)
    if action is None:
        raise NotFound(f"Unbekannte Aktion „{name}“.")
    if user is not None:
        require_role(user, *action.roles)
    return action


def ensure_allowed(reasons: Mapping[str, str | None], action: Action) -> None:
    """Raise ActionNotAllowed with the flow's German reason when `action` is not possible now
    (`reasons` as the flow's allowed_actions returns them)."""
    reason = reasons[action.name]
    if reason:
        raise ActionNotAllowed(reason)
