"""Look of the public pages customers open from mails (every module's booking and call-back
pages): one self-contained HTML shell (no external fonts, scripts
or images, so nothing tracks the customer and the page loads at once) and a few line icons."""
from __future__ import annotations

import html
from string import Template
from typing import Any

from fastapi.responses import HTMLResponse

from pages.frame import ACCENT

# $title, $dealer, $body, $marker, $accent are filled in by the page (escaped there).
SHELL = Template("""<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>$title · $dealer</title>
<style>
 :root { --accent: $accent; --ink: #1f2933; --muted: #5b6b7a; --line: #dde2e8; }
 * { box-sizing: border-box; }
 body { margin: 0; background: #f3f5f8; color: var(--ink); line-height: 1.5;
        font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
 header { background: #fff; border-bottom: 1px solid var(--line); }
 header .bar { max-width: 600px; margin: 0 auto; padding: 14px 20px; display: flex;
               align-items: center; gap: 10px; font-weight: 600; font-size: 1.05rem; }
 header svg { color: var(--accent); }
 main { max-width: 600px; margin: 24px auto; padding: 28px; background: #fff;
        border: 1px solid var(--line); border-radius: 12px; }
 h1 { font-size: 1.45rem; line-height: 1.25; margin: 0 0 10px; }
 p { margin: 0 0 12px; }
 .lead { color: var(--muted); }
 .info { background: #eef5fb; border-radius: 8px; padding: 10px 14px; }
 .vehicle { border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px;
            margin: 18px 0 22px; display: grid; gap: 12px;
            grid-template-columns: 1fr auto; align-items: center; }
 .vehicle .car { display: flex; gap: 12px; align-items: center; }
 .vehicle .car svg { color: var(--accent); flex: none; }
 .vehicle .label { font-size: .8rem; color: var(--muted); text-transform: uppercase;
                   letter-spacing: .04em; }
 .vehicle .name { font-weight: 600; font-size: 1.1rem; }
 .vehicle dl { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: 6px 22px;
               margin: 0; font-size: .92rem; }
 .vehicle dt { color: var(--muted); display: inline; }
 .vehicle dt::after { content: ": "; }
 .vehicle dd { display: inline; margin: 0; font-weight: 500; }
 .vehicle .value { grid-row: 1; grid-column: 2; text-align: right; }
 .vehicle .amount { font-size: 1.5rem; font-weight: 700; color: var(--accent);
                    white-space: nowrap; }
 .vehicle .hint { font-size: .8rem; color: var(--muted); }
 form label, legend { display: block; font-weight: 600; margin: 16px 0 6px; padding: 0; }
 .optional { font-weight: 400; color: var(--muted); }
 input[type=date], input[type=time], input[type=tel], textarea {
   width: 100%; font: inherit; padding: 10px 12px; border: 1px solid #b9c2cc;
   border-radius: 8px; background: #fff; color: var(--ink); }
 input:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: 1px;
                               border-color: var(--accent); }
 input[aria-invalid=true], textarea[aria-invalid=true], select[aria-invalid=true] {
   border-color: #c62828; background: #fff8f8; }
 .help { font-size: .85rem; color: var(--muted); margin: 4px 0 0; }
 .nowrap { white-space: nowrap; }
 .error { color: #c62828; font-size: .9rem; margin: 4px 0 0; }
 .alert { background: #fdecea; color: #8e1c1c; border-radius: 8px; padding: 10px 14px; }
 fieldset { border: 0; padding: 0; margin: 18px 0 0; min-width: 0; }
 legend { margin-top: 0; }
 .choices { display: flex; flex-wrap: wrap; gap: 8px; }
 .choice { margin: 0; font-weight: 500; }
 .choice input { position: absolute; opacity: 0; }
 .choice span { display: inline-block; padding: 9px 16px; border: 1px solid #b9c2cc;
                border-radius: 999px; cursor: pointer; background: #fff; }
 .choice input:checked + span { background: var(--accent); border-color: var(--accent);
                                color: #fff; }
 .choice input:focus-visible + span { outline: 2px solid var(--accent); outline-offset: 2px; }
 .exact { display: none; max-width: 200px; }
 .window:has(input[value=uhrzeit]:checked) .exact { display: block; }
 button { margin-top: 24px; width: 100%; background: var(--accent); color: #fff; border: 0;
          border-radius: 8px; padding: 14px 18px; font: inherit; font-weight: 600;
          cursor: pointer; }
 button:hover { filter: brightness(1.08); }
 .fineprint { font-size: .85rem; color: var(--muted); margin-top: 12px; display: flex;
              gap: 6px; align-items: center; justify-content: center; }
 .notice { display: flex; gap: 16px; align-items: flex-start; }
 .notice > svg { flex: none; color: var(--muted); margin-top: 2px; }
 .notice.ok > svg { color: #2e7d32; }
 footer { max-width: 600px; margin: 0 auto 32px; padding: 0 20px; text-align: center;
          font-size: .85rem; color: var(--muted); }
 @media (max-width: 520px) {
   main { margin: 0; border-radius: 0; border-width: 0 0 1px; padding: 22px 18px; }
   h1 { font-size: 1.25rem; }
   .vehicle { grid-template-columns: 1fr; }
   .choice span { padding: 9px 14px; }
   .vehicle .value { grid-row: auto; grid-column: 1; text-align: left; }
   footer { margin-top: 18px; }
 }
</style></head>
<body>
<header><div class="bar">$car_icon<span data-testid="booking-dealer">$dealer</span></div></header>
<main data-testid="$marker">$body</main>
<footer>$dealer · Fragen? Antworten Sie einfach auf unsere E-Mail.</footer>
<script>
 // Refuse Sundays, holidays and closing days in the picker already; the server checks again.
 (function () {
   var day = document.getElementById("day");
   if (!day) return;
   var closed = JSON.parse(day.dataset.unavailable || "{}");
   function check() { day.setCustomValidity(closed[day.value] || ""); }
   day.addEventListener("input", check);
   day.form.noValidate = false;
   day.form.addEventListener("submit", function (ev) {
     check();
     if (!day.form.checkValidity()) { ev.preventDefault(); day.form.reportValidity(); }
   });
 })();
</script>
</body></html>""")

_PATHS = {
    "car": "M5 11l1.5-4.5A2 2 0 0 1 8.4 5h7.2a2 2 0 0 1 1.9 1.5L19 11M3 17v-4a2 2 0 0 1 2-2"
           "h14a2 2 0 0 1 2 2v4h-2M3 17h2m4 0h6M7 19a2 2 0 1 1 0-4 2 2 0 0 1 0 4zm10 0a2 2 0 1"
           " 1 0-4 2 2 0 0 1 0 4z",
    "check": "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM8 12.5l2.7 2.7L16.5 9",
    "info": "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 11v6M12 7.5v.5",
    "link": "M10 14a4.5 4.5 0 0 0 6.4 0l3-3a4.5 4.5 0 0 0-6.4-6.4l-1 1M14 10a4.5 4.5 0 0 0-"
            "6.4 0l-3 3a4.5 4.5 0 0 0 6.4 6.4l1-1",
    "lock": "M6 11h12v10H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3",
}


def icon(name: str, size: int = 28) -> str:
    """An inline line icon (currentColor), e.g. icon("check")."""
    small = 16 if name == "lock" else size
    return (f'<svg width="{small}" height="{small}" viewBox="0 0 24 24" fill="none" '
            'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" '
            f'stroke-linejoin="round" aria-hidden="true"><path d="{_PATHS[name]}"/></svg>')


def escape(value: Any) -> str:
    """Any value as HTML text (quotes too: values also land in attributes)."""
    return html.escape(str(value), quote=True)


def respond(title: str, dealer: str, body: str, marker: str, status: int = 200) -> HTMLResponse:
    """A public page in the shell; never cached (it shows one customer's data)."""
    text = SHELL.substitute(title=escape(title), dealer=escape(dealer or "Ihr Autohaus"),
                            body=body, marker=marker, accent=ACCENT, car_icon=icon("car", 24))
    return HTMLResponse(text, status_code=status, headers={"Cache-Control": "no-store"})
