"""The S3 storage backend against a real S3-compatible HTTP server (moto's server, from PyPI) on loopback."""

import hashlib
import io
import os
import socket

import pytest

from portal.evidence.files import FileRefused
from portal.evidence.storage import S3Storage, storage_for
from portal.evidence.streamed import receive_file

boto3 = pytest.importorskip("boto3")
server_module = pytest.importorskip("moto.server")


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket="evidence",
                                                             CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    yield endpoint
    server.stop()


@pytest.fixture
def storage(s3_endpoint):
    config = {"EVIDENCE_STORAGE": "s3", "S3_BUCKET": "evidence", "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": "eu-west-2",
              "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test"}
    chosen = storage_for(config)
    assert isinstance(chosen, S3Storage)
    return chosen


def test_round_trip_with_digest(storage):
    content = b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024)  # larger than one chunk
    stored = storage.save(io.BytesIO(content), max_bytes=10 * 1024 * 1024, display_name="big.pdf")
    assert stored.size == len(content) and stored.sha256 == hashlib.sha256(content).hexdigest()
    assert storage.exists(stored.key)
    assert storage.open(stored.key).read() == content


def test_over_the_limit_and_empty_are_refused_and_leave_nothing(storage):
    with pytest.raises(FileRefused, match="big.pdf must be smaller than"):
        storage.save(io.BytesIO(b"x" * 5000), max_bytes=1000, display_name="big.pdf")
    with pytest.raises(FileRefused, match="empty.txt is empty"):
        storage.save(io.BytesIO(b""), max_bytes=1000, display_name="empty.txt")
    listing = storage.client.list_objects_v2(Bucket="evidence").get("Contents", [])
    assert all(item["Size"] > 0 for item in listing) and not any(item["Size"] == 5000 for item in listing)


def test_unknown_key_does_not_exist(storage):
    assert not storage.exists("ab/ab" + "0" * 30)


def test_delete_removes_the_object_and_ignores_a_missing_one(storage):
    stored = storage.save(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1000, display_name="a.pdf")
    storage.delete(stored.key)
    assert not storage.exists(stored.key)
    storage.delete(stored.key)


def test_a_file_sent_as_a_body_goes_into_the_bucket_checked_and_measured(storage):
    content = b"%PDF-1.4\n" + os.urandom(2 * 1024 * 1024)
    kind, stored = receive_file(storage, io.BytesIO(content), length=len(content), max_bytes=10 * 1024 * 1024,
                                display_name="plan.pdf")
    assert kind.label == "PDF" and stored.sha256 == hashlib.sha256(content).hexdigest()
    assert storage.open(stored.key).read() == content
    keys = {item["Key"] for item in storage.client.list_objects_v2(Bucket="evidence").get("Contents", [])}
    with pytest.raises(FileRefused, match="report.pdf"):
        receive_file(storage, io.BytesIO(b"MZ\x90\x00" + b"\x00" * 300), length=304, max_bytes=10 ** 6,
                     display_name="report.pdf")
    assert {item["Key"] for item in storage.client.list_objects_v2(Bucket="evidence").get("Contents", [])} == keys
