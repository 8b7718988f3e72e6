"""A dealer group's recompute runs in worker processes (core.service.recompute): it must come
to exactly the due dates and planned invitations the in-process recompute finds, and a second
run over unchanged data must change nothing."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import delete, select

from core import settings as settings_store
from core.service import recompute
from core.service.models import ServiceDue, ServiceInvitation, Vehicle
from tests.service.conftest import CUSTOMERS_HEAD, ORDERS_HEAD, VEHICLES_HEAD, load

VEHICLES = 40
TEXTS = ("Jahresservice", "Reifenwechsel", "HU/AU", "Inspektion, Zahnriemen erneuert",
         "Karosserie-Inspektion, Unterbodenschutz", "Bremsen vorne")


def fleet(db, monkeypatch) -> None:
    """Forty vehicles with a few years of orders, imported with the in-process recompute."""
    monkeypatch.setattr(recompute, "WORKERS_FROM", 10**9)
    rng = random.Random(3)
    load(db, "customers", CUSTOMERS_HEAD, *(f"{c};Eva;Huber;eva{c}@example.at;ja"
                                            for c in range(1001, 1011)))
    vehicles, orders = [], []
    for v in range(VEHICLES):
        first = date(2014, 1, 1) + timedelta(days=rng.randint(0, 3000))
        vehicles.append(f"F{v};{1001 + v % 10};L-{v}AB;VW;Golf;Diesel;{first:%d.%m.%Y};;")
        for k in range(5):
            day = first + timedelta(days=300 * (k + 1))
            status = "offen" if k == 4 and v % 7 == 0 else "abgeschlossen"
            orders.append(f"A{v}-{k};F{v};;{day:%d.%m.%Y};{rng.choice(TEXTS)};{status};"
                          f"{(k + 1) * 14_000}")
    load(db, "vehicles", VEHICLES_HEAD, *vehicles)
    load(db, "workshop_orders", ORDERS_HEAD, *orders)


def stored(db) -> tuple[list, list]:
    with db.session() as session:
        dues = session.execute(select(Vehicle.vehicle_number, ServiceDue.service_type,
                                      ServiceDue.due_date, ServiceDue.basis, ServiceDue.reason,
                                      ServiceDue.excluded).join(Vehicle)
                               .order_by(Vehicle.vehicle_number, ServiceDue.service_type)).all()
        plans = session.execute(select(ServiceInvitation.id, Vehicle.vehicle_number,
                                       ServiceInvitation.service_types,
                                       ServiceInvitation.due_date, ServiceInvitation.next_at)
                                .join(Vehicle).order_by(ServiceInvitation.id)).all()
    return dues, plans


def recompute_in_workers(db, now, monkeypatch) -> int:
    monkeypatch.setattr(recompute, "WORKERS_FROM", 1)
    monkeypatch.setattr(recompute, "BATCH", 7)  # several batches per worker, a short last one
    with db.session() as session:
        settings = settings_store.load(session)
    with db.session(write=True) as session:
        return recompute.recompute(session, settings, now)


def test_workers_find_what_the_in_process_recompute_found(sdb, now, monkeypatch):
    fleet(sdb, monkeypatch)
    in_process_dues, in_process_plans = stored(sdb)
    assert len(in_process_dues) >= VEHICLES * 3 and in_process_plans
    with sdb.session(write=True) as session:  # as if never computed
        session.execute(delete(ServiceInvitation))
        session.execute(delete(ServiceDue))

    assert recompute_in_workers(sdb, now, monkeypatch) == VEHICLES

    dues, plans = stored(sdb)
    assert dues == in_process_dues
    assert sorted(p[1:] for p in plans) == sorted(p[1:] for p in in_process_plans)


def test_a_second_run_in_workers_changes_nothing(sdb, now, monkeypatch):
    fleet(sdb, monkeypatch)
    before = stored(sdb)

    recompute_in_workers(sdb, now, monkeypatch)

    assert stored(sdb) == before  # the planned invitations keep their ids, too
