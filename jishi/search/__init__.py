"""Chinese full-text search over records: the index and its queries."""
