"""Duty suggestion for records and duty coverage."""
