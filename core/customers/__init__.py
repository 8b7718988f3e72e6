"""The one customer record as every module shares it: its profile and timeline, the quick
search of the header, suggested duplicates and merging two records into one."""
