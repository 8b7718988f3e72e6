"""Bring the stored due dates and planned invitations up to date after an import: read every
vehicle's history in batches of ids, let the planner (core.service.planning) work out what
changed, and write only that - a planned invitation keeps its id while its plan holds, and a
re-import of an unchanged DMS export writes nothing. The daily run then only reads the
indexed `next_at` column (DESIGN principle 1).

A large recompute computes its batches in two worker processes while it reads the next batch
and writes the last one: the computation is pure Python, and a dealer group's 100,000
vehicles would otherwise keep one core busy for twenty seconds."""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from core import events
from core.bulkwork import collector_paused
from core.db import (
    DriverStatement,
    delete_ids,
    in_lists,
    insert_many,
    refresh_statistics,
    take_turns,
)
from core.service import KEY, config, timeline
from core.service.batches import DUE, INV, read
from core.service.models import (
    ServiceInvitation,
    Vehicle,
    VehicleReading,
)
from core.service.planning import Changes, Planner, compute_in_worker, start_worker
from core.settings import Settings

BATCH = 2_000
WORKERS_FROM = 20_000  # vehicles; below, starting the worker processes costs more than it saves
WORKERS = 2
Progress = Callable[[float], None]
_PLANNED = INV.c.status == "planned"  # a sent invitation is history: never moved or dropped
_MOVE_PLANNED = DriverStatement(update(INV).where(INV.c.id == bindparam("i"), _PLANNED)
                                .values(next_at=bindparam("next_at"),
                                        customer_id=bindparam("customer_id")))
# Deletes by lists of ids (a row-by-row executemany is slow on PostgreSQL).
DELETES = {"replace_dues": (DUE.c.vehicle_id, ()), "delete_planned": (INV.c.id, (_PLANNED,))}
INSERTS = {"insert_due": DUE, "insert_planned": INV}  # plain new rows: in bulk
REFRESH_STATISTICS_FROM = 10_000  # rows written; a first import writes hundreds of thousands


def recompute(session: Session, settings: Settings, now: datetime,
              vehicle_ids: Iterable[int] | None = None, progress: Progress | None = None) -> int:
    """Recompute the vehicles `vehicle_ids` (None: all); returns how many. Takes the service
    run's turn: a tick never sends a planned invitation this run is about to move."""
    take_turns(session, f"rules:{KEY}")
    ids = sorted(vehicle_ids) if vehicle_ids is not None else \
        list(session.scalars(select(Vehicle.id).order_by(Vehicle.id)))
    batches = list(in_lists(ids, BATCH))
    every = vehicle_ids is None
    computed = _computed(session, settings, now, batches, every)
    written = 0
    for done, changes in enumerate(computed, 1):
        with collector_paused():
            written += _apply(session, now, changes)
        if progress is not None:
            progress(done / len(batches))
    if written >= REFRESH_STATISTICS_FROM:
        refresh_statistics(session, DUE.name, INV.name)
    return len(ids)


def _computed(session: Session, settings: Settings, now: datetime, batches: list[list[int]],
              every: bool) -> Iterator[Changes]:
    """Each batch's changes, in order: read and planned here, or by the worker processes
    (each on its own connection) while this one writes the previous batch's changes."""
    current = config.load(session)
    count = sum(len(batch) for batch in batches)
    if count < WORKERS_FROM or (os.cpu_count() or 1) < 2:
        planner = Planner(current, settings, now)
        for batch in batches:
            with collector_paused():
                changes = planner.compute(read(session, batch, every))
            yield changes
        return
    url = session.get_bind().url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(WORKERS, mp_context=_worker_context(),
                             initializer=start_worker,
                             initargs=(url, current, settings, now)) as pool:
        waiting: deque[Future] = deque()
        for batch in batches:
            waiting.append(pool.submit(compute_in_worker, batch, every))
            if len(waiting) > WORKERS:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a fork server that imported only the planner: not a plain fork
    (the console runs threads - server, scheduler - a fork would copy mid-step), and not
    spawn, which imports the whole console (the main module) again in every worker."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([compute_in_worker.__module__])
    return context


def _apply(session: Session, now: datetime, changes: Changes) -> int:
    """Write one batch's changes; returns how many rows were deleted or added."""
    connection = session.connection()
    written = 0
    for kind, (column, where) in DELETES.items():
        written += delete_ids(connection, column,
                              changes.writes.get(kind, {}).get(column.name, []), *where)
    if changes.writes.get("move_planned"):
        _MOVE_PLANNED.execute_many(connection, changes.writes["move_planned"])
    for kind, table in INSERTS.items():
        if changes.writes.get(kind):
            insert_many(connection, table, changes.writes[kind])
            written += len(next(iter(changes.writes[kind].values())))
    for stop in changes.stops:
        # Only while it is still waiting: a booking that came in meanwhile stays a booking.
        stopped = session.execute(
            update(ServiceInvitation).where(ServiceInvitation.id == stop.invitation_id,
                                            ServiceInvitation.status.in_(timeline.ACTIVE))
            .values(status="order_found", order_found_at=now, next_kind=None, next_at=None,
                    outcome=stop.text)).rowcount
        if stopped:
            events.record(session, now, "service_order_found",
                          f"Service-Einladung erledigt: {stop.text}.",
                          customer_id=stop.customer_id, module=KEY,
                          record_id=stop.invitation_id)
    return written


def snapshot_readings(session: Session) -> None:
    """Keep each vehicle's current mileage as a reading: the next vehicle file overwrites the
    vehicle's mileage, the history keeps it."""
    stored = select(VehicleReading.id).where(VehicleReading.vehicle_id == Vehicle.id,
                                             VehicleReading.day == Vehicle.mileage_on,
                                             VehicleReading.km == Vehicle.mileage)
    session.execute(insert(VehicleReading).from_select(
        ["vehicle_id", "day", "km"],
        select(Vehicle.id, Vehicle.mileage_on, Vehicle.mileage).where(
            Vehicle.mileage.is_not(None), Vehicle.mileage_on.is_not(None), ~stored.exists())))


def refresh_after_import(db, now: datetime, progress: Progress) -> None:
    """Any import (customers, vehicles, orders) may change due dates and answer invitations.
    The readings are committed first: worker processes read what is committed."""
    from core import settings as settings_store

    with db.session(write=True) as session:
        snapshot_readings(session)
    with db.session(write=True) as session:
        recompute(session, settings_store.load(session), now, progress=progress)
