"""The Excel download in a real Chromium: the button of a list saves an .xlsx file whose
cells are typed (numbers as numbers, customer input as text)."""
from __future__ import annotations

from pathlib import Path

import openpyxl
from selenium.webdriver.support.ui import WebDriverWait

from tools.liveserver import button_xpath, query, wait_for, wait_text


def _downloaded(browser, folder: Path, suffix: str) -> Path:
    """The finished download (Chromium writes *.crdownload until it is complete)."""
    return WebDriverWait(browser, 30).until(
        lambda _driver: next((p for p in folder.iterdir() if p.suffix == suffix), False))


def test_the_case_list_downloads_as_a_typed_excel_file(logged_in, live_server, tmp_path):
    browser = logged_in
    browser.execute_cdp_cmd("Page.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.get(live_server.url + "/ankauf?status=8")
    wait_text(browser, "Fälle")
    wait_for(browser, button_xpath("Excel")).click()
    book = openpyxl.load_workbook(_downloaded(browser, tmp_path, ".xlsx"))
    header, *rows = book.active.iter_rows(values_only=True)
    assert header[:2] == ("Fall-Nr.", "Vorname")
    expected = query(live_server, "select count(*) from tradein_cases where status = 8 "
                                  "and archived_at is null")[0][0]
    assert len(rows) == expected > 0
    assert all(isinstance(r[0], int) for r in rows)  # numbers stay numbers
    value = header.index("Marktwert (EUR)")
    assert all(isinstance(r[value], (int, float)) for r in rows if r[value] is not None)
