"""The bell in the header: a red badge with how much is new since the user last looked
(core.news: every module's Module.news, e.g. new appointment requests). Opening it lists
each line with its link and counts as "looked"."""
from __future__ import annotations

from nicegui import run, ui

from core import clock, news
from core.models import User
from core.runtime import Runtime

REFRESH_SECONDS = 60


def _unseen(rt: Runtime, user_id: int) -> list[news.NewsLine]:
    with rt.db.session() as session:
        return news.unseen(session, user_id)


def _seen(rt: Runtime, user_id: int) -> None:
    with rt.db.session(write=True) as session:
        news.mark_seen(session, user_id, clock.now())


def header_bell(rt: Runtime, user: User) -> None:
    with ui.button(icon="notifications").props("flat round dense color=grey-8").mark(
            "news-bell").tooltip("Neu seit Ihrem letzten Blick") as bell:
        badge = ui.badge("", color="red").props("floating rounded").mark("news-count")
        badge.set_visibility(False)
        with ui.menu():
            box = ui.column().classes("p-3 gap-2 min-w-[260px]").mark("news-list")
    lines: list[news.NewsLine] = []

    def show(found: list[news.NewsLine]) -> None:
        lines[:] = found
        total = sum(line.count for line in found)
        badge.set_text(str(total) if total < 100 else "99+")
        badge.set_visibility(total > 0)
        box.clear()
        with box:
            if not found:
                ui.label("Nichts Neues seit Ihrem letzten Blick.").classes(
                    "text-sm text-grey-7")
            for line in found:
                ui.link(f"{line.count} {line.label}", line.href).classes(
                    "text-sm text-primary no-underline").mark("news-line")

    async def refresh() -> None:
        try:
            found = await run.io_bound(_unseen, rt, user.id)
        except Exception:  # noqa: BLE001 - the bell is a hint; the next refresh tries again
            return
        if found is not None:  # None: the app is shutting down
            show(found)

    async def opened() -> None:
        # What is listed now counts as seen: the badge goes, the lines stay until closed.
        await run.io_bound(_seen, rt, user.id)
        badge.set_visibility(False)

    bell.on_click(opened)  # the click also opens the menu (Quasar: a menu in a button)
    # Filled while the page is built (one small indexed count), then every minute. A timer
    # that starts at once would make NiceGUI send the page before the page function is done
    # (it waits for the browser), so a page's "404 not found" went out as 200.
    show(_unseen(rt, user.id))
    ui.timer(REFRESH_SECONDS, refresh, immediate=False)
