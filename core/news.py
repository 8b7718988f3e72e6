"""The bell in the header: what every registered module reports as new since this user last
looked (Module.news), and "looked now"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core import modules
from core.models import User


@dataclass(frozen=True)
class NewsLine:
    label: str
    href: str
    count: int


def unseen(session: Session, user_id: int) -> list[NewsLine]:
    """Each module's news with a count > 0 since the user last looked (never: since the
    account was created)."""
    user = session.get(User, user_id)
    if user is None:
        return []
    since = user.news_seen_at or user.created_at
    lines = [NewsLine(item.label, item.href, item.count(session, since))
             for module in modules.registered() for item in module.news]
    return [line for line in lines if line.count > 0]


def mark_seen(session: Session, user_id: int, now: datetime) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.news_seen_at = now
