"""A table whose rows the server pages (and optionally sorts): the list pages share it.

The view state (page, and sort/descending for sortable tables) lives in a dict the page owns,
so the page can also fill it from and write it back to the query string."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from nicegui import run, ui

from pages.widgets import notify_error

Loader = Callable[[dict[str, Any]], tuple[list[dict[str, Any]], int]]


class PagedTable:
    """`load(state)` runs off the event loop and returns (rows of this page, total count);
    `on_loaded(total)` (sync or async) lets the page update its own parts afterwards.
    With `sortable` column names the table sorts on the server too: a sort request for any
    other column falls back to `default_sort`."""

    def __init__(self, columns: list[dict[str, Any]], *, load: Loader, state: dict[str, Any],
                 marker: str, empty_label: str, page_size: int = 25, dense: bool = False,
                 sortable: Collection[str] = (), default_sort: str = "",
                 on_loaded: Callable[[int], Awaitable[None] | None] | None = None) -> None:
        self.state, self._load, self._on_loaded = state, load, on_loaded
        self._sortable, self._default_sort = sortable, default_sort
        pagination = {"rowsPerPage": page_size, "page": state["page"], "rowsNumber": 0,
                      **self._sort_pagination()}
        props = ["flat bordered", "dense" if dense else "",
                 "binary-state-sort" if sortable else "",
                 f":rows-per-page-options=[{page_size}]", f'no-data-label="{empty_label}"',
                 'loading-label="Lädt …"']
        self.table = ui.table(columns=columns, rows=[], row_key="id",
                              pagination=pagination).props(
            " ".join(p for p in props if p)).mark(marker)
        self.table.on("request", self._on_request)
        self.total = 0
        # Quasar reports its own pagination when the table mounts (row count 0); arriving
        # after the first load, that report reset the pager to "1-0 von 0".
        self.table.on_pagination_change(self._keep_total)

    def _sort_pagination(self) -> dict[str, Any]:
        if not self._sortable:
            return {}
        return {"sortBy": self.state["sort"], "descending": self.state["descending"]}

    async def refresh(self) -> None:
        """Load the current page; on failure show why and keep the rows shown so far."""
        table = self.table
        table.props("loading")
        try:
            rows, total = await run.io_bound(self._load, self.state)
        except Exception as exc:  # noqa: BLE001 - show any failure instead of a blank page
            notify_error(exc)
            return
        finally:
            table.props(remove="loading")
        table.rows = rows
        self.total = total
        table.pagination = {**table.pagination, "page": self.state["page"], "rowsNumber": total,
                            **self._sort_pagination()}
        table.update()
        if self._on_loaded is not None:
            result = self._on_loaded(total)
            if inspect.isawaitable(result):
                await result

    def _keep_total(self, event: Any) -> None:
        if event.value.get("rowsNumber") != self.total:
            self.table.pagination = {**event.value, "rowsNumber": self.total}

    async def filter_by(self, key: str, value: Any) -> None:
        """A filter changed: store it and show the first page of the new result."""
        self.state[key], self.state["page"] = value, 1
        await self.refresh()

    async def _on_request(self, event: Any) -> None:
        wanted = event.args["pagination"]
        self.state["page"] = int(wanted.get("page") or 1)
        if self._sortable:
            sort_by = wanted.get("sortBy")
            self.state["sort"] = sort_by if sort_by in self._sortable else self._default_sort
            self.state["descending"] = bool(wanted.get("descending"))
        await self.refresh()
