"""The customer search in the header of every page: from two characters on, a dropdown of up
to ten customers (name, company, e-mail, phone, customer number); Enter or a click opens the
customer page. On a phone the box is an icon that opens the same search in a dialog.

The query runs off the event loop (run.io_bound); Quasar's `debounce` keeps a fast typist
from sending one search per key, and a sequence number drops answers overtaken by newer
typing."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.customers import customer_url
from core.customers import search as customer_search
from core.customers.search import MIN_LENGTH, SearchHit
from core.runtime import Runtime

PLACEHOLDER = "Kunde suchen: Name, E-Mail, Telefon, Kundennr."


def _search(runtime: Runtime, text: str) -> list[SearchHit]:
    with runtime.db.session() as session:
        return customer_search.search(session, text)


class SearchBox:
    """An input with its results: in a dropdown menu (header) or listed below (dialog)."""

    def __init__(self, runtime: Runtime, marker: str, *, inline: bool = False,
                 on_open: Any = None) -> None:
        self.runtime, self.marker, self.inline, self.on_open = runtime, marker, inline, on_open
        self.hits: list[SearchHit] = []
        self.active = 0
        self.searched = ""
        self.sequence = 0
        with ui.element("div").classes("relative w-full"):
            self.input = ui.input(placeholder=PLACEHOLDER).props(
                "dense outlined clearable debounce=200 bg-color=white"
                + (" autofocus" if inline else "")).classes("w-full").mark(marker)
            with self.input.add_slot("prepend"):
                ui.icon("search", size="xs").classes("text-grey-7")
            if inline:
                self.results = ui.column().classes("w-full gap-0 pt-2")
            else:
                # no-focus: the caret stays in the input while the list is shown.
                self.results = ui.menu().props("no-parent-event no-focus no-refocus fit") \
                    .classes("max-w-[min(32rem,95vw)]")
        self.input.on_value_change(self._changed)
        self.input.on("keydown.enter", self._enter)
        self.input.on("keydown.down", lambda: self._move(1))
        self.input.on("keydown.up", lambda: self._move(-1))
        self.input.on("keydown.esc", self._close)

    async def _changed(self, event: Any) -> None:
        text = (event.value or "").strip()
        self.sequence += 1
        sequence = self.sequence
        if len(text) < MIN_LENGTH:
            self.hits, self.searched = [], ""
            self._close()
            return
        hits = await run.io_bound(_search, self.runtime, text)
        if sequence != self.sequence:  # newer typing already asked again
            return
        self.hits, self.active, self.searched = hits, 0, text
        self._render()

    def _render(self) -> None:
        self.results.clear()
        with self.results, ui.list().props("dense").classes("w-full min-w-[16rem] py-1") \
                .mark(f"{self.marker}-results"):
            if not self.hits:
                with ui.item().mark("search-none"), ui.item_section():
                    ui.label(f"Kein Kunde zu „{self.searched}“ gefunden.").classes(
                        "text-sm text-grey-7")
            for index, hit in enumerate(self.hits):
                item = ui.item(on_click=lambda h=hit: self._open(h)).props(
                    "clickable" + (" active" if index == self.active else "")).classes(
                    "rounded" + (" bg-blue-1" if index == self.active else "")).mark(
                    "search-result")
                with item, ui.item_section():
                    ui.item_label(hit.name).classes("text-sm font-medium")
                    if hit.company_name and hit.company_name != hit.name:
                        ui.item_label(hit.company_name).props("caption").classes("text-xs")
                    ui.item_label(hit.subtitle).props("caption").classes(
                        "text-xs break-words")
        if not self.inline:
            self.results.open()

    def _move(self, step: int) -> None:
        if self.hits:
            self.active = (self.active + step) % len(self.hits)
            self._render()

    async def _enter(self) -> None:
        text = (self.input.value or "").strip()
        if len(text) < MIN_LENGTH:
            return
        if text != self.searched:  # Enter before the debounced search came back
            self.sequence += 1
            self.hits, self.active, self.searched = await run.io_bound(
                _search, self.runtime, text), 0, text
            self._render()
        if self.hits:
            self._open(self.hits[self.active])

    def _close(self) -> None:
        if not self.inline:
            self.results.close()
        else:
            self.results.clear()

    def _open(self, hit: SearchHit) -> None:
        self._close()
        if self.on_open is not None:
            self.on_open()
        ui.navigate.to(customer_url(hit.id))


def header_search(runtime: Runtime) -> None:
    """The box for wide screens and, below 600 px, an icon opening the search dialog.
    Quasar's own breakpoint classes: its `hidden` is `!important` and beats Tailwind's."""
    with ui.element("div").classes("gt-xs w-64 lg:w-96 mx-2"):
        SearchBox(runtime, "header-search")
    with ui.dialog().props("position=top") as dialog, ui.card().classes(
            "w-screen max-w-full p-3 gap-1"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Kunde suchen").classes("text-base font-medium")
            ui.button(icon="close", on_click=dialog.close).props("flat round dense").mark(
                "search-dialog-close")
        SearchBox(runtime, "header-search-mobile", inline=True, on_open=dialog.close)
    ui.button(icon="search", on_click=dialog.open).props(
        "flat round dense color=grey-8").classes("xs").mark("search-open")
