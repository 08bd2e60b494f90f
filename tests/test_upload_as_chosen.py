"""Files sent as soon as they are chosen: each one the whole body of a request (no multipart), kept like a file
sent with the form, then attached when the form is sent. Real requests, real storage folder, real S3 (moto)."""

import hashlib
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.evidence.files import FileRefused
from portal.evidence.models import EvidenceFile, EvidenceItem
from portal.evidence.storage import LocalStorage
from portal.evidence.streamed import receive_file
from portal.extensions import db
from portal.schools.models import Role
from tests.conftest import text_of
from tests.test_evidence import PDF, _post, school  # noqa: F401  (school: the fixture)
from tests.test_upload_streaming import big_pdf, files_in, small_limit, uploads  # noqa: F401  (fixtures)


def _send(client, school_id, content, name="reading data.pdf", content_type="application/octet-stream", **headers):
    return client.post(f"/schools/{school_id}/evidence/files", data=content, content_type=content_type,
                       headers={"X-File-Name": quote(name), **headers})


class Unreadable(io.RawIOBase):
    """A body that must not be read: refusals before the first byte."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


# --- the rule --------------------------------------------------------------------------------------------------------

def test_a_body_is_kept_once_with_its_size_and_sha256(app, uploads):
    content = big_pdf(3 * 1024 * 1024 + 4321)
    storage = LocalStorage(uploads)
    before = files_in(uploads)
    kind, stored = receive_file(storage, io.BytesIO(content), length=len(content), max_bytes=10 * 1024 * 1024,
                                display_name="plan.pdf")
    assert kind.label == "PDF" and (stored.size, stored.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert files_in(uploads) - before == {stored.key}  # under its key, no .part left, no copy
    assert (Path(uploads) / stored.key).read_bytes() == content


@pytest.mark.parametrize("length, message", [(11, "plan.pdf must be smaller than 10 bytes"), (0, "plan.pdf is empty")])
def test_too_big_or_empty_is_refused_before_a_byte_is_read(app, uploads, length, message):
    before = files_in(uploads)
    with pytest.raises(FileRefused) as refused:
        receive_file(LocalStorage(uploads), Unreadable(), length=length, max_bytes=10, display_name="plan.pdf")
    assert refused.value.message == message and files_in(uploads) == before


def test_a_body_sent_in_chunks_is_measured_as_it_comes(app, uploads):
    """No Content-Length (chunked): the limit and the empty check apply to what arrives."""
    storage = LocalStorage(uploads)
    before = files_in(uploads)
    with pytest.raises(FileRefused, match="big.pdf must be smaller than 100 KB"):
        receive_file(storage, io.BytesIO(big_pdf(100 * 1024 + 1)), length=None, max_bytes=100 * 1024,
                     display_name="big.pdf")
    with pytest.raises(FileRefused, match="nothing.pdf is empty"):
        receive_file(storage, io.BytesIO(b""), length=None, max_bytes=100 * 1024, display_name="nothing.pdf")
    assert files_in(uploads) == before
    kind, stored = receive_file(storage, io.BytesIO(PDF), length=None, max_bytes=100 * 1024, display_name="ok.pdf")
    assert stored.size == len(PDF) and files_in(uploads) - before == {stored.key}


def test_a_file_of_the_wrong_kind_leaves_nothing(app, uploads):
    before = files_in(uploads)
    program = b"MZ\x90\x00" + b"\x00" * 300_000
    with pytest.raises(FileRefused, match="report.pdf"):
        receive_file(LocalStorage(uploads), io.BytesIO(program), length=len(program), max_bytes=10 ** 6,
                     display_name="report.pdf")
    assert files_in(uploads) == before


# --- through the portal ----------------------------------------------------------------------------------------------

def test_a_file_sent_as_chosen_is_kept_audited_and_attached_when_the_form_is_sent(app, client, sign_in, school, uploads):
    content = big_pdf(2 * 1024 * 1024 + 99)
    sign_in("head@example.org")
    response = _send(client, school["id"], content, name="Lecture été.pdf")
    assert response.status_code == 201, text_of(response)
    body = response.get_data(as_text=True)
    assert body.startswith('<li data-kept-file="Lecture été.pdf">Lecture été.pdf (PDF, 2 MB)') and 'name="kept_file"' in body
    kept_id = body.split('name="kept_file" value="', 1)[1].split('"', 1)[0]
    with app.app_context():
        kept = db.session.get(EvidenceFile, int(kept_id))
        assert (kept.size, kept.sha256, kept.version_id) == (len(content), hashlib.sha256(content).hexdigest(), None)
        assert (Path(uploads) / kept.storage_key).read_bytes() == content
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "evidence_file",
                                                          AuditEvent.record_id == kept.id)) is not None
    sent = _post(client, school, [], title="Reading data", kept_file=kept_id)
    assert sent.status_code == 302, text_of(sent)
    with app.app_context():
        item = db.session.scalar(select(EvidenceItem))
        assert [f.display_name for f in item.versions[0].files] == ["Lecture été.pdf"]


def test_a_refused_file_answers_with_the_forms_own_message_and_keeps_nothing(app, client, sign_in, school, uploads,
                                                                             small_limit):
    before = files_in(uploads)
    sign_in("head@example.org")
    too_big = _send(client, school["id"], big_pdf(small_limit + 1), name="big.pdf")
    assert too_big.status_code == 422 and too_big.mimetype == "text/plain"
    assert too_big.get_data(as_text=True) == "big.pdf must be smaller than 100 KB"
    wrong = _send(client, school["id"], b"MZ\x90\x00" + b"\x00" * 200, name="report.pdf")
    assert wrong.status_code == 422 and "report.pdf" in wrong.get_data(as_text=True)
    empty = _send(client, school["id"], b"", name="empty.txt")
    assert (empty.status_code, empty.get_data(as_text=True)) == (422, "empty.txt is empty")
    form = _send(client, school["id"], b"title=x", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    assert files_in(uploads) == before
    with app.app_context():
        assert db.session.scalar(select(EvidenceFile)) is None


def test_only_the_schools_leaders_may_send_files(app, client, sign_in, school, world, uploads):
    other = world.school("Hillside Primary School")
    world.user("other-head@example.org", "Tom Reed", roles=[(other, Role.HEADTEACHER)])
    before = files_in(uploads)
    for email, status in (("governor@example.org", 403), ("adviser@example.org", 403), ("other-head@example.org", 404)):
        sign_in(email)
        assert _send(client, school["id"], PDF).status_code == status, email
    client.post("/sign-out")
    assert _send(client, school["id"], PDF).status_code == 302  # to sign in
    assert files_in(uploads) == before


def test_the_evidence_forms_say_where_their_files_go(client, sign_in, school):
    sign_in("head@example.org")
    body = client.get(f"/schools/{school['id']}/evidence/new").get_data(as_text=True)
    assert f'data-upload-url="/schools/{school["id"]}/evidence/files"' in body
    assert 'data-max-bytes="104857600"' in body and 'data-too-big="must be smaller than 100 MB"' in body
    assert 'data-kept-files aria-live="polite" hidden' in body  # the list the script fills, empty until a file is sent
