"""The one customer record as every module shares it: its profile and timeline, the quick
search of the header, suggested duplicates and merging two records into one."""


def customer_url(customer_id: int) -> str:
    """The customer page of this customer (pages.customer), where every module links to."""
    return f"/kunden/{customer_id}"
