"""A school's category history is append-only: an entry is written once and never changed or deleted.

A correction is a new entry with its reason (a change between rounds).
"""

from portal.append_only import append_only
from portal.categories.models import SchoolCategory


class CategoryHistoryLocked(Exception):
    def __init__(self, entry_id):
        super().__init__(f"Category history entry {entry_id} cannot change: record a new change with its reason")
        self.entry_id = entry_id


append_only(SchoolCategory, CategoryHistoryLocked)
