"""What the due engine asks about a run's records' earlier mails - did the mail a rule
follows up on go out, is a rule's idempotency key still unused - read for the whole run in
one query instead of two per mail (a nightly run queues hundreds)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import in_lists
from core.flows import AutoRule, template_key
from core.mail import outbox
from core.models import OutboxMessage


class EarlierMails:
    """The newest mail of each (record, mail name) among the mails the run's rules follow
    up on. Mails this run adds do not matter: a record gets at most one mail per run."""

    def __init__(self, newest: dict[tuple[int, str], tuple[str, str]]) -> None:
        self._newest = newest  # (record id, template key) -> (status, reason code)

    @classmethod
    def read(cls, session: Session, module: str, record_ids: Iterable[int],
             followed: Iterable[str]) -> EarlierMails:
        keys = sorted({template_key(module, mail) for mail in followed})
        ids = sorted(set(record_ids))
        newest: dict[tuple[int, str], tuple[str, str]] = {}
        if not keys:
            return cls(newest)
        for part in in_lists(ids):
            rows = session.execute(
                select(OutboxMessage.record_id, OutboxMessage.template_key,
                       OutboxMessage.status, OutboxMessage.reason_code)
                .where(OutboxMessage.module == module, OutboxMessage.record_id.in_(part),
                       OutboxMessage.template_key.in_(keys))
                .order_by(OutboxMessage.id))
            newest.update(((r.record_id, r.template_key), (r.status, r.reason_code))
                          for r in rows)
        return cls(newest)

    def undelivered(self, module: str, record_id: int, rule: AutoRule) -> str | None:
        """"verworfen" or "wartet noch auf eine Entscheidung" when the mail `rule` follows
        up on never went out (discarded, or held as late); else None."""
        if rule.follows is None:
            return None
        last = self._newest.get((record_id, template_key(module, rule.follows)))
        if last is None:
            return None
        status, reason = last
        if status == "cancelled":
            return "verworfen"
        return "wartet noch auf eine Entscheidung" if reason == outbox.LATE else None


def followed_mails(rules: Iterable[AutoRule]) -> set[str]:
    return {rule.follows for rule in rules if rule.follows is not None}
