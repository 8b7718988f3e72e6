"""What the service pages share: who may open them, German dates, the tel: link and the
table cells (vehicle, customer, status) as row fields plus their Quasar slots."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core import clock
from core.customers import customer_url
from core.service import vehicle_url
from core.service.timeline import STATUS_COLORS, STATUS_LABELS

# Everyone who works with customers: the customer page links here for every role.
ROLES = ("admin", "service", "sales", "supervisor")
REFRESH_SECONDS = 30


def de_date(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def local_date(value: datetime | None, tz: str) -> str:
    """A stored UTC instant as the local day (the lists show days; the time is in the
    export and on the vehicle page)."""
    return f"{value.astimezone(ZoneInfo(tz)):%d.%m.%Y}" if value else ""


def local_today(tz: str) -> date:
    return clock.now().astimezone(ZoneInfo(tz)).date()


def tel_href(phone: str) -> str:
    """"tel:+436662617839": only what a phone dials (spaces, slashes, dashes dropped)."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    return f"tel:{digits}" if digits else ""


def vehicle_cells(plate: str, vehicle_number: str, make: str, model: str,
                  vehicle_id: int) -> dict[str, str]:
    """The row fields VEHICLE_SLOT shows: plate (or the number when there is none) as the
    link, make and model under it."""
    return {"plate": plate or vehicle_number, "vehicle_href": vehicle_url(vehicle_id),
            "vehicle_name": " ".join(p for p in (make, model) if p) or "Fahrzeug"}


def customer_cells(name: str, number: str | None, customer_id: int | None) -> dict[str, str]:
    return {"name": name or "–", "customer_number": number or "",
            "customer_href": customer_url(customer_id) if customer_id else ""}


def status_cells(status: str) -> dict[str, str]:
    return {"status": status, "status_label": STATUS_LABELS.get(status, status),
            "status_color": STATUS_COLORS.get(status, "grey")}


# Real links (middle-click opens a tab); @click.stop so the row click does not fire too.
VEHICLE_SLOT = r"""
<q-td :props="props">
  <a :href="props.row.vehicle_href" class="text-primary no-underline font-medium"
     @click.stop>{{ props.row.plate }}</a>
  <div class="text-xs text-grey-7">{{ props.row.vehicle_name }}</div>
</q-td>"""
CUSTOMER_SLOT = r"""
<q-td :props="props">
  <a v-if="props.row.customer_href" :href="props.row.customer_href"
     class="text-grey-10 no-underline" @click.stop>{{ props.row.name }}</a>
  <span v-else>{{ props.row.name }}</span>
  <div v-if="props.row.customer_number" class="text-xs text-grey-7">
    Kundennr. {{ props.row.customer_number }}</div>
</q-td>"""
STATUS_SLOT = r"""
<q-td :props="props" style="white-space: normal; min-width: 180px">
  <q-badge :color="props.row.status_color" class="px-2 py-1">{{ props.row.status_label }}</q-badge>
  <div v-if="props.row.outcome" class="text-xs text-grey-7 q-mt-xs">{{ props.row.outcome }}</div>
</q-td>"""
WRAP_SLOT = r"""
<q-td :props="props" style="white-space: normal; min-width: 140px">{{ props.value }}</q-td>"""


def col(name: str, label: str, align: str = "left", sortable: bool = False,
        field: str | None = None) -> dict[str, object]:
    return {"name": name, "label": label, "field": field or name, "align": align,
            "sortable": sortable}
