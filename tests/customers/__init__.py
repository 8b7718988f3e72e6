"""The one customer record: search, page, suggested duplicates and merge."""
