"""Companies/branches of the dealer group ("Firma" in the DMS order lines): each has its own
sender name and win-back templates (a standard one, optionally a voucher one).

The order import creates a missing company from its code (name = code) so that no order line
points nowhere; staff then give it a proper name and templates on the settings pages."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import events
from core.errors import NotFound, ValidationError
from core.models import MailTemplate
from core.validation import FieldErrors, clean_email, clean_int, clean_text
from core.winback import vouchers
from core.winback.models import Company, OrderLine

DEFAULT_STANDARD_TEMPLATE = "winback.standard"
EDITABLE = ("code", "name", "sender_name", "reply_to", "standard_template_key",
            "voucher_template_key", "voucher_code", "voucher_valid_days")


def list_companies(session: Session) -> list[Company]:
    return list(session.scalars(select(Company).order_by(Company.code)))


def get(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"Firma {company_id} gibt es nicht.")
    return company


def by_code(session: Session, code: str) -> Company | None:
    return session.scalar(select(Company).where(Company.code == code))


def _in_use(session: Session, company: Company) -> bool:
    query = select(OrderLine.id).where(OrderLine.company_code == company.code).limit(1)
    return session.scalar(query) is not None


def _template_key(session: Session, errors: FieldErrors, data: dict[str, Any], field: str,
                  label: str, required: bool) -> str | None:
    key = clean_text(errors, data, field, label, 64, required=required)
    if not key:
        return None
    if session.scalar(select(MailTemplate.id).where(MailTemplate.key == key)) is None:
        errors[field] = f"Die Mailvorlage „{key}“ gibt es nicht."
    return key


def _validate(session: Session, data: dict[str, Any], current: Company | None) -> dict:
    """The cleaned fields of `data` (only those given); ValidationError with German texts."""
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise ValidationError({k: "Dieses Feld gibt es nicht." for k in unknown})
    errors: FieldErrors = {}
    clean: dict[str, Any] = {}
    if "code" in data or current is None:
        clean["code"] = clean_text(errors, data, "code", "Kürzel", 60)
        other = by_code(session, clean["code"]) if clean["code"] else None
        if other is not None and other is not current:
            errors["code"] = f"Eine Firma mit dem Kürzel „{clean['code']}“ gibt es schon."
        elif current is not None and clean["code"] != current.code and _in_use(session, current):
            # Order lines name their company by this code; renaming it would orphan them.
            errors["code"] = ("Das Kürzel kann nicht mehr geändert werden: Auftragspositionen "
                              "verweisen darauf.")
    if "name" in data or current is None:
        clean["name"] = clean_text(errors, data, "name", "Name", 200)
    if "sender_name" in data:
        clean["sender_name"] = clean_text(errors, data, "sender_name", "Absendername", 200,
                                          required=False)
    if "reply_to" in data:
        clean["reply_to"] = clean_email(errors, data, "reply_to") if str(
            data.get("reply_to") or "").strip() else ""
    if "standard_template_key" in data:
        clean["standard_template_key"] = _template_key(
            session, errors, data, "standard_template_key", "Standardvorlage", True)
    if "voucher_template_key" in data:
        clean["voucher_template_key"] = _template_key(
            session, errors, data, "voucher_template_key", "Gutscheinvorlage", False)
    if "voucher_code" in data:
        code = clean_text(errors, data, "voucher_code", "Gutscheincode", 40).upper().replace(
            vouchers.PLACEHOLDER.upper(), vouchers.PLACEHOLDER)  # codes are upper case
        if code and not vouchers.PATTERN.fullmatch(code):
            errors["voucher_code"] = f"Gutscheincode: {vouchers.PATTERN_RULE}."
        clean["voucher_code"] = code
    if "voucher_valid_days" in data:
        clean["voucher_valid_days"] = clean_int(errors, data, "voucher_valid_days",
                                                "Gültigkeit (Tage)", 1, vouchers.MAX_VALID_DAYS)
    if errors:
        raise ValidationError(errors)
    return clean


def create(session: Session, data: dict[str, Any], now: datetime,
           actor: str = "system") -> Company:
    """A new company from `data` (code and name required, the rest optional)."""
    clean = _validate(session, data, None)
    company = Company(created_at=now, **clean)
    session.add(company)
    session.flush()
    events.record(session, now, "company", f"Firma „{company.code}“ angelegt.", actor=actor,
                  data={"company_id": company.id})
    return company


def update(session: Session, company_id: int, data: dict[str, Any], now: datetime,
           actor: str = "system") -> Company:
    """Change the given fields of a company; ValidationError leaves it untouched."""
    company = get(session, company_id)
    clean = _validate(session, data, company)
    changed = sorted(k for k, v in clean.items() if getattr(company, k) != v)
    for key in changed:
        setattr(company, key, clean[key])
    if changed:
        events.record(session, now, "company", f"Firma „{company.code}“ geändert: "
                      + ", ".join(changed) + ".", actor=actor, data={"company_id": company.id})
    return company


def ensure_codes(session: Session, codes: Iterable[str], now: datetime,
                 *, dry_run: bool = False) -> list[str]:
    """Create every company code not known yet (name = code, default template); returns the
    new codes, sorted. With dry_run only says which ones would be created."""
    wanted = {code for code in codes if code}
    known = set(session.scalars(select(Company.code).where(Company.code.in_(wanted)))) \
        if len(wanted) <= 500 else set(session.scalars(select(Company.code)))
    missing = sorted(wanted - known)
    if missing and not dry_run:
        session.add_all(Company(code=code, name=code, created_at=now,
                                standard_template_key=DEFAULT_STANDARD_TEMPLATE)
                        for code in missing)
        session.flush()
    return missing
