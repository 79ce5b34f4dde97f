"""Tamper evidence: the hash chain over history, daily digests and verification."""
