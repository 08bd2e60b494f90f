"""Uploads written once: streamed into local storage while the request is parsed, then adopted (no second copy).

Real requests through the app and real files in the storage folder; the refusals read as they always have.
"""

import hashlib
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from portal.evidence.models import EvidenceFile
from portal.evidence.storage import InvalidKey, LocalStorage, check_key
from portal.evidence.streamed import PARSE_BUFFER_BYTES, StreamedPart, UploadRequest, store_upload
from portal.extensions import db
from tests.conftest import disk_full_past, text_of
from tests.test_evidence import PDF, _post, school  # noqa: F401  (school: the fixture)


def big_pdf(size: int) -> bytes:
    """A PDF header and then ``size`` bytes in all, random, so a wrong offset or a lost piece changes the hash."""
    return PDF + os.urandom(size - len(PDF))


def files_in(folder) -> set[str]:
    root = Path(folder)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


KEEPS_FILES = "/schools/1/evidence/new"  # a view marked keeps_uploaded_files: its uploads are streamed


@pytest.fixture
def uploads(app):
    return app.config["UPLOAD_FOLDER"]


@pytest.fixture
def small_limit(app):
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 100 * 1024
    yield 100 * 1024
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 100 * 1024 * 1024


def _multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "streamed-upload-test"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                    for name, value in fields.items())
    for field, name, content in files:
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --- through the evidence form --------------------------------------------------------------------

def test_a_streamed_upload_is_kept_once_with_its_size_and_sha256(app, client, sign_in, school, uploads):
    content = big_pdf(3 * 1024 * 1024 + 12345)  # several parse pieces, not a multiple of any of them
    before = files_in(uploads)
    sign_in("head@example.org")
    response = _post(client, school, [("reading data.pdf", content)])
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        stored = db.session.scalar(select(EvidenceFile).where(EvidenceFile.display_name == "reading data.pdf"))
        key, size, sha256 = stored.storage_key, stored.size, stored.sha256
    assert (size, sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert files_in(uploads) - before == {key}  # the file under its key and nothing else: no .part, no copy
    assert (Path(uploads) / key).read_bytes() == content


def test_a_file_over_the_limit_is_refused_leaves_nothing_and_the_form_keeps_what_was_typed(
        app, client, sign_in, school, uploads, small_limit):
    before = files_in(uploads)
    sign_in("head@example.org")
    response = _post(client, school, [("good.pdf", PDF), ("big.pdf", big_pdf(small_limit + 300 * 1024))],
                     title="Phonics screening", narrative="Results by class.")
    page, body = text_of(response), response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "big.pdf must be smaller than 100 KB" in page
    assert 'value="Phonics screening"' in body and "Results by class." in body
    assert "Already uploaded and kept" in page and "good.pdf" in page
    with app.app_context():
        kept = db.session.scalars(select(EvidenceFile)).all()
        assert [(f.display_name, f.sha256) for f in kept] == [("good.pdf", hashlib.sha256(PDF).hexdigest())]
    assert files_in(uploads) - before == {kept[0].storage_key}


def test_a_file_just_at_the_limit_is_kept(app, client, sign_in, school, uploads, small_limit):
    content = big_pdf(small_limit)
    sign_in("head@example.org")
    assert _post(client, school, [("exactly.pdf", content)]).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(EvidenceFile.size)) == small_limit


def test_refused_types_and_empty_files_leave_nothing_behind(app, client, sign_in, school, uploads):
    before = files_in(uploads)
    sign_in("head@example.org")
    response = _post(client, school, [("report.pdf", b"MZ\x90\x00" + b"\x00" * 200_000), ("empty.txt", b"")])
    page = text_of(response)
    assert response.status_code == 200 and "report.pdf" in page and "empty.txt is empty" in page
    assert files_in(uploads) == before
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(EvidenceFile)) == 0


def test_a_form_that_fails_validation_still_keeps_the_good_file(app, client, sign_in, school, uploads):
    content = big_pdf(700 * 1024)
    before = files_in(uploads)
    sign_in("head@example.org")
    response = _post(client, school, [("kept.pdf", content)], title="")
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Already uploaded and kept" in page and "kept.pdf" in page
    with app.app_context():
        stored = db.session.scalar(select(EvidenceFile))
        assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.version is None
    assert files_in(uploads) - before == {stored.storage_key}


def test_a_file_nobody_stores_is_removed_when_the_request_ends(app, client, sign_in, school, uploads):
    before = files_in(uploads)
    sign_in("head@example.org")
    with client:  # keeps the request to look at afterwards (Flask has closed it by then)
        response = client.post(f"/schools/{school['id']}/evidence/new", content_type="multipart/form-data",
                               data={"title": "", "stray": (io.BytesIO(big_pdf(600 * 1024)), "notes.pdf")})
        assert response.status_code == 200
        from flask import request

        part = request.files["stray"].stream  # a field the page does not store
    assert isinstance(part, StreamedPart) and part.size == 600 * 1024  # it was written...
    assert part.closed and not part.path.exists() and files_in(uploads) == before  # ...and removed by the close


# --- through the meeting documents (portal/documents.py) -------------------------------------------

def test_an_agenda_document_is_streamed_and_a_wrong_kind_leaves_nothing(app, client, sign_in, school, uploads):
    from tests.test_evidence import PNG

    base = f"/schools/{school['id']}/meetings/{school['meeting']}"
    before = files_in(uploads)
    sign_in("adviser@example.org")
    refused = client.post(f"{base}/agenda", data={"agenda": "Typed notes", "document": (io.BytesIO(PNG), "agenda.png")},
                          content_type="multipart/form-data")
    assert "There is a problem" in text_of(refused) and "agenda.png" in text_of(refused)
    assert files_in(uploads) == before
    content = big_pdf(600 * 1024)
    sent = client.post(f"{base}/agenda", data={"agenda": "", "document": (io.BytesIO(content), "Agenda.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    assert client.get(f"{base}/agenda/document").data == content
    assert len(files_in(uploads) - before) == 1 and not any(name.endswith(".part") for name in files_in(uploads))


# --- the request and the storage directly ----------------------------------------------------------

def test_the_part_is_renamed_into_place_not_copied(app, uploads):
    content = big_pdf(2 * PARSE_BUFFER_BYTES + 7)
    body, content_type = _multipart({"title": "x"}, [("files", "plan.pdf", content)])
    with app.test_request_context(KEEPS_FILES, method="POST", data=body, content_type=content_type):
        from flask import request

        assert isinstance(request, UploadRequest)
        upload = request.files["files"]
        part = upload.stream
        assert isinstance(part, StreamedPart) and part.path.name == Path(part.key).name + ".part"
        with pytest.raises(InvalidKey):
            check_key(part.key + ".part")  # a part is never served under its own name
        written = os.stat(part.path).st_ino
        assert upload.read() == content and part.head == content[:64 * 1024]  # readable like Werkzeug's own file
        storage = LocalStorage(uploads)
        assert not storage.exists(part.key)
        kind, stored = store_upload(storage, upload, max_bytes=len(content), display_name="plan.pdf")
        assert kind.label == "PDF"
        assert (stored.size, stored.sha256) == (len(content), hashlib.sha256(content).hexdigest())
        assert os.stat(Path(uploads) / stored.key).st_ino == written and not part.path.exists()
    assert (Path(uploads) / stored.key).read_bytes() == content  # kept after the request closed its files


def test_reading_a_file_too_big_to_keep_answers_413(app, small_limit):
    body, content_type = _multipart({}, [("spreadsheet", "figures.csv", b"a,b\n" * 40_000)])
    with app.test_request_context(KEEPS_FILES, method="POST", data=body, content_type=content_type):
        from flask import request

        upload = request.files["spreadsheet"]
        assert upload.stream.too_big and not upload.stream.path.exists()
        with pytest.raises(RequestEntityTooLarge):
            upload.read()


def test_a_request_that_breaks_off_leaves_no_part(app, uploads):
    body, content_type = _multipart({"title": "x"}, [("files", "plan.pdf", big_pdf(2 * 1024 * 1024))])
    cut = body[:1024 * 1024]  # the client went away halfway
    before = files_in(uploads)
    with app.test_request_context(KEEPS_FILES, method="POST", input_stream=io.BytesIO(cut), content_type=content_type,
                                  headers={"Content-Length": str(len(body))}):
        from flask import request

        held = request._get_current_object()  # alive after the request, so only closing it can remove the part
        try:
            assert "files" not in request.files  # Werkzeug drops a form it cannot finish...
        except BadRequest:
            pass  # ...or says the client went away
        assert any(name.endswith(".part") for name in files_in(uploads) - before)  # half written, handed to nobody...
    assert files_in(uploads) == before and held.files is not None  # ...and gone when the request closed


def test_other_storage_keeps_werkzeugs_own_files(app):
    saved = {key: app.config.get(key) for key in ("EVIDENCE_STORAGE", "S3_BUCKET")}
    app.config.update(EVIDENCE_STORAGE="s3", S3_BUCKET="evidence")
    try:
        body, content_type = _multipart({}, [("files", "plan.pdf", big_pdf(600 * 1024))])
        with app.test_request_context(KEEPS_FILES, method="POST", data=body, content_type=content_type):
            from flask import request

            assert not isinstance(request.files["files"].stream, StreamedPart)
    finally:
        app.config.update(saved)


def test_a_write_that_fails_is_raised_not_lost(app, uploads):
    """A full disk, played by a file size limit (``disk_full_past``)."""
    part = StreamedPart(LocalStorage(uploads), max_bytes=10 * 1024 * 1024)
    with disk_full_past(1024 * 1024), pytest.raises(OSError):
        for _ in range(8):
            part.write(os.urandom(PARSE_BUFFER_BYTES))
        part.sync()
    part.close()
    assert not part.path.exists()


def test_an_import_is_read_not_kept_so_its_upload_is_not_streamed(app, small_limit):
    """Only views that keep files stream them: a spreadsheet of figures bigger than the evidence limit is still
    read whole, and the import's own limits and messages apply."""
    body, content_type = _multipart({}, [("spreadsheet", "figures.csv", b"a,b\n" * 40_000)])
    with app.test_request_context("/categories/figures/import", method="POST", data=body, content_type=content_type):
        from flask import request

        upload = request.files["spreadsheet"]
        assert not isinstance(upload.stream, StreamedPart)
        assert upload.read() == b"a,b\n" * 40_000
