"""The kernel's tables, shared by every module: one customer record, one timeline, one
outbox, users, settings, templates, import runs. A module's own tables live in
`core/<module>/models.py` on the same `Base`; shared rows point to them as
(module, record_id), never by a foreign key."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC: SQLite keeps no zone, PostgreSQL gets the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use core.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        fallback = super().result_processor(dialect, coltype)

        def from_text(value):
            # SQLite hands back the stored text; SQLAlchemy parses it with a regular
            # expression and then the zone is added: one C call does both. Due runs and
            # lists read thousands of these per request.
            if value is None:
                return None
            try:
                return datetime.fromisoformat(value + "+00:00")
            except (TypeError, ValueError):  # not the canonical text form: the slow way
                return fallback(value)

        return from_text


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class Setting(Base):
    """Admin-edited settings; environment variables override them (see core.settings)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    email: Mapped[str] = mapped_column(String(254), default="")
    role: Mapped[str] = mapped_column(String(16))  # one of core.auth.ROLES
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    news_seen_at: Mapped[datetime | None]  # when the user last opened the bell (core.news)


class Customer(Base):
    """One person or company, whichever module met them first (website valuation or DMS
    import). DMS customers are keyed by customer_number; website ones by e-mail."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-case; empty when the DMS has none. Not unique: a DMS may share one address.
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    customer_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(60), default="")
    customer_group: Mapped[str] = mapped_column(String(60), default="")
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Consent to measure opens and clicks of mails (only asked when KP_TRACKING is on).
    tracking_consent: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    # Objection / unsubscribe: stops every marketing and automatic mail.
    opted_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # The import run that last wrote this row (core.imports.runs: undo of an unfinished run).
    import_run_id: Mapped[int | None] = mapped_column(Integer)
    # No relationships to module tables: the kernel knows no module (a module's rows point
    # here, not the other way round).

    # The lists' name sort reads this index in order (the id breaks ties).
    __table_args__ = (Index("ix_customers_name_id", "last_name", "first_name", "id"),)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.company_name


class Event(Base):
    """The timeline ("Aktionsliste"): every change, mail and suppressed mail, per customer.

    `(module, record_id)` names the module record an event belongs to (a trade-in case, a
    win-back entry, ...) without a foreign key: shared tables know no module's table."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    module: Mapped[str | None] = mapped_column(String(20))  # a core.modules.Module key
    record_id: Mapped[int | None] = mapped_column(Integer)  # the module's own record id
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    data: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_events_module_record", "module", "record_id"),)


class MailTemplate(Base):
    """Staff-editable mail text; factory defaults live in templates/ and seed this table."""

    __tablename__ = "mail_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64), default="system")


class OutboxMessage(Base):
    """A mail on its way. Written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # marketing | transactional | staff
    to_addr: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    # Display name in From: (a branch's own sender name); empty = the configured one.
    from_name: Mapped[str] = mapped_column(String(200), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # Who queued it: a user name, "system" for the automatic mails (the sales view lists a
    # user's own mails).
    queued_by: Mapped[str] = mapped_column(String(64), default="system",
                                           server_default="system")
    template_key: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # queued -> sending -> sent | retry | failed | cancelled | held
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Why a mail is in its status when that is not obvious (core.mail.outbox): "late" = held
    # for a staff decision (the send switch does not release it), "gave_up" = failed after
    # temporary errors for longer than the maximum age. Empty otherwise.
    reason_code: Mapped[str] = mapped_column(String(16), default="", server_default="")
    send_by: Mapped[datetime | None]  # automatic mails: later than this only after a decision
    failing_since: Mapped[datetime | None]  # first temporary error of the current series
    sent_at: Mapped[datetime | None] = mapped_column(index=True)  # daily quota, "sent today"
    created_at: Mapped[datetime]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    # The module record the mail is about (see Event): idempotency lookups per record.
    module: Mapped[str | None] = mapped_column(String(20))
    record_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),
                      Index("ix_outbox_module_record", "module", "record_id"),
                      Index("ix_outbox_queued_by_id", "queued_by", "id"))


class DevMailboxMessage(Base):
    """What the embedded development SMTP server received, shown on the Dev-Postfach page."""

    __tablename__ = "dev_mailbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    mail_from: Mapped[str] = mapped_column(String(254))
    rcpt_to: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(200), default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRun(Base):
    """One CSV import that writes in short batches. Until it is `committed` its rows can be
    undone: new rows carry its id, changed rows have their old values in `import_journal`.
    A `running` run whose heartbeat stopped (the process died) is rolled back."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)  # running|committed|rolled_back
    actor: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class ImportJournal(Base):
    """The values a running import overwrote, one row per changed row (JSON: key + old)."""

    __tablename__ = "import_journal"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    old: Mapped[dict] = mapped_column(JSON)
