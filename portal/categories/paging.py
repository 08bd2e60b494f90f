"""Pages of a list already in memory, or of one read a page at a time, with the same interface as a
Flask-SQLAlchemy page (one pagination macro)."""

from flask_sqlalchemy.pagination import Pagination


class ListPagination(Pagination):
    def __init__(self, rows, page, per_page):
        self._rows = rows
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self):
        start = (self.page - 1) * self.per_page
        return self._rows[start:start + self.per_page]

    def _query_count(self):
        return len(self._rows)


class ReadPagination(Pagination):
    """A page read by ``read(offset, limit)``, of ``total`` rows counted already (no count query of its own)."""

    def __init__(self, read, total, page, per_page):
        self._read, self._total = read, total
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self):
        return self._read(self._query_offset, self.per_page)

    def _query_count(self):
        return self._total
