"""Notices: an email the moment something happens that someone must act on or should know about.

Reminders (``portal.reminders``) are about dates coming up; notices are about events: a query on evidence,
a self-evaluation validated or returned, a meeting booked or moved, minutes circulated or confirmed, notes
of visit issued. Each is queued in the outbox in the same transaction as the change (a change rolled back
tells nobody), under a key naming the event and the person (nobody hears of it twice), and delivered at
once by the scheduler's outbox job.
"""
