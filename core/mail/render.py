"""Rendering mail templates safely: sandboxed Jinja2, undefined variables are errors.

Staff edit templates in the UI, so a template is untrusted code: the sandbox refuses access to
Python internals, StrictUndefined turns a typo into an error at save time instead of a mail
with a hole in it (fallbacks are explicit: `{{ x|default("…") }}`). The HTML body is
autoescaped and wrapped in templates/layout.html; subject and plain text are not escaped.
Every render is bounded (core.mail.sandbox): a template that would loop, compute or write too
much gets a German error instead of blocking the server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from core.formatting import format_eur
from core.mail import budget
from core.mail.budget import BudgetExceeded
from core.mail.sandbox import BoundedEnvironment

LAYOUT_PATH = Path(__file__).resolve().parent.parent.parent / "templates" / "layout.html"
PART_LABELS = {"subject": "Betreff", "text": "Text", "html": "HTML"}
# Variables the outbox adds itself; templates may use them without the caller providing them.
STANDARD_VARS = ("dealer_name", "unsubscribe_url")
MAX_SOURCE_CHARS = 100_000  # per part; the factory templates have about 2.000


class TemplateError(ValueError):
    """A template cannot be compiled or rendered; `messages` are German, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _environment(autoescape: bool) -> BoundedEnvironment:
    # eur: integer cents -> "1.234,56 €"
    return BoundedEnvironment(undefined=StrictUndefined, autoescape=autoescape,
                              filters={"eur": format_eur})


_ENVS = {"subject": _environment(False), "text": _environment(False), "html": _environment(True)}


@lru_cache(maxsize=512)
def _compile(part: str, source: str):
    # Compiling dominates rendering cost; the same stored template is rendered many times.
    return _ENVS[part].from_string(source)


@lru_cache(maxsize=1)
def _layout(mtime: float):
    return _ENVS["html"].from_string(LAYOUT_PATH.read_text(encoding="utf-8"))


def render(subject_src: str, text_src: str, html_src: str, context: dict, *,
           layout: bool = True) -> Rendered:
    """Render all three parts; TemplateError lists every problem found (German)."""
    results: dict[str, str] = {}
    errors: list[str] = []
    for part, source in (("subject", subject_src), ("text", text_src), ("html", html_src)):
        try:
            results[part] = _render_part(part, source, context)
        except Exception as exc:  # noqa: BLE001 - every template failure becomes a message
            errors.append(describe_error(part, exc))
    if errors:
        raise TemplateError(errors)
    # Interior line breaks stay: the outbox refuses them (header injection via a value).
    subject = results["subject"].strip()
    text, html = results["text"], results["html"]
    if layout:
        text = _text_footer(text, context)
        try:
            html = _wrap_html(html, subject, context)
        except BudgetExceeded as exc:
            raise TemplateError([describe_error("html", exc)]) from None
    return Rendered(subject=subject, text=text, html=html)


def _render_part(part: str, source: str, context: dict) -> str:
    """One part within its own budget (compiling included: it folds constants)."""
    if len(source) > MAX_SOURCE_CHARS:
        raise BudgetExceeded(f"Die Vorlage ist zu lang (mehr als "
                             f"{MAX_SOURCE_CHARS:,} Zeichen).".replace(",", "."))
    with budget.budget():
        return budget.checked_output(_compile(part, source).render(context))


def validate(subject_src: str, text_src: str, html_src: str, context: dict) -> list[str]:
    """Every German error message for these sources against `context`; empty when fine."""
    if any(char in subject_src.strip() for char in "\r\n"):
        return ["Betreff: muss aus einer Zeile bestehen."]
    try:
        render(subject_src, text_src, html_src, context)
    except TemplateError as exc:
        return exc.messages
    return []


def variables(*sources: str) -> set[str]:
    """Names the sources use at top level (for the variable list in the editor)."""
    names: set[str] = set()
    for source in sources:
        try:
            names |= meta.find_undeclared_variables(_ENVS["text"].parse(source))
        except TemplateSyntaxError:
            continue
    return names


def _wrap_html(body: str, subject: str, context: dict) -> str:
    layout_vars = {
        "content": Markup(body),  # already rendered with autoescape
        "subject": subject,
        "dealer_name": context.get("dealer_name", ""),
        "imprint": context.get("imprint") or [],
        "unsubscribe_url": context.get("unsubscribe_url"),
    }
    with budget.budget():
        return _layout(LAYOUT_PATH.stat().st_mtime).render(layout_vars)


def _text_footer(text: str, context: dict) -> str:
    lines = [text.rstrip(), "", "-- "]
    # The imprint names the dealer; without one, the dealer's name alone.
    imprint = [str(line) for line in context.get("imprint") or []]
    if imprint:
        lines += imprint
    elif context.get("dealer_name"):
        lines.append(str(context["dealer_name"]))
    if context.get("unsubscribe_url"):
        lines.append(f"Keine weiteren E-Mails von uns erhalten: {context['unsubscribe_url']}")
    return "\n".join(lines) + "\n" if len(lines) > 3 else text


# --- German error messages ------------------------------------------------------------------

_SYNTAX_TRANSLATIONS = (
    (r"unexpected '(.+)'", "unerwartetes „{0}“"),
    (r"unexpected char '(.+)' at \d+", "unerwartetes Zeichen „{0}“"),
    (r"Expected an expression, got '(.+)'", "hier fehlt ein Ausdruck"),
    (r"Encountered unknown tag '(.+?)'", "unbekannter Befehl „{0}“"),
    (r"Unexpected end of template.*looking for the following tags: (.+?)\.",
     "das Template endet zu früh, es fehlt {0}"),
    (r"unexpected end of template", "das Template endet zu früh (nicht geschlossene Klammer?)"),
    (r"expected token '(.+?)', got '(.+?)'", "erwartet wurde „{0}“, gefunden „{1}“"),
)


def describe_error(part: str, exc: Exception) -> str:
    """One German sentence for `exc` raised while compiling/rendering template part `part`."""
    label = PART_LABELS.get(part, part)
    if isinstance(exc, TemplateSyntaxError):
        return f"{label}, Zeile {exc.lineno}: Syntaxfehler – {_translate(exc.message or '')}."
    where = _runtime_line(exc)
    prefix = f"{label}, Zeile {where}" if where else label
    if isinstance(exc, SecurityError):
        return (f"{prefix}: Zugriff nicht erlaubt – Templates dürfen keine internen Attribute "
                f"(wie __class__) oder unsicheren Funktionen verwenden.")
    if isinstance(exc, UndefinedError):
        return f"{prefix}: {_describe_undefined(str(exc))}"
    if isinstance(exc, BudgetExceeded):
        return f"{prefix}: {exc}"
    if isinstance(exc, RecursionError):
        return (f"{prefix}: Die Vorlage ist zu aufwendig: zu tief verschachtelt (ruft sich ein "
                f"Makro immer wieder selbst auf?).")
    if isinstance(exc, MemoryError):
        return f"{prefix}: Die Vorlage ist zu aufwendig: nicht genug Arbeitsspeicher."
    return f"{prefix}: Fehler beim Ausfüllen – {type(exc).__name__}: {exc}"


def _translate(message: str) -> str:
    for pattern, german in _SYNTAX_TRANSLATIONS:
        match = re.search(pattern, message, re.DOTALL)
        if match:
            return german.format(*match.groups())
    return f"({message})"


def _describe_undefined(message: str) -> str:
    match = re.match(r"'(.+)' is undefined", message)
    if match:
        return (f"unbekannte Variable „{match.group(1)}“ (Tippfehler? Sonst mit "
                f"default(\"…\") einen Ersatzwert angeben).")
    match = re.match(r"'(.+)' has no attribute '(.+)'", message)
    if match:
        return f"unbekanntes Feld „{match.group(2)}“."
    return f"Wert fehlt ({message})."


def _runtime_line(exc: Exception) -> int | None:
    # Jinja rewrites tracebacks so template frames carry the template's own line numbers.
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
