"""Who the dealer is in a mail: the name that signs it and the imprint in its footer
(company, address, phone, website, commercial register; required in commercial mail in
AT and DE). Read from the settings section "Autohaus (Impressum)"."""
from __future__ import annotations

from core.settings import Settings


def dealer_name(settings: Settings) -> str:
    """The dealer's legal name, else the sender name."""
    return settings.dealer_legal_name.strip() or settings.mail_from_name


def imprint(settings: Settings) -> list[str]:
    """The footer lines of a customer mail, only those the dealer filled in."""
    phone = settings.dealer_phone.strip()
    lines = [settings.dealer_legal_name, settings.dealer_address,
             f"Telefon {phone}" if phone else "", settings.dealer_website,
             settings.dealer_register]
    return [line.strip() for line in lines if line.strip()]


def reply_address(settings: Settings, own: str = "") -> str:
    """Where a customer's reply goes: the mail's own address (a company's), the setting,
    else the sender address."""
    return own.strip() or settings.reply_to.strip() or settings.mail_from
