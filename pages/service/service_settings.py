"""Service-Einstellungen (admin): the interval table, each type's keywords and contact
timeline, a keyword test, and the way back to the factory defaults. Every save recomputes
the stored due dates (off the event loop, with progress) and says for how many vehicles.
core.service.editing checks, stores and recomputes; this page shows and marks."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import run, ui

from core import clock
from core.errors import ValidationError
from core.models import User
from core.service import config, editing
from core.service.types import HU, SERVICE_TYPES, TYRE_ACTIVE_MONTHS, TYRES, label
from pages.frame import page, runtime
from pages.service.settings_tables import RuleTable, TypeCard
from pages.widgets import (
    UnsavedChanges,
    confirm_dialog,
    notify_error,
    page_title,
    run_with_progress,
    section,
)

PATH = "/service/einstellungen"
RULES_HELP = ("Leere Felder gelten für jedes Fahrzeug; passen mehrere Zeilen, gilt die "
              "genaueste (die mit den meisten ausgefüllten Bedingungen), und fällig ist die "
              "Arbeit, sobald Monate oder Kilometer erreicht sind – was zuerst eintritt.")
HU_HELP = {"AT": "§57a-Begutachtung: nach 3, 2, dann jährlich (AT)",
           "DE": "HU: nach 36, dann alle 24 Monate (DE)"}
TYRE_HELP = (f"Reifenwechsel: zum 15. April und 1. November, für Fahrzeuge mit einem "
             f"Reifenauftrag in den letzten {TYRE_ACTIVE_MONTHS} Monaten")
KEYWORD_HELP = ("Ein Werkstattauftrag zählt zu einer Serviceart, wenn sein Text eines ihrer "
                "Stichwörter als ganzes Wort enthält – Groß-/Kleinschreibung egal, Umlaute "
                "auch ausgeschrieben („Raeder“ findet „Räder“). Ein offener Auftrag der "
                "Serviceart hält die Einladung zurück.")


def _load() -> tuple[str, config.Config, bool]:
    settings = runtime().settings()
    with runtime().db.session() as session:
        return settings.holiday_country, config.load(session), config.is_factory(session)


def _write(work: Callable[..., int], *args: Any) -> Callable[[Any], int]:
    """`work(session, *args, now, progress)` in one write session, as run_with_progress
    wants it; the clock is read when the click arrives."""
    now = clock.now()

    def run_it(progress: Any) -> int:
        settings = runtime().settings()  # before the session: one connection at a time
        with runtime().db.session(write=True) as session:
            return work(session, args[0], settings, *args[1:], now, progress)

    return run_it


class Dirty:
    """Which parts of the page hold unsaved edits; the leave-page warning lasts until
    every part is saved."""

    def __init__(self) -> None:
        self.guard = UnsavedChanges()
        self.parts: set[str] = set()

    def changed(self, part: str) -> Callable[..., None]:
        def mark(*_: object) -> None:
            self.parts.add(part)
            self.guard.changed()
        return mark

    def saved(self, *parts: str) -> None:
        self.parts.difference_update(parts or set(self.parts))
        if not self.parts:
            self.guard.saved()


class ServiceSettingsPage:
    def __init__(self, user: User, country: str, current: config.Config, factory: bool) -> None:
        self.user, self.country = user, country
        self.dirty = Dirty()
        with ui.row().classes("w-full items-center gap-2 text-sm"):
            ui.link("Service", "/service").classes("text-primary").mark("service-link")
            ui.label("›").classes("text-grey-6")
            ui.label("Einstellungen").classes("text-grey-8")
            ui.space()
            ui.link("Versandzeit und Buchungsseite (Einstellungen)", "/einstellungen").classes(
                "text-primary").mark("service-settings-general")
        with ui.row().classes("w-full items-center gap-3"):
            page_title("Serviceregeln", "Intervalle, Stichwörter und Kontaktablauf "
                       "der Service-Erinnerungen")
            self.factory_badge = ui.badge().classes("px-2 py-1").mark("service-factory")
        self._set_factory(factory)
        self.bar = ui.linear_progress(value=0, show_value=False).props(
            "rounded size=6px").mark("service-recompute-progress")
        self.step = ui.label().classes("text-xs text-grey-7")
        for widget in (self.bar, self.step):
            widget.set_visibility(False)
        self._rules_section(current)
        self._types_section(current)

    def _set_factory(self, factory: bool) -> None:
        self.factory_badge.set_text("Werkseinstellungen" if factory else "angepasst")
        self.factory_badge.props(f"color={'grey-6' if factory else 'primary'}")

    # --- the interval table -------------------------------------------------------------

    def _rules_section(self, current: config.Config) -> None:
        with section("Intervalle", "schedule").mark("service-rules"):
            ui.label(RULES_HELP).classes("text-sm text-grey-8")
            with ui.row().classes("w-full gap-x-6 gap-y-1 text-xs text-grey-7"):
                ui.label("Nicht in dieser Tabelle, sondern nach festem Kalender: "
                         f"{HU_HELP['AT']}; {HU_HELP['DE']}.")
                ui.label(TYRE_HELP + ".")
            self.table = RuleTable(self.country, self.dirty.changed("rules"))
            self.table.load(current.rules)
            self.rule_errors = ui.column().classes(
                "w-full gap-0 p-3 rounded bg-red-1 text-red-10 text-sm").mark("rule-errors")
            self.rule_errors.set_visibility(False)
            # Phone: the three buttons stacked at full width; desktop: one line.
            with ui.element("div").classes("w-full flex flex-col sm:flex-row sm:items-center "
                                           "gap-2"):
                ui.button("Zeile hinzufügen", icon="add", on_click=self._add_row).props(
                    "outline").mark("rule-add")
                ui.button("Werkseinstellungen wiederherstellen", icon="restart_alt",
                          on_click=self._ask_reset).props("flat color=grey-8").classes(
                    "sm:ml-auto").mark("service-reset")
                self.save_rules_button = ui.button("Intervalle speichern", icon="save",
                                                   on_click=self._save_rules).props(
                    "unelevated").mark("rule-save")

    def _add_row(self) -> None:
        self.table.add()
        self.dirty.changed("rules")()

    def _show_rule_errors(self, lines: list[str]) -> None:
        self.rule_errors.clear()
        with self.rule_errors:
            if lines:
                ui.label("Nicht gespeichert – bitte korrigieren:").classes("font-medium")
            for line in lines:
                ui.label(line)
        self.rule_errors.set_visibility(bool(lines))

    async def _recompute(self, work: Callable[[Any], int], button: Any) -> int | None:
        """Run a save with its recompute; None when it failed (and the error is shown)."""
        button.props("loading")
        self.step.set_text("Fälligkeiten werden neu berechnet …")
        try:
            return await run_with_progress(work, self.bar, self.step)
        finally:
            button.props(remove="loading")

    async def _save_rules(self) -> None:
        work = _write(editing.save_rules, self.user, self.table.values())
        try:
            count = await self._recompute(work, self.save_rules_button)
        except ValidationError as exc:
            self._show_rule_errors(self.table.show_errors(exc.errors))
            ui.notify("Nicht gespeichert: bitte die markierten Zeilen korrigieren.",
                      type="negative")
            return
        except Exception as exc:  # noqa: BLE001 - shown in German, nothing typed is lost
            notify_error(exc)
            return
        self.table.show_errors({})
        self._show_rule_errors([])
        self.dirty.saved("rules")
        self._set_factory(False)
        ui.notify(f"Intervalle gespeichert. Fälligkeiten von {count} Fahrzeug(en) neu "
                  "berechnet.", type="positive")

    def _ask_reset(self) -> None:
        async def confirm() -> bool:
            work = _write(editing.reset, self.user)
            try:
                count = await run_with_progress(work, self.bar, self.step)
                _country, current, factory = await run.io_bound(_load)
            except Exception as exc:  # noqa: BLE001 - shown in German, the dialog stays
                notify_error(exc)
                return False
            self.table.load(current.rules)
            self.table.show_errors({})
            self._show_rule_errors([])
            for card in self.cards.values():
                card.set_form(editing.type_form(current.keywords[card.service_type],
                                                current.timelines[card.service_type]))
            self.dirty.saved()
            self._set_factory(factory)
            ui.notify(f"Werkseinstellungen wiederhergestellt. Fälligkeiten von {count} "
                      "Fahrzeug(en) neu berechnet.", type="positive")
            return True

        confirm_dialog("Werkseinstellungen wiederherstellen?", confirm,
                       confirm_label="Wiederherstellen", body=lambda: ui.label(
                           "Intervalltabelle, Stichwörter und Kontaktablauf aller Servicearten "
                           "kehren zu den Werten ab Werk zurück; Ihre Änderungen gehen "
                           "verloren. Danach werden die Fälligkeiten neu berechnet.").classes(
                           "text-sm text-grey-8"))

    # --- keywords and timelines per type -------------------------------------------------

    def _types_section(self, current: config.Config) -> None:
        fixed = {HU: "fester Kalender: " + HU_HELP.get(self.country, HU_HELP["DE"]),
                 TYRES: "fester Kalender: 15. April und 1. November"}
        with section("Stichwörter und Kontaktablauf", "label").mark(
                "service-types"):
            ui.label(KEYWORD_HELP).classes("text-sm text-grey-8")
            self.cards: dict[str, TypeCard] = {}
            with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-2 gap-3"):
                for key in SERVICE_TYPES:
                    self.cards[key] = TypeCard(
                        key, self.country, editing.type_form(current.keywords[key],
                                                             current.timelines[key]),
                        fixed.get(key, ""), self.dirty.changed(key), self._save_type)
            self._keyword_test()

    async def _save_type(self, card: TypeCard) -> None:
        work = _write(editing.save_type, self.user, card.service_type, card.form())
        try:
            count = await self._recompute(work, card.save_button)
        except ValidationError as exc:
            if card.show_errors(exc.errors):
                ui.notify("Nicht gespeichert: bitte die rot markierten Felder korrigieren.",
                          type="negative")
            else:
                notify_error(exc)
            return
        except Exception as exc:  # noqa: BLE001 - shown in German, nothing typed is lost
            notify_error(exc)
            return
        card.show_errors({})
        self.dirty.saved(card.service_type)
        self._set_factory(False)
        ui.notify(f"„{label(card.service_type, self.country)}“ gespeichert. Fälligkeiten von "
                  f"{count} Fahrzeug(en) neu berechnet.", type="positive")

    def _keyword_test(self) -> None:
        with ui.card().props("flat").classes("w-full gap-2 p-4 bg-grey-2").mark("keyword-test"):
            ui.label("Test: Auftragstext prüfen").classes("text-sm font-medium")
            with ui.row().classes("w-full items-start gap-2 no-wrap"):
                sample = ui.input("Auftragstext", placeholder="z. B. Jahresservice inkl. "
                                  "Räderwechsel").props("outlined dense clearable").classes(
                    "grow min-w-0").mark("keyword-test-text")
                check = ui.button("Prüfen", icon="search").props("outline no-wrap").mark(
                    "keyword-test-run")
            result = ui.column().classes("w-full gap-1 text-sm").mark("keyword-test-result")
            ui.label("Geprüft wird mit den Stichwörtern, wie sie oben gerade stehen – auch "
                     "noch nicht gespeicherte.").classes("text-xs text-grey-7")

        def show() -> None:
            texts = {key: card.form().keywords for key, card in self.cards.items()}
            found = editing.matches(texts, sample.value or "")
            result.clear()
            with result:
                if not (sample.value or "").strip():
                    ui.label("Bitte einen Auftragstext eingeben.").classes("text-grey-7")
                elif not found:
                    ui.label("Keine Serviceart erkannt.").classes("text-grey-8")
                for key, words in found.items():
                    with ui.row().classes("items-center gap-2"):
                        ui.icon("check_circle", size="xs").classes("text-positive")
                        ui.label(label(key, self.country)).classes("font-medium")
                        ui.label("– gefunden: " + ", ".join(words)).classes("text-grey-8")

        check.on_click(show)
        sample.on("keydown.enter", show)


async def service_settings_page(user: User) -> None:
    country, current, factory = await run.io_bound(_load)
    ServiceSettingsPage(user, country, current, factory)


def create() -> None:
    """Register the page (admins only; the actions check the role again in core)."""
    page(PATH, "Serviceregeln", roles=("admin",))(service_settings_page)
