"""Email reminders on the right working day, exactly once: the outbox, the scanner, delivery, the scheduler."""
