"""PDF files made on the server from the same HTML as the print views, with WeasyPrint.

Why here and like this: a PDF is a copy people keep and send on, so it must say exactly what the print view says
(same template, same context, same ``@media print`` rules that hide the navigation and the "portal-no-print" links).
WeasyPrint would fetch whatever the page links to, so it gets a fetcher that reads the portal's own ``/static/``
files from disk and refuses everything else: making a PDF never touches the network, whatever a record contains.
WeasyPrint is imported only when a PDF is made: it loads Pango on import (see scripts/ensure-pdf-libs), and every
other page works without it.
"""

import logging
import mimetypes
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

from flask import current_app, make_response, request, url_for
from werkzeug.security import safe_join

# WeasyPrint warns about every rule of GOV.UK Frontend's CSS it does not support (hundreds per PDF): keep its errors only.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def pdf_response(html: str, filename: str):
    """``html`` (a page rendered in this request) as a PDF download named ``filename``, never cached."""
    import weasyprint

    fetcher = _static_files_only(url_for("static", filename="", _external=True), current_app.static_folder)
    data = weasyprint.HTML(string=html, base_url=request.url_root, url_fetcher=fetcher).write_pdf()
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def static_file_for(url: str, static_prefix: str, static_folder: str) -> Path | None:
    """The file under ``static_folder`` that ``url`` names when it starts with ``static_prefix``; else None."""
    address = url.split("?")[0].split("#")[0]
    if not address.startswith(static_prefix):
        return None
    path = safe_join(static_folder, unquote(address.removeprefix(static_prefix)))
    return Path(path) if path and Path(path).is_file() else None


def _static_files_only(static_prefix: str, static_folder: str):
    """A WeasyPrint URL fetcher that serves the portal's static files from disk and refuses every other URL."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file_for(url, static_prefix, static_folder)
            if path is None:
                raise ValueError(f"not one of the portal's static files, so not fetched: {url}")
            return URLFetcherResponse(url, path.read_bytes(),
                                      {"Content-Type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"})

    return StaticFilesOnly(allowed_protocols=())


def safe_filename(name: str) -> str:
    """ASCII letters, digits, dots and hyphens only (accents dropped, anything else a hyphen), ending in .pdf."""
    unaccented = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    stem = re.sub(r"[^A-Za-z0-9.]+", "-", unaccented.removesuffix(".pdf")).strip("-.")[:120] or "document"
    return f"{stem}.pdf"
