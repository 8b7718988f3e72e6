"""The due engine: every module's automatic mails from one piece of rule logic.

A module's record (a trade-in case, later a vehicle's service type, a lead, an enrolment)
keeps its next automatic step in two indexed columns, `due_rule` and `due_at`; the module
declares its rules as data (`AutoRule` in core.flows) and hands them over as `DueRules`.
`decide` is the single rule logic: `run_due` applies it to the database, `forecast` and
`upcoming` (core.due_forecast) replay it in memory at future instants, so a forecast is
exactly what the scheduler will later do and every module gets the "why no automatic mail"
answer for free (DESIGN principles 1 and 6)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, exists, literal, select
from sqlalchemy.orm import Session, joinedload

from core import consent, events
from core.bulkwork import collector_paused
from core.db import in_lists
from core.due_mails import EarlierMails, followed_mails
from core.flows import AutoRule, idempotency_key, next_key, template_key
from core.mail import outbox
from core.models import Customer, OutboxMessage, UTCDateTime
from core.schedule import rule_due

SUPPRESSED_EVENT = "automatische Mail nicht gesendet"
MAX_STEPS = 4  # per record and run: a stale due may be recomputed, then fire once

# (session, settings, record, to_status, actor, now): the module's own status change (events,
# on-enter mails, re-arming the due rule).
ChangeStatus = Callable[[Session, Any, Any, Any, str, datetime], None]
# (session, settings, record, mail, idempotency key, actor, now) -> the queued row or None.
QueueMail = Callable[[Session, Any, Any, str, str, str, datetime], OutboxMessage | None]


@dataclass(frozen=True)
class DueRules:
    """What a module tells the due engine. `model` is its record class with the columns
    id, customer_id, status, status_changed_at, due_rule, due_at (and archived_at if records
    can be archived) and a `customer` relationship. A record without a customer is never
    due (the engine joins the customer: name, opt-out, address)."""

    module: str
    model: Any
    rules: tuple[AutoRule, ...]
    status_labels: Mapping[Any, str]
    mail_labels: Mapping[str, str]
    change_status: ChangeStatus
    queue_mail: QueueMail
    archived_reason: str = "Archiviert"
    # mail name -> kind (core.flows.MailSpec.kind). A staff mail (e.g. an escalation to a
    # supervisor) goes whatever the customer chose; every other automatic mail asks the
    # consent rule as consent.AUTOMATIC.
    mail_kinds: Mapping[str, str] = field(default_factory=dict)
    by_name: dict[str, AutoRule] = field(init=False)
    by_status: dict[Any, AutoRule] = field(init=False)

    def __post_init__(self) -> None:
        statuses = [r.status for r in self.rules]
        if len(set(statuses)) != len(statuses):  # the engine keeps one due step per record
            raise ValueError(f"{self.module}: one automatic rule per status")
        object.__setattr__(self, "by_name", {r.name: r for r in self.rules})
        object.__setattr__(self, "by_status", {r.status: r for r in self.rules})

    def to_staff(self, mail: str) -> bool:
        return self.mail_kinds.get(mail) == "staff"

    def archived_column(self) -> Any:
        column = getattr(self.model, "archived_at", None)
        return column.is_not(None) if column is not None else literal(False)


class Due(NamedTuple):
    rule: str
    at: datetime


class Outcome(NamedTuple):
    """One automatic mail that was (or, in a forecast, will be) sent — or held back.

    held: queued, but too late to go out on its own (`reason` says how late); it waits in
    the outbox for staff to send or discard it. due_at: the moment the rule was due."""

    module: str
    record_id: int
    rule: str
    mail: str
    label: str
    at: datetime
    sent: bool
    reason: str | None = None
    customer_name: str = ""
    held: bool = False
    due_at: datetime | None = None


class State(NamedTuple):
    """The few columns the rules read; a plain value so forecasts can evolve it freely.
    (A tuple rather than a dataclass: run_due builds one per due record, so it must be
    cheap.)"""

    record_id: int
    status: Any
    status_changed_at: datetime
    due_rule: str | None
    due_at: datetime | None
    archived: bool
    opted_out: bool
    customer_name: str = ""
    has_address: bool = True


class Step(NamedTuple):
    kind: str  # send | suppress | recompute | clear
    state: State
    outcome: Outcome | None = None
    to_status: Any = None


def compute_due(spec: DueRules, status: Any, entered_at: datetime, archived: bool,
                settings: Any) -> Due | None:
    """The automatic step for a fresh stay in `status` (None: nothing automatic)."""
    rule = spec.by_status.get(status)
    if archived or rule is None:
        return None
    return Due(rule.name, rule_due(rule, entered_at, settings))


def arm(spec: DueRules, record: Any, settings: Any) -> None:
    """Set the record's due columns for its current (fresh) stay, or clear them."""
    due = compute_due(spec, record.status, record.status_changed_at,
                      getattr(record, "archived_at", None) is not None, settings)
    record.due_rule, record.due_at = (due.rule, due.at) if due else (None, None)


def lateness(rule: AutoRule, due_at: datetime, now: datetime) -> timedelta | None:
    """How late firing `rule` at `now` is, if more than the rule allows (None: in time)."""
    if rule.max_late is None:
        return None
    late = now - due_at
    return late if late > rule.max_late else None


def _with_due(spec: DueRules, state: State, status: Any, entered: datetime,
              settings: Any) -> State:
    due = compute_due(spec, status, entered, state.archived, settings)
    rule, at = due if due else (None, None)
    # The constructor, not _replace: this runs for hundreds of records per nightly run.
    return State(state.record_id, status, entered, rule, at, state.archived, state.opted_out,
                 state.customer_name, state.has_address)


def _cleared(state: State) -> State:
    """`state` with nothing due (the constructor: _replace is slow on this hot path)."""
    return State(state.record_id, state.status, state.status_changed_at, None, None,
                 state.archived, state.opted_out, state.customer_name, state.has_address)


def _outcome(spec: DueRules, state: State, rule: AutoRule, now: datetime, sent: bool,
             reason: str | None, held: bool = False, due_at: datetime | None = None) -> Outcome:
    return Outcome(spec.module, state.record_id, rule.name, rule.mail,
                   spec.mail_labels[rule.mail], now, sent, reason, state.customer_name, held,
                   due_at)


def decide(spec: DueRules, state: State, now: datetime, settings: Any) -> Step:
    """What the rules do with a record whose due time has come, as of `now`."""
    rule = spec.by_name.get(state.due_rule or "")
    if state.archived:
        return Step("clear", _cleared(state))
    if rule is None or rule.status != state.status:
        # The record moved on without its due being re-armed: derive it from the status.
        return Step("recompute", _with_due(spec, state, state.status, state.status_changed_at,
                                           settings))
    # The consent rule is asked only when a flag it reads is set: for an automatic mail it
    # answers None otherwise, and this runs for every due record.
    if (state.opted_out or not state.has_address) and not spec.to_staff(rule.mail):
        refused = consent.refusal(consent.AUTOMATIC, opted_out=state.opted_out,
                                  has_address=state.has_address)
        if refused:
            outcome = _outcome(spec, state, rule, now, False, refused)
            return Step("suppress", _cleared(state), outcome)
    due = state.due_at or now
    late = lateness(rule, due, now)
    outcome = _outcome(spec, state, rule, now, late is None,
                       outbox.late_reason(late) if late else None, late is not None, due)
    if rule.to_status is not None and rule.to_status != state.status:
        return Step("send", _with_due(spec, state, rule.to_status, now, settings), outcome,
                    rule.to_status)
    # Fired once in this stay: nothing more until the status changes.
    return Step("send", _cleared(state), outcome)


def _columns(spec: DueRules) -> tuple:
    # In State's order; the flags are computed by the database (no datetime parsing).
    m = spec.model
    return (m.id, m.status, m.status_changed_at, m.due_rule, m.due_at, spec.archived_column(),
            Customer.opted_out_at.is_not(None), Customer.first_name + " " + Customer.last_name,
            Customer.email != "")


def due_states(spec: DueRules, session: Session, until: datetime,
               open_only: bool) -> list[State]:
    """Every record due by `until`: one query on the indexed due_at, plain rows, no ORM."""
    query = _due_query(spec, open_only)
    # The driver's plain tuples instead of SQLAlchemy rows (this hot query runs every minute
    # and its result layer cost as much as the query): only the two instants need their
    # type's conversion, done here with that type's own processor.
    connection = session.connection()
    instant = _instant_reader(connection.dialect)
    result = connection.execute(query, {"until": until})
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return [State(record_id, status, instant(changed), rule, None if at is None else instant(at),
                  archived, opted_out, name, has_address)
            for record_id, status, changed, rule, at, archived, opted_out, name, has_address
            in rows]


def _due_query(spec: DueRules, open_only: bool) -> Select:
    # Built once per module: building it cost a tenth of running it.
    key = (spec.module, spec.model, open_only)
    if key not in _DUE_QUERIES:
        m = spec.model
        query = (select(*_columns(spec)).join(Customer, m.customer_id == Customer.id)
                 .where(m.due_at <= bindparam("until", type_=UTCDateTime()))
                 .order_by(m.due_at, m.id))
        _DUE_QUERIES[key] = query.where(~spec.archived_column()) if open_only else query
    return _DUE_QUERIES[key]


_DUE_QUERIES: dict[tuple, Select] = {}


@lru_cache(maxsize=4)
def _instant_reader(dialect: Any) -> Callable[[Any], datetime]:
    return UTCDateTime().result_processor(dialect, None) or (lambda value: value)


def state_of(spec: DueRules, record: Any, customer: Customer) -> State:
    return State(record.id, record.status, record.status_changed_at, record.due_rule,
                 record.due_at, getattr(record, "archived_at", None) is not None,
                 customer.opted_out_at is not None, customer.full_name,
                 bool((customer.email or "").strip()))


def _steps(spec: DueRules, state: State, now: datetime, settings: Any) -> list[Step]:
    """Decide until the record is settled for `now` (a recomputed due may be due at once)."""
    steps = [decide(spec, state, now, settings)]
    while steps[-1].kind == "recompute" and len(steps) < MAX_STEPS:
        state = steps[-1].state
        if state.due_at is None or state.due_at > now:
            break
        steps.append(decide(spec, state, now, settings))
    return steps


# --- applying to the database ---------------------------------------------------------------

def _mails_of(spec: DueRules, record_id: int, mail: str) -> Any:
    return (OutboxMessage.module == spec.module, OutboxMessage.record_id == record_id,
            OutboxMessage.template_key == template_key(spec.module, mail))


def _sent_in_stay(spec: DueRules, session: Session, record: Any, mail: str) -> bool:
    return bool(session.scalar(select(exists().where(
        *_mails_of(spec, record.id, mail),
        OutboxMessage.created_at >= record.status_changed_at))))


def _undelivered_predecessor(spec: DueRules, earlier: EarlierMails, record: Any,
                             rule: AutoRule) -> str | None:
    """Why `rule` must not send because the mail it follows up on never went out (discarded
    or held as late), or None."""
    what = earlier.undelivered(spec.module, record.id, rule)
    if what is None:
        return None
    return f"nicht gesendet, weil die {spec.mail_labels[rule.follows]} nicht hinausging ({what})"


def _rule_key(spec: DueRules, session: Session, record: Any, outcome: Outcome) -> str:
    """A rule that fires once per record shares the plain key with the button (no lookup);
    recurring rules (AutoRule.recurs) are numbered."""
    if spec.by_name[outcome.rule].recurs:
        return next_key(session, spec.module, record.id, outcome.mail, numbered=True)
    return idempotency_key(spec.module, record.id, outcome.mail)


def _suppress(spec: DueRules, session: Session, record: Any, outcome: Outcome, text: str,
              reason: str, now: datetime) -> None:
    events.record(session, now, "mail_suppressed", f"{outcome.label}: {text}",
                  customer_id=record.customer_id, module=spec.module, record_id=record.id,
                  data={"rule": outcome.rule, "reason": reason})


def _apply(spec: DueRules, session: Session, settings: Any, record: Any, step: Step,
           now: datetime, recomputed: bool, earlier: EarlierMails) -> Outcome | None:
    outcome = step.outcome
    if step.kind == "suppress":
        code = "opted_out" if outcome.reason == consent.OPTED_OUT else "no_address"
        _suppress(spec, session, record, outcome,
                  f"{SUPPRESSED_EVENT}: {outcome.reason}", code, now)
    elif step.kind == "send":
        if recomputed and _sent_in_stay(spec, session, record, outcome.mail):
            record.due_rule = record.due_at = None  # a stale due must not send a second time
            return None
        missing = _undelivered_predecessor(spec, earlier, record, spec.by_name[outcome.rule])
        if missing is not None:
            _suppress(spec, session, record, outcome, missing, "predecessor_not_sent", now)
            record.due_rule, record.due_at = step.state.due_rule, step.state.due_at
            return outcome._replace(sent=False, held=False, reason=missing)
        if step.to_status is not None:
            spec.change_status(session, settings, record, step.to_status, "system", now)
        key = _rule_key(spec, session, record, outcome)
        row = spec.queue_mail(session, settings, record, outcome.mail, key, "system", now)
        _limit_lateness(spec, session, row, outcome, now)
    record.due_rule, record.due_at = step.state.due_rule, step.state.due_at
    return outcome


def _limit_lateness(spec: DueRules, session: Session, row: OutboxMessage | None,
                    outcome: Outcome, now: datetime) -> None:
    """Give the queued mail its deadline (due + the rule's allowance): the sender holds it
    instead of sending it late; one already too late waits for staff at once."""
    rule = spec.by_name[outcome.rule]
    if row is None or rule.max_late is None or outcome.due_at is None:
        return
    outbox.limit_lateness(session, row, outcome.due_at + rule.max_late,
                          outcome.reason if outcome.held else None, now)


def _load(spec: DueRules, session: Session, ids: list[int]) -> dict[int, Any]:
    records: dict[int, Any] = {}
    # The customer comes along in the same query where the record maps it (mails need it).
    options = [joinedload(spec.model.customer)] if hasattr(spec.model, "customer") else []
    for part in in_lists(ids):
        query = select(spec.model).options(*options).where(spec.model.id.in_(part))
        records.update((record.id, record) for record in session.scalars(query))
    return records


@collector_paused()
def run_due(spec: DueRules, session: Session, now: datetime, settings: Any,
            dry_run: bool = False) -> list[Outcome]:
    """Act on every record whose automatic step is due at `now`. Idempotent: a fired rule
    clears or moves `due_at`, so a second run at the same instant finds nothing; a record
    overdue for days (downtime) is handled once."""
    plans = [(state, _steps(spec, state, now, settings))
             for state in due_states(spec, session, now, open_only=False)]
    if dry_run:
        return [step.outcome for _, steps in plans for step in steps if step.outcome]
    records = _load(spec, session, [state.record_id for state, _ in plans])
    sends = [(state.record_id, step.outcome) for state, steps in plans for step in steps
             if step.kind == "send"]
    earlier = EarlierMails.read(session, spec.module, (record_id for record_id, _ in sends),
                                followed_mails(spec.rules))
    outbox.note_unused_keys(session, [idempotency_key(spec.module, record_id, o.mail)
                                      for record_id, o in sends
                                      if not spec.by_name[o.rule].recurs])
    outcomes: list[Outcome] = []
    # One flush at the end instead of one before every lookup: a record's lookups (mails of
    # its stay, its predecessor mail, a used key) never concern the rows this run adds for
    # other records, and a record gets at most one mail per run (see `_steps`).
    with session.no_autoflush:
        for state, steps in plans:
            for index, step in enumerate(steps):
                recomputed = index > 0 and steps[index - 1].kind == "recompute"
                outcome = _apply(spec, session, settings, records[state.record_id], step, now,
                                 recomputed, earlier)
                if outcome is not None:
                    outcomes.append(outcome)
    session.flush()
    return outcomes
