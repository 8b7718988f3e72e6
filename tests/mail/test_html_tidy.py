"""Every mail's HTML, as customers and staff receive it (layout and imprint included), is
checked by HTML Tidy: mail clients forgive less than browsers, and broken markup is what
spam filters count against a sender."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest

from core import modules
from core.mail import render, templates
from tests.mail.test_dealer_identity import IDENTITY

TIDY = shutil.which("tidy")


def _every_mail(session, settings, now) -> list[tuple[str, str]]:
    """(template key, rendered HTML) of every module's template with its sample data."""
    mails = []
    for module in modules.registered():
        source = module.templates
        if source is None:
            continue
        for key in source.templates(session):
            template = templates.get(session, key)
            context = source.preview(session, settings, key, None, now).context
            mails.append((key, render.render(template.subject, template.text_body,
                                             template.html_body, context).html))
    return mails


@pytest.mark.skipif(TIDY is None, reason="HTML Tidy fehlt (test.sh installiert Debians tidy)")
def test_no_mail_has_an_html_error(db, settings, now, tmp_path):
    settings = replace(settings, **IDENTITY)
    with db.session(write=True) as session:
        templates.seed_defaults(session, now)
        mails = _every_mail(session, settings, now)
    # Every module's mails, not a lucky few.
    assert {key.split(".")[0] for key, _html in mails} == {
        m.key for m in modules.registered() if m.templates is not None}
    assert len(mails) >= 13
    problems = {}
    for key, html in mails:
        page = tmp_path / f"{key}.html"
        page.write_text(html, encoding="utf-8")
        # Exit code 2: errors; 1: only warnings (e.g. layout tables), which mail HTML needs.
        result = subprocess.run([TIDY, "-q", "-e", "-utf8", str(page)], capture_output=True,
                                text=True, timeout=30)
        if result.returncode >= 2:
            problems[key] = result.stderr
    assert problems == {}
