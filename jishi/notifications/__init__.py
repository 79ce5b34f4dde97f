"""The in-app inbox, email and reminders, fanned out as background tasks."""
