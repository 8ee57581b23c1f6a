"""kyoso's kernel: what every app shares and no domain owns.

- errors.py: the error type (a code, a status, a message in the member's language) and its rendering
  for pages, JSON and WebSocket frames
- events.py: publishing events to audiences after commit; delivery apps register sinks
- ratelimit.py, limits.py: rate limits and request limits
- text.py: Japanese text folding (width, case, katakana)
- domains.py: government e-mail suffixes
- audit.py, admin.py: the audit hook and audited admin pages
- mail.py, models.py: e-mail on the task queue (Mail rows: queued, sent, failed), retried with backoff
- worker.py, schedule.py, management/commands/worker.py: ``kyoso worker`` (tasks and periodic jobs)

core imports no other kyoso app.
"""
