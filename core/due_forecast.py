"""Looking ahead with the due engine: `decide` (core.due) replayed in memory at future
instants, without writing. A forecast is exactly what the scheduler will later do, and every
record gets its upcoming automatic mails or the German reason why none will come."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core import consent
from core.due import MAX_STEPS, DueRules, Outcome, State, decide, due_states, state_of
from core.models import Customer


def _simulate(spec: DueRules, state: State, now: datetime, horizon: datetime,
              settings: Any) -> list[Outcome]:
    """Replay `decide` for one record up to `horizon`; overdue steps happen at `now`."""
    outcomes: list[Outcome] = []
    for _ in range(MAX_STEPS * 4):
        if state.due_at is None or state.due_at > horizon:
            break
        step = decide(spec, state, max(state.due_at, now), settings)
        if step.outcome is not None:
            outcomes.append(step.outcome)
        state = step.state
    return outcomes


def forecast(spec: DueRules, session: Session, now: datetime, settings: Any, days: int = 14,
             include_suppressed: bool = False) -> list[Outcome]:
    """The automatic mails of the next `days` days, in time order, without writing."""
    horizon = now + timedelta(days=days)
    outcomes: list[Outcome] = []
    for state in due_states(spec, session, horizon, open_only=True):
        outcomes += _simulate(spec, state, now, horizon, settings)
    if not include_suppressed:
        outcomes = [o for o in outcomes if o.sent]
    return sorted(outcomes, key=lambda o: (o.at, o.record_id))


def upcoming(spec: DueRules, record: Any, customer: Customer, now: datetime, settings: Any,
             days: int = 60) -> tuple[list[Outcome], str | None]:
    """The automatic mails this record will get, or the German reason why none will come."""
    if getattr(record, "archived_at", None) is not None:
        return [], spec.archived_reason
    rule = spec.by_status.get(record.status)
    refused = None if rule is not None and spec.to_staff(rule.mail) else \
        consent.may_send(customer, consent.AUTOMATIC)
    if refused:
        return [], f"Keine automatische Mail: {refused}"
    if rule is None:
        return [], (f"Im Status „{spec.status_labels[record.status]}“ sind keine "
                    "automatischen Mails vorgesehen")
    outcomes = _simulate(spec, state_of(spec, record, customer), now,
                         now + timedelta(days=days), settings)
    if outcomes:
        return outcomes, None
    if record.due_at is None:
        return [], f"{spec.mail_labels[rule.mail]} wurde bereits gesendet"
    return [], f"Keine automatische Mail in den nächsten {days} Tagen"
