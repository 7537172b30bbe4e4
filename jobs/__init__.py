"""Background workers (outbox consumers). Filled in by the reminders/mail issue."""
