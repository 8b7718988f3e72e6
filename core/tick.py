"""One tick: every module's due rules, then the outbox drain, as of one instant.

The in-app scheduler (every minute) and `python app.py tick --at ...` both call `run_tick`,
so a test of the CLI is a test of what the scheduler does."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import modules
from core.db import Database, take_turns
from core.formatting import format_datetime
from core.mail import sender
from core.settings import Settings


@dataclass
class TickReport:
    """What one tick did: the rule outcomes per module and the drain result."""

    now: datetime
    outcomes: dict[str, list[Any]] = field(default_factory=dict)
    drain: Any = None  # core.mail.sender.DrainReport

    @property
    def fired(self) -> int:
        return sum(1 for items in self.outcomes.values() for o in items if o.sent)

    @property
    def suppressed(self) -> int:
        return sum(1 for items in self.outcomes.values() for o in items if not o.sent)

    def lines(self, tz: str) -> list[str]:
        """German summary for the console, one line per rule outcome plus totals."""
        result = [f"Lauf für {format_datetime(self.now, tz)} ({tz})"]
        for module, items in self.outcomes.items():
            for o in items:
                what = "eingereiht" if o.sent else f"nicht gesendet: {o.reason}"
                who = f" ({o.customer_name})" if getattr(o, "customer_name", "") else ""
                noun = _record_label(o.module)
                result.append(f"  {module} {noun} {o.record_id}{who}: {o.label} – {what}")
        result.append(f"Regeln: {self.fired} ausgelöst, {self.suppressed} unterdrückt")
        if self.drain is not None:
            d = self.drain
            took = f"{d.seconds:.2f}".replace(".", ",")
            result.append(f"Postausgang: {d.sent} gesendet, {d.retried} erneut geplant, "
                          f"{d.failed} fehlgeschlagen, {d.held} zurückgehalten in {took} s")
            if getattr(d, "quota_reached", False):
                result.append("Tageslimit erreicht: der Rest geht morgen hinaus.")
        return result


def _record_label(module_key: str) -> str:
    module = modules.get(module_key)
    return module.record_label if module is not None else "Nr."


def run_rules(db: Database, settings: Settings, now: datetime) -> dict[str, list[Any]]:
    """Every registered module's due rules, in registration order, in one write transaction
    (outbox rows commit with them). Outcomes are keyed by the module's German label.

    Two ticks at once (two consoles, or a console and `app.py tick`) take turns per module:
    the second one then finds the rules already fired instead of firing them again."""
    outcomes: dict[str, list[Any]] = {}
    with db.session(write=True) as session:
        for module in modules.registered():
            if module.run_due is not None:
                take_turns(session, f"rules:{module.key}")
                outcomes[module.label] = list(module.run_due(session, now, settings))
    return outcomes


def run_tick(
    db: Database, settings: Settings, now: datetime, *,
    dev_port: int | None = None, transport_factory: Callable | None = None,
) -> TickReport:
    """Run every due rule as of `now`, then drain the outbox.

    Without an SMTP server the mails go to the dev mailbox on `dev_port` (the running app's);
    with None the sender starts one just for this drain (the one-shot CLI tick)."""
    report = TickReport(now=now, outcomes=run_rules(db, settings, now))
    report.drain = sender.drain(db, settings, now, transport_factory=transport_factory,
                                dev_port=dev_port)
    return report
