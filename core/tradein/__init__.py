"""Trade-in funnel (Ankauf); the kernel reads `MODULE` (core.tradein.module)."""

# The module key: template keys "tradein.<mail>"; shared rows (events, outbox) point to a
# case as (KEY, case id).
KEY = "tradein"
