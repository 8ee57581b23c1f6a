"""Notifications have no records of their own yet; sent e-mails are in the admin under core (メール)."""
