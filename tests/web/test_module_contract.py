"""A throw-away module plugs into the kernel with nothing but its own declarations: one status,
one action, one automatic rule, one tile, one page, one customer panel. It appears in the
navigation, the dashboard, the forecast, the tick, the action engine (button, dialog, event)
and the customer page, and no kernel file knows about it.
This file is the module's page package too (Module.pages = __name__)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from nicegui import ui
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import actions, clock, due, due_forecast, modules
from core.actions import Action, BaseFlow
from core.flows import AutoRule
from core.mail import outbox
from core.models import Customer, Event, MailTemplate, OutboxMessage, UTCDateTime
from core.modules import Module, NavEntry, Tile, TileGroup
from core.tick import run_tick


# --- the module: ~45 lines ------------------------------------------------------------------
class ProbeBase(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class Ticket(ProbeBase):
    __tablename__ = "probe_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))
    status_changed_at: Mapped[datetime]
    due_rule: Mapped[str | None] = mapped_column(String(40))
    due_at: Mapped[datetime | None]


def queue(session, settings, ticket, mail, key, actor, now):
    customer = session.get(Customer, ticket.customer_id)
    return outbox.enqueue(session, settings, now, idempotency_key=key, template_key="probe.nudge",
                          context={}, to_addr=customer.email, kind="marketing", customer=customer,
                          module="probe", record_id=ticket.id, actor=actor)


DUE = due.DueRules("probe", Ticket, (AutoRule("nudge", "open", "nudge", after=timedelta(days=1)),),
                   {"open": "Offen"}, {"nudge": "Probe-Anstoß"}, lambda *args: None, queue)


class ProbeFlow(BaseFlow):
    key, label, status_labels = "probe", "Probe", {"open": "Offen", "closed": "Erledigt"}
    actions = {"close": Action("close", "Erledigen", frozenset({"open"}), "closed",
                               roles=("service",), confirm=("Danach ist es erledigt.",))}

    def load(self, session, record_id):
        return session.get(Ticket, record_id)

    def customer(self, session, record):
        return session.get(Customer, record.customer_id)


FLOW = ProbeFlow()
PROBE = Module(
    key="probe", label="Probe", models=(Ticket,), flow=FLOW,
    run_due=lambda session, now, settings: due.run_due(DUE, session, now, settings),
    forecast=lambda session, now, settings, days: due_forecast.forecast(DUE, session, now,
                                                                        settings, days),
    tiles=(TileGroup("Probe", (Tile("open", "Offene Proben", "/probe"),)),),
    tile_counts=lambda session, settings, now: {"open": session.scalar(
        select(func.count(Ticket.id)))},
    nav=(NavEntry("Probe", "/probe", "science", order=30),), pages=__name__,
    record_url=lambda ticket_id: "/probe")


def create() -> None:
    from pages.action_dialog import action_bar
    from pages.frame import page, runtime

    @page("/probe", "Probe")
    def probe_page(user):
        ui.label("Probe-Seite").mark("probe-page")
        settings = runtime().settings()
        with runtime().db.session() as session:
            ticket = session.scalars(select(Ticket)).first()
            views = actions.views(FLOW, session, settings, ticket, user, clock.now())

        async def done() -> None:
            ui.label("Aktion fertig").mark("probe-done")
        action_bar(FLOW, ticket.id, views, user, done)


def customer_panel(customer_id: int, user: Any) -> None:
    ui.label("Ein Probe-Ticket").mark("probe-panel")
# --- end of the module ----------------------------------------------------------------------


@pytest.fixture
def probe():
    modules.register(PROBE)  # the one registration line
    yield PROBE
    modules.unregister(PROBE.key)


async def test_a_new_module_appears_everywhere_without_a_kernel_change(probe, web, now):
    ProbeBase.metadata.create_all(web.db.engine)
    settings = web.runtime.settings()
    with web.db.session(write=True) as session:
        customer = Customer(email="probe@kunde.example", first_name="Pia", last_name="Probe",
                            created_at=now)
        session.add(customer)
        session.add(MailTemplate(key="probe.nudge", subject="Hallo {{ dealer_name }}",
                                 text_body="Ein Anstoß.", html_body="<p>Ein Anstoß.</p>",
                                 updated_at=now))
        session.flush()
        ticket = Ticket(customer_id=customer.id, status="open", status_changed_at=now)
        due.arm(DUE, ticket, settings)
        session.add(ticket)
        customer_id = customer.id
    web.add_user("chef", "admin", email="chef@autohaus.example")
    user = await web.login("chef")

    await user.open("/")
    await user.should_see(marker="nav-probe")
    await user.should_see(marker="tile-probe-open-count", content="1", retries=30)
    await user.should_see("Probe-Anstoß", retries=30)  # the 14-day forecast
    await user.open("/probe")
    await user.should_see(marker="probe-page")
    user.find(marker="action-close").click()  # the kernel's dialog: confirm, then perform
    await user.should_see("Danach ist es erledigt.", retries=30)
    await user.should_see("Neuer Status: Erledigt.")
    user.find(marker="dialog-confirm").click()
    await user.should_see(marker="probe-done", retries=30)
    await user.should_see("Erledigen: erledigt.")
    with web.db.session(write=True) as session:
        [event] = session.scalars(select(Event).where(Event.kind == "action")).all()
        assert (event.module, event.record_id, event.customer_id, event.actor) == (
            "probe", ticket.id, customer_id, "chef")
        assert event.data == {"action": "close", "from": "open", "to": "closed"}
        closed = session.get(Ticket, ticket.id)
        assert closed.status == "closed"
        closed.status = "open"  # back, for the automatic rule below

    report = run_tick(web.db, settings, now + timedelta(days=2), dev_port=web.runtime
                      .start_dev_mailbox())
    assert [(o.record_id, o.label, o.sent) for o in report.outcomes["Probe"]] == [
        (ticket.id, "Probe-Anstoß", True)]
    assert run_tick(web.db, settings, now + timedelta(days=3)).outcomes["Probe"] == []
    with web.db.session() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.module, row.record_id, row.status) == ("probe", ticket.id, "sent")
        assert session.scalar(select(func.count(Event.id)).where(Event.module == "probe")) >= 1

    clock.set_now(now + timedelta(days=3))
    await user.open(f"/kunden/{customer_id}")
    await user.should_see(marker="probe-panel")
    await user.should_see("Probe")  # the module's card and its timeline entries
