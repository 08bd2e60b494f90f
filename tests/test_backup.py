"""flask backup / flask restore (portal/backup.py): a consistent snapshot taken while the portal writes, restored
into an empty instance with every record and file, and every confirmed minutes digest still matching."""

import hashlib
import io
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.auth.models import User
from portal.backup import BackupError, read_manifest
from portal.evidence.models import EvidenceFile
from portal.evidence.rules import keep_uploaded_file
from portal.evidence.storage import S3Storage, storage_for
from portal.extensions import db
from portal.meetings import rules as meeting_rules
from portal.minutes import rules as minutes_rules
from portal.minutes.models import MinutesVersion
from portal.schools.models import School
from tests.test_evidence_s3 import s3_endpoint  # noqa: F401 - the fixture
from tests.test_minutes import _written, meeting  # noqa: F401 - the fixture

PDF = SimpleNamespace(mime_type="application/pdf", label="PDF")


def _keep_file(app, school_id, content: bytes, name="evidence.pdf"):
    with app.app_context():
        stored = storage_for(app.config).save(io.BytesIO(content), max_bytes=10**6, display_name=name)
        keep_uploaded_file(db.session.get(School, school_id), None, stored, PDF, name)
        db.session.commit()


def _confirmed_with_document(app, meeting):
    """Minutes with an attached document, circulated and confirmed by the chair."""
    version_id = _written(app, meeting, circulate=False)
    with app.app_context():
        stored = storage_for(app.config).save(io.BytesIO(b"%PDF-1.4 signed minutes"), max_bytes=10**6,
                                              display_name="minutes.pdf")
        version = db.session.get(MinutesVersion, version_id)
        held = meeting_rules.load_meeting(db.session.get(School, meeting["school"]), meeting["id"])
        version.document_name, version.document_key, version.document_sha256 = "minutes.pdf", stored.key, stored.sha256
        minutes_rules.circulate(version, held)
        minutes_rules.confirm(version, held, db.session.get(User, meeting["people"]["chair"]))
        db.session.commit()
        return version.digest


def _empty_instance(app, tmp_path, **storage_config):
    """An app on an empty database (a new PostgreSQL database when the suite runs on PostgreSQL) and the storage
    ``storage_config`` chooses (by default an empty folder)."""
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    drop = None
    if source.get_backend_name() == "postgresql":
        name = f"{source.database}_restored"
        server = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = source.set(database=name).render_as_string(hide_password=False)

        def drop():
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "restored-uploads"),
                           **storage_config})
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop is not None:
        drop()


@pytest.fixture
def empty_instance(app, tmp_path):
    yield from _empty_instance(app, tmp_path)


@pytest.fixture
def empty_s3_instance(app, tmp_path, s3_endpoint):
    """As ``empty_instance``, with evidence in an S3 bucket (moto's server on loopback)."""
    yield from _empty_instance(app, tmp_path, EVIDENCE_STORAGE="s3", S3_BUCKET="evidence", S3_ENDPOINT_URL=s3_endpoint,
                               S3_REGION="eu-west-2", S3_ACCESS_KEY_ID="test", S3_SECRET_ACCESS_KEY="test")


def test_a_backup_taken_during_writes_restores_every_record_file_and_digest(app, meeting, empty_instance, tmp_path):
    digest = _confirmed_with_document(app, meeting)
    for number in range(5):
        _keep_file(app, meeting["school"], f"%PDF-1.4 evidence {number}".encode())
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(EvidenceFile))
    stop, written, failures = threading.Event(), [], []

    def keep_writing():  # a school uploading evidence all the while
        try:
            while not stop.is_set():
                _keep_file(app, meeting["school"], f"%PDF-1.4 during the backup {len(written)}".encode())
                written.append(1)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        backed_up = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    finally:
        stop.set()
        writer.join()
    assert failures == [] and backed_up.exit_code == 0, backed_up.output
    assert "manifest.json lists each with its SHA-256" in backed_up.output and written

    restored = empty_instance.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    assert "Every file matches its SHA-256 and every confirmed record its digest." in restored.output
    with empty_instance.app_context():
        files = db.session.scalars(select(EvidenceFile)).all()
        assert len(files) >= before  # every file recorded before the backup began, and those while it ran
        storage = storage_for(empty_instance.config)
        for evidence_file in files:
            with storage.open(evidence_file.storage_key) as stored:
                assert hashlib.sha256(stored.read()).hexdigest() == evidence_file.sha256
        (version,) = db.session.scalars(select(MinutesVersion)).all()
        assert version.digest == digest and minutes_rules.matches_confirmed(version) is True
        with storage.open(version.document_key) as document:
            assert document.read() == b"%PDF-1.4 signed minutes"
        assert db.session.get(School, meeting["school"]).name


def test_a_damaged_backup_is_refused_before_anything_is_restored(app, meeting, empty_instance, tmp_path):
    _keep_file(app, meeting["school"], b"%PDF-1.4 evidence")
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    (stored,) = (tmp_path / "backup" / "files").glob("*/*")
    stored.write_bytes(b"%PDF-1.4 changed after the backup")
    refused = empty_instance.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert refused.exit_code != 0 and "is missing or damaged (its SHA-256 does not match)" in refused.output
    with empty_instance.app_context():
        from sqlalchemy import inspect

        assert inspect(db.engine).get_table_names() == []  # nothing restored


def test_moving_to_s3_is_a_backup_restored_with_the_s3_settings(app, meeting, empty_s3_instance, tmp_path):
    """The production walkthrough's way from the embedded default (files in instance/) to an S3 bucket."""
    digest = _confirmed_with_document(app, meeting)
    _keep_file(app, meeting["school"], b"%PDF-1.4 evidence")
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    restored = empty_s3_instance.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    assert "Every file matches its SHA-256 and every confirmed record its digest." in restored.output
    with empty_s3_instance.app_context():
        storage = storage_for(empty_s3_instance.config)
        assert isinstance(storage, S3Storage)
        (version,) = db.session.scalars(select(MinutesVersion)).all()
        assert version.digest == digest
        with storage.open(version.document_key) as document:
            assert document.read() == b"%PDF-1.4 signed minutes"
        assert {evidence_file.storage_key for evidence_file in db.session.scalars(select(EvidenceFile))} <= {
            obj["Key"] for obj in storage.client.list_objects_v2(Bucket="evidence")["Contents"]}


def test_restore_refuses_a_database_that_is_not_empty(app, meeting, tmp_path):
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    refused = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert refused.exit_code != 0 and "restore into an empty database" in refused.output


def test_backup_refuses_a_folder_with_something_in_it(app, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "notes.txt").write_text("keep me")
    refused = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert refused.exit_code != 0 and "is not empty: back up into a new folder" in refused.output
    assert (tmp_path / "backup" / "notes.txt").read_text() == "keep me"


def test_a_folder_that_is_not_a_backup_says_so(tmp_path):
    with pytest.raises(BackupError, match="has no manifest.json"):
        read_manifest(tmp_path)
