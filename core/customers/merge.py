"""Merging a suggested duplicate (core.customers.duplicates) into one record, in one
transaction: the DMS record stays, the website record's data fills its gaps, and every row
of every table that points at customers.id moves over – found through the schema's foreign
keys, so a future module's tables move too without this file knowing them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, UniqueConstraint, delete, exists, select, update
from sqlalchemy.orm import Session

from core import events, modules, optout
from core.auth import require_role
from core.customers.duplicates import checked_pair
from core.errors import ActionNotAllowed
from core.imports.runs import running
from core.models import Base, Customer, User

MERGE_ROLES = ("service", "supervisor")  # and admin, who may do everything
MERGED_EVENT = "customer_merged"
# Filled on the kept record where it is empty; German labels for the timeline.
FILLABLE = {"first_name": "Vorname", "last_name": "Nachname", "phone": "Telefon",
            "company_name": "Firmenname", "city": "Ort", "country": "Land",
            "customer_group": "Kundengruppe"}


@dataclass
class MergeResult:
    keep_id: int
    drop_id: int
    filled: list[str] = field(default_factory=list)  # German labels of the filled fields
    moved: dict[str, int] = field(default_factory=dict)  # table name -> rows moved


def customer_references() -> list[tuple[Table, str, bool]]:
    """(table, column, keyed) for every column with a foreign key to customers.id; keyed:
    the column alone is a primary key or unique, so two customers' rows may collide."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != Customer.__tablename__ or fk.column.name != "id":
                continue
            column = fk.parent
            keyed = column.primary_key or bool(column.unique) or any(
                list(c.columns) == [column] for c in table.constraints
                if isinstance(c, UniqueConstraint)) or any(
                index.unique and list(index.columns) == [column] for index in table.indexes)
            found.append((table, column.name, keyed))
    return found


def _combine_consent(keep: Customer, drop: Customer) -> None:
    """The stricter wins: an objection of either stays (with its earliest date); consent only
    if the kept record has it, or the other has it and nobody objected."""
    dates = [d for d in (keep.opted_out_at, drop.opted_out_at) if d is not None]
    consent = keep.marketing_consent or (drop.marketing_consent and not dates)
    keep.opted_out_at = min(dates) if dates else None
    keep.marketing_consent = bool(consent)


def _fill(keep: Customer, drop: Customer) -> list[str]:
    filled = []
    for name, label in FILLABLE.items():
        if not (getattr(keep, name) or "").strip() and (getattr(drop, name) or "").strip():
            setattr(keep, name, getattr(drop, name))
            filled.append(label)
    keep.created_at = min(keep.created_at, drop.created_at)  # known to us since the first
    return filled


def _move_rows(session: Session, keep_id: int, drop_id: int) -> dict[str, int]:
    """Re-point every reference. Module hooks go first (tables keyed by customer); a keyed
    table no hook settled must not hold rows of both, or the merge is refused (rolled back)."""
    for module in modules.registered():
        if module.merge_customer is not None:
            module.merge_customer(session, keep_id, drop_id)
    moved = {}
    for table, name, keyed in customer_references():
        column = table.c[name]
        if keyed and session.scalar(select(exists().where(column == keep_id))) and \
                session.scalar(select(exists().where(column == drop_id))):
            raise ActionNotAllowed(f"Beide Kunden haben Daten in „{table.name}“, die sich "
                                   "nicht zusammenführen lassen. Es wurde nichts geändert.")
        count = session.execute(update(table).where(column == drop_id).values({name: keep_id})
                                .execution_options(synchronize_session=False)).rowcount
        if count:
            moved[table.name] = moved.get(table.name, 0) + count
    return moved


def _describe(drop: Customer, result: MergeResult, cancelled: int) -> str:
    text = f"Kunde zusammengeführt: Website-Kunde {drop.full_name or drop.email} " \
           f"({drop.email}) übernommen"
    if result.filled:
        text += "; ergänzt: " + ", ".join(result.filled)
    if cancelled:
        text += f"; {cancelled} wartende Werbe-E-Mail(s) storniert (Abmeldung)"
    return text


def merge(session: Session, keep_id: int, drop_id: int, *, user: User | None,
          now: datetime) -> MergeResult:
    """Merge website customer `drop_id` into DMS customer `keep_id` (a suggested pair) and
    delete it. `user` None: a script, no role check. Raises PermissionDenied,
    ActionNotAllowed; the caller's transaction rolls everything back then."""
    if user is not None:
        require_role(user, *MERGE_ROLES)
    if running(session) is not None:
        # Undoing an unfinished import could restore rows pointing at the deleted record.
        raise ActionNotAllowed("Gerade läuft ein Import. Bitte danach zusammenführen.")
    keep, drop = checked_pair(session, keep_id, drop_id)
    result = MergeResult(keep.id, drop.id, filled=_fill(keep, drop))
    _combine_consent(keep, drop)
    session.flush()
    result.moved = _move_rows(session, keep.id, drop.id)
    cancelled = optout.cancel_waiting_marketing(session, keep.id) \
        if keep.opted_out_at is not None else 0
    session.expunge(drop)  # deleted below without the ORM touching its (moved) children
    session.execute(delete(Customer).where(Customer.id == drop.id)
                    .execution_options(synchronize_session=False))
    events.record(session, now, MERGED_EVENT, _describe(drop, result, cancelled),
                  customer_id=keep.id, actor=user.username if user is not None else "system",
                  data={"merged_customer_id": drop.id, "merged_email": drop.email,
                        "filled": result.filled, "moved": result.moved})
    session.flush()
    return result
