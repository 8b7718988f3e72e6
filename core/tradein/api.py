"""INTERFACE SKETCH of the trade-in core (implement in the modules below, then delete).

core.tradein.service
    create_valuation(session, settings, data: dict, actor="api") -> TradeInCase
        # fields: email, first_name, last_name, phone?, make, model, build_year, mileage_km,
        # fuel, market_value_eur, calculated_at? ; ValidationError(field -> German msg);
        # finds/creates the Customer by e-mail; status 1; due_at = next nightly run
    perform(session, settings, case_id: int, action: str, data: dict | None = None,
            user: User | None = None, actor: str = "api") -> TradeInCase
        # NotFound / ActionNotAllowed (reason) / ValidationError / PermissionDenied
        # status change + events + outbox rows (incl. decision mail on entering 7/8) in the
        # caller's transaction; recomputes due_at/due_rule
    preview(session, settings, case_id, action, data=None) -> Rendered | None
        # the mail the action would queue, rendered, or None for actions without mail;
        # raises the same errors perform would (so the dialog shows them before confirming)
    case_detail(session, case_id) -> TradeInCase   (customer loaded)

core.tradein.rules
    run_due(session, now, settings, dry_run=False) -> list[RuleOutcome]
        # RuleOutcome(case_id, rule, mail, at, sent: bool, reason: str | None)
    forecast(session, now, settings, days=14) -> list[RuleOutcome]   # same logic, dry-run
    upcoming_for_case(session, case, now, settings) -> (list[RuleOutcome], reason | None)

core.tradein.queries
    tile_counts(session) -> dict[str, int]   # keys: "status_1".."status_8", SPECIAL_TILES keys
    list_cases(session, *, tile=None, status=None, search="", sort="status_changed_at",
               descending=True, page=1, page_size=25, include_archived=False)
        -> (list[CaseRow], total)
    export_csv(session, same filters) -> bytes    # ; UTF-8 BOM, formula-safe (core.csvexport)
"""
