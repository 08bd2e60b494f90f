"""Evidence files through a real gunicorn, which the portal reads past its body reader (request_body.py): sent as
chosen and in a form, each kept whole with its SHA-256, on kept-alive connections (gunicorn's threaded worker)
whose next requests are answered as they should be."""

import hashlib
import os
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from portal.evidence.models import EvidenceFile, EvidenceItem
from portal.extensions import db
from tests.servers import csrf_token, real_clock_only, signed_in, start_gunicorn, stop, wait_until_serving
from tests.test_evidence import PDF, school  # noqa: F401 - the fixture

pytestmark = real_clock_only


def test_files_sent_both_ways_arrive_whole_on_a_kept_alive_connection(app, school, tmp_path):
    uploads = tmp_path / "uploads"
    environment = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "k" * 64,
                   "PORTAL_UPLOAD_FOLDER": str(uploads), "GUNICORN_CMD_ARGS": "--threads 2 --keep-alive 30"}
    as_chosen = PDF + os.urandom(5 * 1024 * 1024 + 321)
    in_the_form = PDF + os.urandom(3 * 1024 * 1024 + 17)
    process, base = start_gunicorn(environment)
    try:
        assert wait_until_serving(process, base).status_code == 200
        browser = signed_in(base, "head@example.org")
        form = f"{base}/schools/{school['id']}/evidence/new"
        token = csrf_token(browser.get(form).text)

        sent = browser.post(f"{base}/schools/{school['id']}/evidence/files", data=as_chosen,
                            headers={"Content-Type": "application/octet-stream", "X-CSRFToken": token,
                                     "X-File-Name": quote("Lecture été.pdf")})
        assert sent.status_code == 201, sent.text
        kept_id = sent.text.split('name="kept_file" value="', 1)[1].split('"', 1)[0]
        assert browser.get(form).status_code == 200  # the same connection's next request

        submitted = browser.post(form, data={"csrf_token": token, "meeting_id": str(school["meeting"]),
                                             "title": "Year 6 reading", "criterion_ids": str(school["criterion"]),
                                             "narrative": "Book looks.", "kept_file": kept_id},
                                 files={"files": ("reading data.pdf", in_the_form, "application/pdf")},
                                 allow_redirects=False)
        assert submitted.status_code == 302, submitted.text
        assert browser.get(f"{base}{submitted.headers['Location']}").status_code == 200

        without_files = browser.post(form, data={"csrf_token": token, "title": "Year 6 writing"})  # no multipart
        assert without_files.status_code == 200 and "There is a problem" in without_files.text
        assert 'value="Year 6 writing"' in without_files.text
    finally:
        stop(process)

    with app.app_context():
        item = db.session.scalar(select(EvidenceItem))
        files = {file.display_name: file for file in item.versions[0].files}
        assert sorted(files) == ["Lecture été.pdf", "reading data.pdf"]
        for name, content in (("Lecture été.pdf", as_chosen), ("reading data.pdf", in_the_form)):
            kept: EvidenceFile = files[name]
            assert (kept.size, kept.sha256) == (len(content), hashlib.sha256(content).hexdigest())
            assert (Path(uploads) / kept.storage_key).read_bytes() == content
