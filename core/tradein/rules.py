"""The automatic rules of the funnel: what is due now, what will be due, and why not.

`decide` is the single piece of rule logic. `run_due` applies it to the database, `forecast`
and `upcoming_for_case` replay it in memory at future instants — so a forecast is exactly
what the scheduler will later do (DESIGN principle 6)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from core import events
from core.mail import outbox
from core.models import Customer, OutboxMessage, TradeInCase
from core.settings import Settings
from core.tradein import mails, service
from core.tradein.flow import AUTO_RULES, MAILS, RULES_BY_STATUS, STATUS_LABELS, AutoRule
from core.tradein.schedule import compute_due, lateness

RULES_BY_NAME = {rule.name: rule for rule in AUTO_RULES}
# Status 5 can be entered again (re-booked, missed again): one follow-up per miss.
NUMBERED_RULES = frozenset({"missed_followup"})
OPTED_OUT_EVENT = "automatische Mail nicht gesendet: Kunde hat sich abgemeldet"
OPTED_OUT_REASON = "Kunde hat sich abgemeldet"
MAX_STEPS = 4  # per case and run: a stale due may be recomputed, then fire once


class RuleOutcome(NamedTuple):
    """One automatic mail that was (or, in a forecast, will be) sent — or held back.

    held: queued, but too late to go out on its own (`reason` says how late); it waits in
    the outbox for staff to send or discard it. due_at: the moment the rule was due."""

    case_id: int
    rule: str
    mail: str
    at: datetime
    sent: bool
    reason: str | None = None
    customer_name: str = ""
    held: bool = False
    due_at: datetime | None = None

    @property
    def label(self) -> str:
        return MAILS[self.mail].label


class CaseState(NamedTuple):
    """The few columns the rules read; a plain value so forecasts can evolve it freely.
    (A tuple rather than a dataclass: run_due builds one per due case, so it must be cheap.)"""

    case_id: int
    status: int
    status_changed_at: datetime
    due_rule: str | None
    due_at: datetime | None
    archived: bool
    opted_out: bool
    customer_name: str = ""


class Step(NamedTuple):
    kind: str  # send | suppress | recompute | clear
    state: CaseState
    outcome: RuleOutcome | None = None
    to_status: int | None = None


def _with_due(state: CaseState, status: int, entered: datetime,
              settings: Settings) -> CaseState:
    due = compute_due(status, entered, state.archived, settings)
    rule, at = due if due else (None, None)
    return CaseState(state.case_id, status, entered, rule, at, state.archived, state.opted_out,
                     state.customer_name)


def decide(state: CaseState, now: datetime, settings: Settings) -> Step:
    """What the rules do with a case whose due time has come, as of `now`."""
    rule = RULES_BY_NAME.get(state.due_rule or "")
    if state.archived:
        return Step("clear", state._replace(due_rule=None, due_at=None))
    if rule is None or rule.status != state.status:
        # The case moved on without its due being re-armed: derive it from the status.
        return Step("recompute", _with_due(state, state.status, state.status_changed_at,
                                           settings))
    if state.opted_out:
        outcome = RuleOutcome(state.case_id, rule.name, rule.mail, now, False,
                              OPTED_OUT_REASON, state.customer_name)
        return Step("suppress", state._replace(due_rule=None, due_at=None), outcome)
    due = state.due_at or now
    late = lateness(rule, due, now)
    outcome = RuleOutcome(state.case_id, rule.name, rule.mail, now, late is None,
                          outbox.late_reason(late) if late else None, state.customer_name,
                          held=late is not None, due_at=due)
    if rule.to_status is not None and rule.to_status != state.status:
        return Step("send", _with_due(state, rule.to_status, now, settings), outcome,
                    rule.to_status)
    # Fired once in this stay: nothing more until the status changes.
    return Step("send", state._replace(due_rule=None, due_at=None), outcome)


def _state(case: TradeInCase, customer: Customer) -> CaseState:
    return CaseState(case.id, case.status, case.status_changed_at, case.due_rule, case.due_at,
                     case.archived_at is not None, customer.opted_out_at is not None,
                     customer.full_name)


# In CaseState's order; the two flags are computed by the database (no datetime parsing).
_STATE_COLUMNS = (
    TradeInCase.id, TradeInCase.status, TradeInCase.status_changed_at, TradeInCase.due_rule,
    TradeInCase.due_at, TradeInCase.archived_at.is_not(None),
    Customer.opted_out_at.is_not(None), Customer.first_name + " " + Customer.last_name,
)


def _due_states(session: Session, until: datetime, open_only: bool) -> list[CaseState]:
    """Every case due by `until`: one query on the indexed due_at, plain rows, no ORM."""
    query = (select(*_STATE_COLUMNS).join(Customer, TradeInCase.customer_id == Customer.id)
             .where(TradeInCase.due_at <= until).order_by(TradeInCase.due_at, TradeInCase.id))
    if open_only:
        query = query.where(TradeInCase.archived_at.is_(None))
    # Core execution: the ORM result layer would double the cost of this hot query.
    return [CaseState(*row) for row in session.connection().execute(query).all()]


def _steps(state: CaseState, now: datetime, settings: Settings) -> list[Step]:
    """Decide until the case is settled for `now` (a recomputed due may be due at once)."""
    steps: list[Step] = []
    for _ in range(MAX_STEPS):
        step = decide(state, now, settings)
        steps.append(step)
        state = step.state
        if step.kind != "recompute" or state.due_at is None or state.due_at > now:
            break
    return steps


# --- applying to the database ---------------------------------------------------------------

def _sent_in_stay(session: Session, case: TradeInCase, mail: str) -> bool:
    return bool(session.scalar(select(exists().where(
        OutboxMessage.case_id == case.id,
        OutboxMessage.template_key == mails.template_key(mail),
        OutboxMessage.created_at >= case.status_changed_at))))


def _undelivered_predecessor(session: Session, case: TradeInCase, rule: AutoRule) -> str | None:
    """Why `rule` must not send because the mail it follows up on never went out (discarded
    or held as late), or None."""
    if rule.follows is None:
        return None
    last = session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id,
        OutboxMessage.template_key == mails.template_key(rule.follows))
        .order_by(OutboxMessage.id.desc()).limit(1)).first()
    if last is None or not (last.status == "cancelled" or last.reason_code == outbox.LATE):
        return None
    label = MAILS[rule.follows].label
    what = "verworfen" if last.status == "cancelled" else "wartet noch auf eine Entscheidung"
    return f"nicht gesendet, weil die {label} nicht hinausging ({what})"


def _rule_key(session: Session, case: TradeInCase, outcome: RuleOutcome) -> str:
    """The market-value mail fires only in status 1 and the reminder only in the one stay in
    status 2, so each is the case's first of its kind: the plain key (shared with the button)
    needs no lookup. Follow-ups recur, one per missed appointment: numbered."""
    if outcome.rule in NUMBERED_RULES:
        return mails.next_key(session, case.id, outcome.mail, numbered=True)
    return f"tradein:{case.id}:{outcome.mail}"


def _apply(session: Session, settings: Settings, case: TradeInCase, step: Step,
           now: datetime, recomputed: bool) -> RuleOutcome | None:
    outcome = step.outcome
    if step.kind == "suppress":
        events.record(session, "mail_suppressed", f"{outcome.label}: {OPTED_OUT_EVENT}",
                      customer_id=case.customer_id, case_id=case.id,
                      data={"rule": outcome.rule, "reason": "opted_out"})
    elif step.kind == "send":
        if recomputed and _sent_in_stay(session, case, outcome.mail):
            case.due_rule = case.due_at = None  # a stale due must not send a second time
            return None
        missing = _undelivered_predecessor(session, case, RULES_BY_NAME[outcome.rule])
        if missing is not None:
            events.record(session, "mail_suppressed", f"{outcome.label}: {missing}",
                          customer_id=case.customer_id, case_id=case.id,
                          data={"rule": outcome.rule, "reason": "predecessor_not_sent"})
            case.due_rule, case.due_at = step.state.due_rule, step.state.due_at
            return outcome._replace(sent=False, held=False, reason=missing)
        if step.to_status is not None:
            service.change_status(session, settings, case, step.to_status, "system", now)
        key = _rule_key(session, case, outcome)
        row = mails.queue(session, settings, case, case.customer, outcome.mail, key, "system")
        _limit_lateness(session, row, outcome)
    case.due_rule, case.due_at = step.state.due_rule, step.state.due_at
    return outcome


def _limit_lateness(session: Session, row: OutboxMessage | None,
                    outcome: RuleOutcome) -> None:
    """Give the queued mail its deadline (due + the rule's allowance): the sender holds it
    instead of sending it late; one already too late waits for staff at once."""
    rule = RULES_BY_NAME[outcome.rule]
    if row is None or rule.max_late is None or outcome.due_at is None:
        return
    outbox.limit_lateness(session, row, outcome.due_at + rule.max_late,
                          outcome.reason if outcome.held else None)


def _load_cases(session: Session, ids: list[int]) -> dict[int, TradeInCase]:
    cases: dict[int, TradeInCase] = {}
    for first in range(0, len(ids), 500):  # stay far below any bound-parameter limit
        query = (select(TradeInCase).options(joinedload(TradeInCase.customer))
                 .where(TradeInCase.id.in_(ids[first:first + 500])))
        cases.update((case.id, case) for case in session.scalars(query))
    return cases


def run_due(session: Session, now: datetime, settings: Settings,
            dry_run: bool = False) -> list[RuleOutcome]:
    """Act on every case whose automatic step is due at `now`. Idempotent: a fired rule
    clears or moves `due_at`, so a second run at the same instant finds nothing; a case
    overdue for days (downtime) is handled once."""
    plans = [(state, _steps(state, now, settings))
             for state in _due_states(session, now, open_only=False)]
    if dry_run:
        return [step.outcome for _, steps in plans for step in steps if step.outcome]
    cases = _load_cases(session, [state.case_id for state, _ in plans])
    outcomes: list[RuleOutcome] = []
    for state, steps in plans:
        for index, step in enumerate(steps):
            recomputed = index > 0 and steps[index - 1].kind == "recompute"
            outcome = _apply(session, settings, cases[state.case_id], step, now, recomputed)
            if outcome is not None:
                outcomes.append(outcome)
    session.flush()
    return outcomes


# --- looking ahead --------------------------------------------------------------------------

def _simulate(state: CaseState, now: datetime, horizon: datetime,
              settings: Settings) -> list[RuleOutcome]:
    """Replay `decide` for one case up to `horizon`; overdue steps happen at `now`."""
    outcomes: list[RuleOutcome] = []
    for _ in range(MAX_STEPS * 4):
        if state.due_at is None or state.due_at > horizon:
            break
        step = decide(state, max(state.due_at, now), settings)
        if step.outcome is not None:
            outcomes.append(step.outcome)
        state = step.state
    return outcomes


def forecast(session: Session, now: datetime, settings: Settings, days: int = 14,
             include_suppressed: bool = False) -> list[RuleOutcome]:
    """The automatic mails of the next `days` days, in time order, without writing."""
    horizon = now + timedelta(days=days)
    outcomes: list[RuleOutcome] = []
    for state in _due_states(session, horizon, open_only=True):
        outcomes += _simulate(state, now, horizon, settings)
    if not include_suppressed:
        outcomes = [o for o in outcomes if o.sent]
    return sorted(outcomes, key=lambda o: (o.at, o.case_id))


def upcoming_for_case(session: Session, case: TradeInCase, now: datetime,
                      settings: Settings, days: int = 60) -> tuple[list[RuleOutcome], str | None]:
    """The automatic mails this case will get, or the German reason why none will come."""
    customer = case.customer
    if case.archived_at is not None:
        return [], "Fall archiviert"
    if customer.opted_out_at is not None:
        return [], "Keine automatische Mail: Kunde hat sich abgemeldet"
    rule = RULES_BY_STATUS.get(case.status)
    if rule is None:
        return [], (f"Im Status „{STATUS_LABELS[case.status]}“ sind keine automatischen "
                    "Mails vorgesehen")
    outcomes = _simulate(_state(case, customer), now, now + timedelta(days=days), settings)
    if outcomes:
        return outcomes, None
    if case.due_at is None:
        return [], f"{MAILS[rule.mail].label} wurde bereits gesendet"
    return [], f"Keine automatische Mail in den nächsten {days} Tagen"
