"""Win-back (Rückgewinnung); the kernel reads `MODULE` (core.winback.module)."""

# The module key: template keys "winback.<name>"; win-back records are keyed by customer, so
# shared rows (events, outbox) point to one as (KEY, customer id).
KEY = "winback"


def process_url(customer_id: int) -> str:
    """The customer's win-back process page (the module's record page)."""
    return f"/rueckgewinnung/kunde/{customer_id}"
