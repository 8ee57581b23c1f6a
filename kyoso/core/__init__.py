"""kyoso's kernel: what every app shares and no domain owns.

- errors.py: the error type (a code, a status, a message in the member's language) and its rendering
  for pages, JSON and WebSocket frames
- events.py: publishing events to audiences after commit; delivery apps register sinks
- ratelimit.py, limits.py: rate limits and request limits
- text.py: Japanese text folding (width, katakana readings)
- domains.py: government e-mail suffixes
- audit.py, admin_base.py: the audit hook and the audited admin base (admin.py: the kernel's records)
- middleware.py: a member's error that a page did not catch, answered with its status
- logs.py: operator log lines (``event=... key=value``)
- validation.py: ids, cursors and JSON depth checked at the boundary, answered in the error protocol
- crypto.py: secrets at rest, with a key derived from the secret key (and its fallbacks)
- mail.py, models.py: e-mail on the task queue (Mail rows: queued, sent, failed), retried with backoff
- worker.py, schedule.py, management/commands/worker.py: ``kyoso worker`` (tasks and periodic jobs)

core imports no other kyoso app.
"""
