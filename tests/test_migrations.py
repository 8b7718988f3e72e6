"""Migrations move existing data: a database of an earlier release upgrades without losing
which trade-in case (or win-back customer) its timeline and outbox rows belong to."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from core.db import ROOT

AT = "2026-11-23 09:00:00.000000"


def _config(url: str) -> Config:
    """The Alembic configuration exactly as core.db.Database.migrate builds it."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["connection_url"] = url
    return config


def _fill_0003(url: str) -> None:
    """A customer with one trade-in case, its event and mail, and one win-back mail and
    event – written with plain SQL in the 0003 schema (the models describe the newest)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO customers (id, email, first_name, last_name, phone, company_name, "
            "city, country, customer_group, marketing_consent, created_at) VALUES "
            "(7, 'maria@example.at', 'Maria', 'Muster', '', '', '', '', '', true, :at)"),
            {"at": AT})
        conn.execute(text(
            "INSERT INTO tradein_cases (id, customer_id, status, status_changed_at, make, "
            "model, build_year, mileage_km, fuel, market_value_cents, calculated_at, "
            "decision_count, created_at, updated_at) VALUES (42, 7, 2, :at, 'VW', 'Golf', "
            "2018, 84500, 'Benzin', 1549000, :at, 0, :at, :at)"), {"at": AT})
        conn.execute(text(
            "INSERT INTO events (id, at, customer_id, case_id, kind, text, actor) VALUES "
            "(1, :at, 7, 42, 'status', 'Status: 1 → 2', 'system'), "
            "(2, :at, 7, NULL, 'winback_action', 'Rückgewinnung: Bemerkung', 'anna'), "
            "(3, :at, NULL, NULL, 'login', 'Anmeldung: anna', 'anna'), "
            "(4, :at, 7, NULL, 'winback_won_back', 'Rückgewinnung: Bestellung', 'system'), "
            "(5, :at, NULL, NULL, 'winback_detection', 'Rückgewinnung neu berechnet', "
            "'system')"), {"at": AT})
        for oid, key, template, case_id in ((1, "tradein:42:market_value",
                                             "tradein.market_value", 42),
                                            (2, "winback:7:standard:1", "winback.standard",
                                             None)):
            conn.execute(text(
                "INSERT INTO outbox (id, idempotency_key, message_id, kind, to_addr, to_name, "
                "from_name, template_key, template_version, subject, text_body, html_body, "
                "status, attempts, next_attempt_at, last_error, reason_code, created_at, "
                "customer_id, case_id) VALUES (:id, :key, '<m@x>', 'marketing', "
                "'maria@example.at', '', '', :template, 1, 'Betreff', 'Text', '<p>Text</p>', "
                "'sent', 1, :at, '', '', :at, 7, :case_id)"),
                {"id": oid, "key": key, "template": template, "case_id": case_id, "at": AT})
    engine.dispose()


def test_0004_points_rows_to_module_records(databases):
    url = databases.new_url("old")
    config = _config(url)
    command.upgrade(config, "0003")
    _fill_0003(url)

    command.upgrade(config, "head")

    engine = create_engine(url)
    with engine.connect() as conn:
        events = conn.execute(text("SELECT id, customer_id, module, record_id, kind FROM "
                                   "events ORDER BY id")).all()
        outbox = conn.execute(text("SELECT id, customer_id, module, record_id, status FROM "
                                   "outbox ORDER BY id")).all()
        columns = {table: {c["name"] for c in inspect(conn).get_columns(table)}
                   for table in ("events", "outbox")}
        indexes = {table: {i["name"]: i["column_names"] for i in inspect(conn).get_indexes(table)}
                   for table in ("events", "outbox")}
        foreign = {table: [fk["referred_table"] for fk in inspect(conn).get_foreign_keys(table)]
                   for table in ("events", "outbox")}
    engine.dispose()
    # One event vocabulary: win-back's own kind became the kernel's "action".
    assert events == [(1, 7, "tradein", 42, "status"), (2, 7, "winback", 7, "action"),
                      (3, None, None, None, "login"), (4, 7, "winback", 7, "status"),
                      (5, None, "winback", None, "detection_run")]
    assert outbox == [(1, 7, "tradein", 42, "sent"), (2, 7, "winback", 7, "sent")]
    for table in ("events", "outbox"):
        assert "case_id" not in columns[table]
        assert indexes[table][f"ix_{table}_module_record"] == ["module", "record_id"]
        assert f"ix_{table}_case_id" not in indexes[table]
        assert foreign[table] == ["customers"]  # the customer timeline stays; no module table


def test_downgrade_restores_case_id(databases):
    url = databases.new_url("old")
    config = _config(url)
    command.upgrade(config, "0003")
    _fill_0003(url)
    command.upgrade(config, "head")

    command.downgrade(config, "0003")

    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, case_id, kind FROM events ORDER BY id")).all() == [
            (1, 42, "status"), (2, None, "winback_action"), (3, None, "login"),
            (4, None, "winback_won_back"), (5, None, "winback_detection")]
        assert conn.execute(text("SELECT id, case_id FROM outbox ORDER BY id")).all() == [
            (1, 42), (2, None)]
    engine.dispose()


def test_one_head():
    """Every migration builds on the one before: a second head would leave a database
    half-migrated (Database.migrate upgrades to "head")."""
    assert len(ScriptDirectory.from_config(_config("sqlite://")).get_heads()) == 1


# The customers' text index is built by hand in migration 0005 (an FTS5 table with its shadow
# tables on SQLite, a pg_trgm expression index on PostgreSQL): no model can declare it.
TEXT_INDEX = ("customers_fts", "ix_customers_search")


def _declared_in_models(name, kind, _parent) -> bool:
    return not (name or "").startswith(TEXT_INDEX)


def test_migrated_schema_is_what_the_models_declare(db):
    """The kernel's and every installed module's models (each module keeps its own in
    core/<module>/models.py) describe exactly the schema the migrations build: a model
    changed without a migration, or a module's table missing from the metadata, fails."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.models import Base

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _declared_in_models})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert {"tradein_cases", "winback_entries", "order_lines", "companies"} <= set(
        Base.metadata.tables)
