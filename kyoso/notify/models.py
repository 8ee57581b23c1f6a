"""Notifications (通知). Sent e-mails are kyoso.core's ``Mail`` rows; the demo outbox lists them."""
