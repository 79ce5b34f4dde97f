"""Supervision on records: comments, inquiries, participant confirmations, flags, views, dimensions."""
