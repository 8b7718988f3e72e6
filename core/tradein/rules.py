"""The funnel's automatic rules on the kernel's due engine (core.due): what is due now, what
will be due, and why not. The rules themselves are data (AUTO_RULES in core.tradein.flow);
this file only tells the engine how a trade-in case changes status and queues a mail."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core import due, due_forecast
from core.due import Outcome as RuleOutcome  # noqa: F401 - the trade-in name of an outcome
from core.models import OutboxMessage
from core.settings import Settings
from core.tradein import KEY, mails
from core.tradein.flow import AUTO_RULES, MAILS, STATUS_LABELS
from core.tradein.models import TradeInCase


def _change_status(session: Session, settings: Any, case: TradeInCase, to_status: int,
                   actor: str, now: datetime) -> None:
    from core.tradein import service  # service arms dues with DUE below: imported late

    service.change_status(session, settings, case, to_status, actor, now)


def _queue(session: Session, settings: Any, case: TradeInCase, mail: str, key: str,
           actor: str, now: datetime) -> OutboxMessage | None:
    return mails.queue(session, settings, case, case.customer, mail, key, actor, now)


DUE = due.DueRules(
    module=KEY, model=TradeInCase, rules=AUTO_RULES, status_labels=STATUS_LABELS,
    mail_labels={key: spec.label for key, spec in MAILS.items()},
    mail_kinds={key: spec.kind for key, spec in MAILS.items()},
    change_status=_change_status, queue_mail=_queue, archived_reason="Fall archiviert")


def run_due(session: Session, now: datetime, settings: Settings,
            dry_run: bool = False) -> list[RuleOutcome]:
    """Act on every case whose automatic step is due at `now` (idempotent, see core.due)."""
    return due.run_due(DUE, session, now, settings, dry_run)


def forecast(session: Session, now: datetime, settings: Settings, days: int = 14,
             include_suppressed: bool = False) -> list[RuleOutcome]:
    """The automatic mails of the next `days` days, in time order, without writing."""
    return due_forecast.forecast(DUE, session, now, settings, days, include_suppressed)


def upcoming_for_case(session: Session, case: TradeInCase, now: datetime,
                      settings: Settings, days: int = 60) -> tuple[list[RuleOutcome], str | None]:
    """The automatic mails this case will get, or the German reason why none will come."""
    return due_forecast.upcoming(DUE, case, case.customer, now, settings, days)
