"""What the service pages and the API read: tiles, the follow-up list (server-side sort,
filter, paging, export), rates per type, and the invitations of a vehicle."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from core import exports
from core.models import Customer
from core.paging import capped_count
from core.service.models import ServiceDue, ServiceInvitation, Vehicle
from core.service.timeline import STATUS_LABELS
from core.service.types import SERVICE_TYPES, joined_labels
from core.settings import Settings

C, Inv = Customer, ServiceInvitation  # short names keep the queries readable

LISTED = tuple(s for s in STATUS_LABELS if s != "planned")  # sent or held back
TILES: tuple[tuple[str, str, str, str, str], ...] = (  # key, label, hint, icon, colour
    ("week", "Einladungen diese Woche", "seit Montag verschickt", "mail", "light-blue-8"),
    ("call_list", "Anrufliste", "keine Reaktion bis zur Fälligkeit", "phone_in_talk",
     "orange-8"),
    ("callback", "Rückrufwünsche", "Kunde bittet um Anruf", "support_agent", "red-7"),
    ("booked", "Gebucht", "Termin über den Link gewünscht", "event_available", "green-7"),
    ("excluded", "Ausgeschlossen", "offener Auftrag derselben Art", "block", "grey-7"),
)
TILE_KEYS = tuple(t[0] for t in TILES)


def week_start(settings: Settings, now: datetime) -> datetime:
    zone = ZoneInfo(settings.timezone)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def tile_counts(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    since = week_start(settings, now)
    week, call_list, callback, booked = session.execute(select(
        func.sum(case((Inv.invited_at >= since, 1), else_=0)),
        func.sum(case((Inv.status == "call_list", 1), else_=0)),
        func.sum(case((Inv.status == "callback", 1), else_=0)),
        func.sum(case((Inv.status == "booked", 1), else_=0)))).one()
    excluded = session.scalar(select(func.count(func.distinct(ServiceDue.vehicle_id)))
                              .where(ServiceDue.excluded != "")) or 0
    return {"week": int(week or 0), "call_list": int(call_list or 0),
            "callback": int(callback or 0), "booked": int(booked or 0),
            "excluded": int(excluded)}


@dataclass(frozen=True)
class InvitationRow:
    id: int
    vehicle_id: int
    vehicle_number: str
    plate: str
    make: str
    model: str
    customer_id: int | None
    customer_number: str | None
    first_name: str
    last_name: str
    company_name: str
    phone: str
    service_types: str
    due_date: date
    status: str
    invited_at: datetime | None
    reminded_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    booked_at: datetime | None
    callback_at: datetime | None
    order_found_at: datetime | None
    call_listed_at: datetime | None
    automated_clicks: int
    outcome: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.company_name

    @property
    def types(self) -> list[str]:
        return [t for t in self.service_types.split(",") if t]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


_COLUMNS = (Inv.id, Inv.vehicle_id, Vehicle.vehicle_number, Vehicle.plate, Vehicle.make,
            Vehicle.model, Inv.customer_id, C.customer_number, C.first_name, C.last_name,
            C.company_name, C.phone, Inv.service_types, Inv.due_date, Inv.status, Inv.invited_at,
            Inv.reminded_at, Inv.opened_at, Inv.clicked_at, Inv.booked_at, Inv.callback_at,
            Inv.order_found_at, Inv.call_listed_at, Inv.automated_clicks, Inv.outcome)
NULLABLE_SORTS = frozenset({"invited_at"})
SORT_COLUMNS = {"due_date": Inv.due_date, "invited_at": Inv.invited_at, "status": Inv.status,
                "plate": Vehicle.plate, "name": C.last_name, "id": Inv.id}


def _base(*columns) -> Select:
    return (select(*columns).select_from(Inv).join(Vehicle, Vehicle.id == Inv.vehicle_id)
            .outerjoin(C, C.id == Inv.customer_id))


def conditions(status: str | tuple[str, ...] | None = None, service_type: str | None = None,
               search: str = "",
               invitation_id: int | None = None, vehicle_number: str | None = None,
               invited_since: datetime | None = None) -> list:
    """The list's filters; ValueError (German) for an unknown status or type."""
    where = [Inv.status.in_(LISTED)]
    if status:
        wanted = (status,) if isinstance(status, str) else tuple(status)
        for one in wanted:
            if one not in LISTED:
                raise ValueError(f"Unbekannter Status „{one}“ (erlaubt: {', '.join(LISTED)}).")
        where.append(Inv.status.in_(wanted))
    if service_type:
        if service_type not in SERVICE_TYPES:
            raise ValueError(f"Unbekannte Serviceart „{service_type}“.")
        # types are stored comma-joined: match a whole item
        where.append(("," + Inv.service_types + ",").contains(f",{service_type},"))
    if invitation_id is not None:
        where.append(Inv.id == invitation_id)
    if vehicle_number:
        where.append(Vehicle.vehicle_number == vehicle_number)
    if invited_since is not None:  # the "this week" tile
        where.append(Inv.invited_at >= invited_since)
    text = (search or "").strip()
    if text:
        like = f"%{text}%"
        where.append(or_(Vehicle.plate.ilike(like), Vehicle.vehicle_number.ilike(like),
                         Vehicle.vin.ilike(like), C.customer_number.ilike(like),
                         C.last_name.ilike(like), C.company_name.ilike(like)))
    return where


def list_invitations(session: Session, *, status: str | tuple[str, ...] | None = None,
                     service_type: str | None = None, search: str = "",
                     invitation_id: int | None = None, vehicle_number: str | None = None,
                     invited_since: datetime | None = None,
                     sort: str = "due_date", descending: bool = True, page: int = 1,
                     page_size: int | None = 25) -> tuple[list[InvitationRow], int]:
    """One page of the follow-up list and the (capped) number of matches."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"Nach „{sort}“ kann nicht sortiert werden.")
    where = conditions(status, service_type, search, invitation_id, vehicle_number,
                       invited_since)
    total = capped_count(session, _base(Inv.id).where(*where))
    column = SORT_COLUMNS[sort]
    order = (column.desc(), Inv.id.desc()) if descending else (column.asc(), Inv.id.asc())
    if sort in NULLABLE_SORTS:
        # Empty dates (never sent) last either way, as SQLite does by itself and PostgreSQL
        # not. Only here: on a NOT NULL column it would keep PostgreSQL from reading the
        # list's index backwards.
        order = (order[0].nulls_last(), order[1])
    query = _base(*_COLUMNS).where(*where).order_by(*order)
    if page_size is not None:
        page, page_size = max(int(page), 1), max(min(int(page_size), 500), 1)
        query = query.offset((page - 1) * page_size).limit(page_size)
    return [InvitationRow(*values) for values in session.execute(query)], total


@dataclass(frozen=True)
class Rates:
    service_type: str
    sent: int
    opened: int
    clicked: int
    booked: int

    def percent(self, part: int) -> float:
        return round(100 * part / self.sent, 1) if self.sent else 0.0


def rates_by_type(session: Session) -> list[Rates]:
    """Per type: invitations sent, and how many were opened, clicked, booked."""
    result = []
    for service_type in SERVICE_TYPES:
        has_type = ("," + Inv.service_types + ",").contains(f",{service_type},")
        sent, opened, clicked, booked = session.execute(select(
            func.count(Inv.id), func.count(Inv.opened_at), func.count(Inv.clicked_at),
            func.count(Inv.booked_at)).where(has_type, Inv.invited_at.is_not(None))).one()
        result.append(Rates(service_type, sent or 0, opened or 0, clicked or 0, booked or 0))
    return result


EXPORT_HEADER = ("Einladung", "Fahrzeugnummer", "Kennzeichen", "Fahrzeug", "Kundennummer",
                 "Kunde", "Servicearten", "Fällig ab", "Eingeladen", "Erinnert", "Geöffnet",
                 "Geklickt", "Gebucht", "Rückruf", "Auftrag gefunden", "Anrufliste",
                 "Automatische Klicks", "Status", "Ergebnis")


def export_file(session: Session, settings: Settings, file_format: str = "csv",
                **filters) -> bytes:
    """The filtered follow-up list (all pages, same order) as CSV or Excel."""
    rows, _ = list_invitations(session, page_size=None, **filters)
    def line(r: InvitationRow) -> tuple:
        return (r.id, r.vehicle_number, r.plate, f"{r.make} {r.model}".strip(),
                r.customer_number, r.name, joined_labels(r.types, settings.holiday_country),
                r.due_date, r.invited_at, r.reminded_at, r.opened_at, r.clicked_at,
                r.booked_at, r.callback_at, r.order_found_at, r.call_listed_at,
                r.automated_clicks, r.status_label, r.outcome)
    return exports.write(file_format, EXPORT_HEADER, (line(r) for r in rows), settings.timezone)


def find_vehicles(session: Session, text: str, limit: int = 20) -> list[Vehicle]:
    """Vehicles by plate, FIN, vehicle number or the customer's number (spaces and dashes in
    a plate do not matter)."""
    text = (text or "").strip()
    if not text:
        return []
    squeezed = text.replace(" ", "").replace("-", "")
    plate = func.replace(func.replace(Vehicle.plate, " ", ""), "-", "")
    query = (select(Vehicle).outerjoin(C, C.id == Vehicle.customer_id).where(or_(
        plate.ilike(f"%{squeezed}%"), Vehicle.vin.ilike(f"%{text}%"),
        Vehicle.vehicle_number.ilike(f"%{text}%"), C.customer_number == text))
        .order_by(Vehicle.vehicle_number).limit(limit))
    return list(session.scalars(query))


def vehicles_of(session: Session, customer_id: int) -> list[Vehicle]:
    return list(session.scalars(select(Vehicle).where(Vehicle.customer_id == customer_id)
                                .order_by(Vehicle.vehicle_number)))


def count_since(session: Session, column: str, since: datetime) -> int:
    """Invitations whose `column` (callback_at, booked_at) lies after `since` (the bell)."""
    return session.scalar(select(func.count(Inv.id)).where(getattr(Inv, column) > since)) or 0


def vehicles_with_next_due(session: Session, customer_id: int) -> list[tuple[Vehicle, date | None]]:
    """The customer's vehicles, each with its earliest due date (None: nothing due)."""
    vehicles = vehicles_of(session, customer_id)
    if not vehicles:
        return []
    earliest = dict(session.execute(
        select(ServiceDue.vehicle_id, func.min(ServiceDue.due_date))
        .where(ServiceDue.vehicle_id.in_([v.id for v in vehicles]))
        .group_by(ServiceDue.vehicle_id)).all())
    return [(v, earliest.get(v.id)) for v in vehicles]
