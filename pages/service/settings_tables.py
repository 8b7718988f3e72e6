"""The editable parts of the service settings page: the interval table (one row of inputs
per rule) and one card per service type (keywords, contact timeline). They only hold and
show what is typed; core.service.editing checks and stores it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nicegui import ui

from core.service.editing import GENERAL, RULE_FIELDS, TypeForm, rule_row
from core.service.types import FUELS, INTERVAL_TYPES, IntervalRule, label
from pages.widgets import set_field_error

FIELD_LABELS = {"service_type": "Serviceart", "make": "Marke", "model_prefix": "Modell beginnt mit",
                "fuel": "Kraftstoff", "year_from": "Baujahr von", "year_to": "Baujahr bis",
                "months": "Monate", "km": "Kilometer", "none": "nie"}
ANY = "beliebig"
# Desktop: one line per rule; phone: two inputs side by side, the type across.
ROW_GRID = ("grid grid-cols-2 gap-2 items-start w-full p-2 rounded border border-gray-300 "
            "lg:p-0 lg:border-0 lg:grid-cols-[minmax(200px,2fr)_1fr_1.2fr_minmax(104px,1fr)"
            "_84px_84px_76px_100px_auto]")


class RuleRow:
    """The inputs of one interval rule."""

    def __init__(self, values: Mapping[str, Any], country: str, on_change: Callable[..., None],
                 on_delete: Callable[[RuleRow], None]) -> None:
        types = {key: label(key, country) for key in INTERVAL_TYPES}
        with ui.element("div").classes(ROW_GRID).mark("rule-row") as self.element:
            self.fields: dict[str, Any] = {
                "service_type": ui.select(types, value=values["service_type"]
                                          if values["service_type"] in types else None,
                                          label=FIELD_LABELS["service_type"]).classes(
                    "col-span-2 lg:col-span-1"),
                "make": ui.input(FIELD_LABELS["make"], value=values["make"],
                                 placeholder=ANY),
                "model_prefix": ui.input(FIELD_LABELS["model_prefix"],
                                         value=values["model_prefix"], placeholder=ANY),
                "fuel": ui.select({"": ANY} | {fuel: fuel for fuel in FUELS},
                                  value=values["fuel"] if values["fuel"] in FUELS else "",
                                  label=FIELD_LABELS["fuel"]).classes(
                    "col-span-2 lg:col-span-1"),
            }
            for name in ("year_from", "year_to", "months", "km"):
                self.fields[name] = ui.input(FIELD_LABELS[name], value=values[name],
                                             placeholder="–" if name in ("months", "km")
                                             else ANY).props("inputmode=numeric")
            with ui.row().classes("items-center gap-1 no-wrap col-span-2 lg:col-span-1 "
                                  "justify-between lg:pt-1"):
                self.fields["none"] = ui.checkbox("nie", value=bool(values["none"])).tooltip(
                    "Diese Fahrzeuge brauchen die Arbeit nie (z. B. Zahnriemen beim Elektroauto)"
                ).mark("rule-none")
                ui.button(icon="delete_outline", on_click=lambda: on_delete(self)).props(
                    "flat round dense color=grey-7").tooltip("Zeile löschen").mark("rule-delete")
        for name, element in self.fields.items():
            if name != "none":
                element.props("outlined dense stack-label hide-bottom-space no-error-icon").classes(
                    "min-w-0").mark(f"rule-{name}")
            element.on_value_change(on_change)

    def values(self) -> dict[str, Any]:
        return {name: self.fields[name].value for name in RULE_FIELDS}


class RuleTable:
    """Every rule row, in order; the row number in messages counts from 1 like the rows."""

    def __init__(self, country: str, on_change: Callable[..., None]) -> None:
        self.country, self.on_change = country, on_change
        self.rows: list[RuleRow] = []
        self.box = ui.column().classes("w-full gap-2").mark("rule-table")

    def load(self, rules: tuple[IntervalRule, ...]) -> None:
        self.box.clear()
        self.rows = []
        for rule in rules:
            self.add(rule_row(rule))

    def add(self, values: Mapping[str, Any] | None = None) -> None:
        with self.box:
            self.rows.append(RuleRow(values or rule_row(IntervalRule(INTERVAL_TYPES[0])),
                                     self.country, self.on_change, self.delete))

    def delete(self, row: RuleRow) -> None:
        self.rows.remove(row)
        self.box.remove(row.element)
        self.on_change()

    def values(self) -> list[dict[str, Any]]:
        return [row.values() for row in self.rows]

    def show_errors(self, errors: Mapping[str, str]) -> list[str]:
        """Mark each wrong input; returns every problem as a line for the summary."""
        lines = []
        for index, row in enumerate(self.rows):
            for name, element in row.fields.items():
                message = errors.get(f"{index}.{name}")
                if name != "none":
                    set_field_error(element, message)
                if message:
                    lines.append(f"Zeile {index + 1}, {FIELD_LABELS[name]}: {message}")
        if errors.get(GENERAL):
            lines.append(errors[GENERAL])
        return lines


class TypeCard:
    """One service type's keywords and timeline, with its own save button."""

    def __init__(self, service_type: str, country: str, form: TypeForm, fixed_calendar: str,
                 on_change: Callable[..., None], on_save: Callable[[TypeCard], Any]) -> None:
        self.service_type = service_type
        with ui.card().props("flat bordered").classes("w-full gap-2 p-4").mark(
                f"type-{service_type}"):
            with ui.row().classes("w-full items-baseline gap-2"):
                ui.label(label(service_type, country)).classes("text-base font-medium")
                if fixed_calendar:
                    ui.label(fixed_calendar).classes("text-xs text-grey-7")
            self.fields: dict[str, Any] = {
                "keywords": ui.textarea("Stichwörter (durch Komma getrennt)",
                                        value=form.keywords).props("autogrow"),
            }
            with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-2 w-full"):
                self.fields["invite_days_before"] = ui.input(
                    "Einladung: Tage vor Fälligkeit", value=form.invite_days_before)
                self.fields["reminder_after_days"] = ui.input(
                    "Erinnerung: Tage nach der Einladung", value=form.reminder_after_days)
            self.fields["reminder_after_days"].props["hint"] = "0 = keine Erinnerung"
            for name, element in self.fields.items():
                element.props("outlined dense").classes("w-full").mark(f"type-{name}")
                element.on_value_change(on_change)
            with ui.row().classes("w-full items-center justify-between gap-2"):
                self.fields["call_list"] = ui.switch(
                    "Zuletzt auf die Anrufliste", value=form.call_list).tooltip(
                    "Reagiert der Kunde bis zum Fälligkeitstag nicht, kommt er auf die "
                    "Anrufliste der Übersicht.").mark("type-call_list")
                self.fields["call_list"].on_value_change(on_change)
                self.save_button = ui.button("Speichern", icon="save",
                                             on_click=lambda: on_save(self)).props(
                    "outline").mark("type-save")

    def form(self) -> TypeForm:
        values = {name: element.value for name, element in self.fields.items()}
        return TypeForm(str(values["keywords"] or ""), str(values["invite_days_before"] or ""),
                        str(values["reminder_after_days"] or ""), bool(values["call_list"]))

    def set_form(self, form: TypeForm) -> None:
        self.fields["keywords"].value = form.keywords
        self.fields["invite_days_before"].value = form.invite_days_before
        self.fields["reminder_after_days"].value = form.reminder_after_days
        self.fields["call_list"].value = form.call_list
        self.show_errors({})

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        """True when every message belongs to one of the card's inputs."""
        for name in ("keywords", "invite_days_before", "reminder_after_days"):
            set_field_error(self.fields[name], errors.get(name))
        return set(errors) <= {"keywords", "invite_days_before", "reminder_after_days"}
