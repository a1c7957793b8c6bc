"""Scheduled messages: the durable outbox, the rate-limited sender, follow-up plans and working hours."""
