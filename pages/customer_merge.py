"""Suggested duplicates on the customer page: the banner with "Zusammenführen" (confirm
dialog, then core.customers.merge in one write transaction) and the short list of the other
suggested duplicates, so staff can work through them."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import clock
from core.customers import customer_url, duplicates, merge
from core.customers.duplicates import Duplicate
from pages.frame import notify_on_next_page, runtime
from pages.widgets import confirm_dialog, notify_error


def may_merge(user: Any) -> bool:
    """Only to hide the button; core checks the role again."""
    return user.role == "admin" or user.role in merge.MERGE_ROLES


def run_merge(keep_id: int, drop_id: int, user: Any) -> merge.MergeResult:
    with runtime().db.session(write=True) as session:
        return merge.merge(session, keep_id, drop_id, user=user, now=clock.now())


def _explain(pair: Duplicate) -> None:
    ui.label(f"„{pair.drop_name}“ (Website, {pair.email}) wird in „{pair.keep_name}“ "
             f"(Kundennr. {pair.keep_number}) übernommen.").classes("text-sm")
    with ui.column().classes("gap-1 text-sm text-grey-8"):
        ui.label("• Der DMS-Datensatz bleibt; leere Felder werden von der Website ergänzt.")
        ui.label("• Alle Vorgänge aus allen Modulen, der Verlauf und die E-Mails wandern mit.")
        ui.label("• Hat sich einer der beiden abgemeldet, gilt die Abmeldung für beide.")
        ui.label("• Der Website-Datensatz wird danach gelöscht. Das lässt sich nicht "
                 "rückgängig machen.")


def open_merge_dialog(pair: Duplicate, user: Any) -> ui.dialog:
    async def confirm() -> bool:
        try:
            await run.io_bound(run_merge, pair.keep_id, pair.drop_id, user)
        except Exception as exc:  # noqa: BLE001 - every refusal is shown, none is lost
            notify_error(exc)
            return True  # nothing to keep in the dialog: it has no input
        notify_on_next_page(f"Zusammengeführt: jetzt ein Kunde (Kundennr. {pair.keep_number}).")
        # The kept customer, also when the page was the other one's.
        ui.navigate.to(customer_url(pair.keep_id))
        return True

    return confirm_dialog("Kunden zusammenführen?", confirm, body=lambda: _explain(pair),
                          confirm_label="Zusammenführen")


def duplicate_banner(pair: Duplicate, customer_id: int, user: Any) -> None:
    """"Mögliche Dublette: …" naming the other record of the pair, seen from this one."""
    other_id = pair.drop_id if customer_id == pair.keep_id else pair.keep_id
    other = f"{pair.drop_name} (Website-Kunde, ohne Kundennummer)" \
        if other_id == pair.drop_id else f"{pair.keep_name} (Kundennr. {pair.keep_number})"
    with ui.element("div").classes(
            "w-full flex flex-wrap items-center gap-3 rounded border border-orange-300 "
            "bg-orange-50 px-4 py-3").mark("duplicate-banner"):
        ui.icon("content_copy", size="sm").classes("text-orange-9")
        with ui.column().classes("gap-0 grow min-w-[14rem]"):
            with ui.row().classes("items-baseline gap-1"):
                ui.label("Mögliche Dublette:").classes("text-sm font-medium")
                ui.link(other, customer_url(other_id)).classes("text-sm text-primary").mark(
                    "duplicate-link")
            ui.label(f"Gleiche E-Mail-Adresse {pair.email}").classes(
                "text-xs text-grey-8 break-all")
        if may_merge(user):
            ui.button("Zusammenführen", icon="merge",
                      on_click=lambda: open_merge_dialog(pair, user)).props(
                "unelevated no-caps color=orange-9").mark("merge-button")
        else:
            ui.label("Zusammenführen dürfen Service-Center, Vorgesetzte und Administration.") \
                .classes("text-xs text-grey-7")


OVERVIEW_SIZE = 20


def _load_overview(customer_id: int) -> list[Duplicate]:
    with runtime().db.session() as session:
        pairs = duplicates.suggested_duplicates(session, OVERVIEW_SIZE + 1)
    return [p for p in pairs if customer_id not in (p.keep_id, p.drop_id)]


def duplicates_overview(customer_id: int) -> None:
    """All suggested duplicates of the customer base, findable from any customer page; each
    line opens the website customer, whose page has the merge button. Loaded when opened:
    finding every pair reads all website customers, which the page itself need not wait for."""
    expansion = ui.expansion("Mögliche Dubletten im ganzen Bestand", icon="content_copy") \
        .props("dense").classes("w-full bg-white border rounded").mark("duplicates-list")
    with expansion:
        body = ui.column().classes("w-full gap-0")

    async def load(event: Any) -> None:
        if not event.value:
            return
        pairs = await run.io_bound(_load_overview, customer_id)
        body.clear()
        with body:
            if not pairs:
                ui.label("Keine weiteren möglichen Dubletten.").classes("text-sm text-grey-7")
            for pair in pairs[:OVERVIEW_SIZE]:
                with ui.element("div").classes("w-full flex flex-wrap items-baseline gap-x-2 "
                                               "py-1 border-b border-gray-200") \
                        .mark("duplicates-list-entry"):
                    ui.link(pair.drop_name, customer_url(pair.drop_id)).classes(
                        "text-sm text-primary")
                    ui.label("↔").classes("text-sm text-grey-6")
                    ui.link(f"{pair.keep_name} (Kundennr. {pair.keep_number})",
                            customer_url(pair.keep_id)).classes("text-sm text-primary")
                    ui.label(pair.email).classes("text-xs text-grey-7 break-all")
            if len(pairs) > OVERVIEW_SIZE:
                ui.label(f"Die {OVERVIEW_SIZE} neuesten; nach jeder Zusammenführung rücken "
                         "weitere nach.").classes("text-xs text-grey-7 pt-1")

    expansion.on_value_change(load)
