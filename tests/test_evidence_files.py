"""Evidence file checks and storage, with real bytes built here (no mocks, no app, no database)."""

import hashlib
import io
import struct
import zipfile
import zlib

import pytest

from portal.evidence.files import ALLOWED, HEAD_SIZE, FileRefused, Kind, check_head, safe_display_name
from portal.evidence.storage import (
    CHUNK_SIZE, InvalidKey, LocalStorage, S3Storage, Storage, StoredFile, human_size, storage_for,
)

NOT_ALLOWED = "is not a type of file you can upload. Upload a PDF, Word, Excel, PowerPoint, OpenDocument, image, CSV or text file"

# --- real files ---------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png_1x1() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = png_1x1()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
HEIC = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 40
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016
OLE2_WORD = OLE2[:512] + b"\xec\xa5\xc1\x00" + OLE2[516:]  # what filetype itself recognises as .doc
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56

OOXML = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def ooxml(ext: str, *, content_types_last: bool = False, extra: dict | None = None) -> bytes:
    part, content_type = OOXML[ext]
    content_types = (f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>')
    entries = [("_rels/.rels", '<?xml version="1.0"?><Relationships/>'),
               ("docProps/app.xml", "<Properties/>"), (part, "<root>" + "evidence " * 500 + "</root>")]
    entries += list((extra or {}).items())
    entries = entries + [("[Content_Types].xml", content_types)] if content_types_last else [("[Content_Types].xml", content_types)] + entries
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return buffer.getvalue()


def opendocument(mime_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mime_type, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photos/one.txt", "hello")
    return buffer.getvalue()


class Unseekable(io.RawIOBase):
    """Write-only and not seekable, so zipfile writes data descriptors (sizes after each entry's data)."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        return len(data)


def refusal(name, head) -> str:
    with pytest.raises(FileRefused) as caught:
        check_head(name, head)
    assert str(caught.value) == caught.value.message
    return caught.value.message


# --- accepted ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "head", "label", "mime_type"), [
    ("plan.pdf", PDF, "PDF", "application/pdf"),
    ("PLAN.PDF", PDF, "PDF", "application/pdf"),
    ("dot.png", PNG, "PNG image", "image/png"),
    ("photo.jpg", JPEG, "JPEG image", "image/jpeg"),
    ("photo.jpeg", JPEG, "JPEG image", "image/jpeg"),
    ("anim.gif", GIF, "GIF image", "image/gif"),
    ("web.webp", WEBP, "WebP image", "image/webp"),
    ("iphone.heic", HEIC, "HEIC image", "image/heic"),
    ("minutes.docx", ooxml("docx"), "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("data.xlsx", ooxml("xlsx"), "Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("slides.pptx", ooxml("pptx"), "PowerPoint presentation", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("openpyxl-style.xlsx", ooxml("xlsx", content_types_last=True), "Excel spreadsheet",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("notes.odt", opendocument("application/vnd.oasis.opendocument.text"), "OpenDocument text document", "application/vnd.oasis.opendocument.text"),
    ("sums.ods", opendocument("application/vnd.oasis.opendocument.spreadsheet"), "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet"),
    ("talk.odp", opendocument("application/vnd.oasis.opendocument.presentation"), "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation"),
    ("old.doc", OLE2, "Word document", "application/msword"),
    ("old.xls", OLE2, "Excel spreadsheet", "application/vnd.ms-excel"),
    ("old.ppt", OLE2, "PowerPoint presentation", "application/vnd.ms-powerpoint"),
    ("word97.doc", OLE2_WORD, "Word document", "application/msword"),
    ("pupils.csv", "Name,Score\nZoë,12\n".encode(), "CSV file", "text/csv; charset=utf-8"),
    ("excel.csv", "\ufeffName,Score\nRénée,9\n".encode("utf-8"), "CSV file", "text/csv; charset=utf-8"),
    ("windows.csv", "Name,Cost\nCafé,€5\n".encode("cp1252"), "CSV file", "text/csv; charset=windows-1252"),
    ("notes.txt", "Year 6 reading: “much improved” — see plan".encode(), "Text file", "text/plain; charset=utf-8"),
    ("notes1252.txt", "Year 6 reading: “much improved” — see plan".encode("cp1252"), "Text file", "text/plain; charset=windows-1252"),
    ("mentions-tags.txt", b"We discussed the <script> tag in computing lessons.\n", "Text file", "text/plain; charset=utf-8"),
])
def test_accepted_kinds(name, head, label, mime_type):
    kind = check_head(name, head)
    assert isinstance(kind, Kind)
    assert (kind.label, kind.mime_type) == (label, mime_type)
    assert ALLOWED[name.rpartition(".")[2].lower()].extension == kind.extension


def test_zip_entries_with_data_descriptors_are_read():
    out = Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>" * 100)
    data = bytes(out.buffer)
    assert struct.unpack_from("<H", data, 6)[0] & 0x08  # sizes really are after the data
    assert check_head("streamed.docx", data).extension == "docx"


def test_only_the_head_is_used():
    big_text = b"a,b\n" * (HEAD_SIZE // 2)  # twice the head size
    assert check_head("big.csv", big_text[:HEAD_SIZE] + b"\x00").mime_type == "text/csv; charset=utf-8"
    # a UTF-8 character cut in two at the end of the head is fine
    cut = ("é" * (HEAD_SIZE // 2)).encode()[:HEAD_SIZE - 1]
    assert check_head("cut.txt", cut).mime_type == "text/plain; charset=utf-8"


def test_allowed_lists_every_kind_with_a_label():
    assert {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp",
            "png", "jpg", "jpeg", "gif", "webp", "heic", "csv", "txt"} <= set(ALLOWED)
    assert all(kind.label and kind.mime_type and kind.extension for kind in ALLOWED.values())


# --- refused -------------------------------------------------------------------------------------

def test_extension_not_allowed():
    assert refusal("lesson-plan.exe", WINDOWS_EXE) == f"lesson-plan.exe {NOT_ALLOWED}"
    assert refusal("C:\\fakepath\\lesson-plan.exe", WINDOWS_EXE) == f"lesson-plan.exe {NOT_ALLOWED}"
    assert refusal("no-extension", PDF) == f"no-extension {NOT_ALLOWED}"
    assert refusal("page.html", b"<!DOCTYPE html><html></html>") == f"page.html {NOT_ALLOWED}"
    assert refusal("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>') == f"logo.svg {NOT_ALLOWED}"
    assert refusal("photos.zip", plain_zip()) == f"photos.zip {NOT_ALLOWED}"
    assert refusal("report.pdf.exe", PDF) == f"report.pdf.exe {NOT_ALLOWED}"
    assert refusal("macros.docm", ooxml("docx")) == f"macros.docm {NOT_ALLOWED}"


@pytest.mark.parametrize(("name", "head", "phrase"), [
    ("report.pdf", WINDOWS_EXE, "a PDF"),
    ("report.pdf", ELF, "a PDF"),
    ("tool.txt", ELF, "a text file"),
    ("install.txt", b"#!/bin/sh\nrm -rf /\n", "a text file"),
    ("install.csv", b"\xef\xbb\xbf#!/usr/bin/env python\n", "a CSV file"),
    ("page.txt", b"<!DOCTYPE html>\n<html><script>alert(1)</script></html>", "a text file"),
    ("page.txt", b"  <html>\n<body onload=alert(1)>", "a text file"),
    ("page.csv", b"<script>alert(1)</script>", "a CSV file"),
    ("comment.txt", b"<!-- hidden --><img src=x onerror=alert(1)>", "a text file"),
    ("image.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "a PNG image"),
    ("vector.txt", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "a text file"),
    ("report.docx", PDF, "a Word document"),
    ("report.txt", PDF, "a text file"),  # an all-ASCII PDF is still a PDF, not text
    ("photo.jpg", PNG, "a JPEG image"),
    ("sheet.xlsx", ooxml("docx"), "an Excel spreadsheet"),
    ("letter.odt", opendocument("application/vnd.oasis.opendocument.spreadsheet"), "an OpenDocument text document"),
    ("drawing.odt", opendocument("application/vnd.oasis.opendocument.graphics"), "an OpenDocument text document"),
    ("photos.docx", plain_zip(), "a Word document"),
    ("macros.docx", ooxml("docx", extra={"word/vbaProject.bin": "binary"}), "a Word document"),
    ("legacy.docx", OLE2, "a Word document"),
    ("legacy.pdf", OLE2, "a PDF"),
    ("word97.xls", OLE2_WORD, "an Excel spreadsheet"),  # filetype is sure it is a Word file
    ("scores.csv", b"Name,Score\x00\nA,1\n", "a CSV file"),
    ("utf16.txt", "hello".encode("utf-16"), "a text file"),
    ("binary.txt", b"\x81\x8d\x8f\x90\x9d", "a text file"),  # neither UTF-8 nor Windows-1252
    ("unknown.pdf", b"\x01\x02\x03 not a known format", "a PDF"),
    ("archive.pdf", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "a PDF"),  # gzip
])
def test_content_not_what_the_name_says(name, head, phrase):
    assert refusal(name, head) == f"{name} does not look like {phrase}: its content is a different kind of file"


def test_empty_file():
    assert refusal("notes.pdf", b"") == "notes.pdf is empty"


def test_refusals_name_the_file_as_the_user_sees_it():
    message = refusal("..\\..\\etc/report.pdf", WINDOWS_EXE)
    assert message.startswith("report.pdf does not look like a PDF")


# --- display names -------------------------------------------------------------------------------

@pytest.mark.parametrize(("original", "expected"), [
    ("..\\..\\etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\Head\\Été 2026.pdf", "Été 2026.pdf"),
    ("/home/head/Évaluation été 2026.pdf", "Évaluation été 2026.pdf"),
    ("E\u0301valuation.pdf", "Évaluation.pdf"),  # NFC
    ("  Year\t6\n\nplan   final .docx ", "Year 6 plan final .docx"),
    ("rep\x00ort\x07.pdf", "report.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
    ("学校の計画.pdf", "学校の計画.pdf"),
    ("", "file"),
    (None, "file"),
    (".", "file"),
    ("..", "file"),
    ("uploads/..", "file"),
    ("folder/", "file"),
    ("\x00\x01", "file"),
    ("   ", "file"),
])
def test_safe_display_name(original, expected):
    assert safe_display_name(original) == expected
    assert safe_display_name(expected) == expected  # idempotent


def test_long_names_keep_their_extension():
    name = safe_display_name("é" * 300 + ".xlsx")
    assert len(name) == 200 and name.endswith("é.xlsx")
    assert len(safe_display_name("x" * 300)) == 200
    assert safe_display_name(name) == name


# --- storage -------------------------------------------------------------------------------------

class Endless(io.RawIOBase):
    """A stream that would be ``total`` bytes long, made up as it is read; records what was asked of it."""

    def __init__(self, total=10 * 1024 ** 3):
        self.total = total
        self.served = 0
        self.largest_read = 0

    def readable(self):
        return True

    def read(self, size=-1):
        assert size is not None and 0 < size <= CHUNK_SIZE, "the whole stream must never be read at once"
        return super().read(size)

    def readinto(self, buffer):
        count = min(len(buffer), self.total - self.served)
        buffer[:count] = b"\x01" * count
        self.served += count
        self.largest_read = max(self.largest_read, count)
        return count


class Failing(io.RawIOBase):
    def __init__(self):
        self.calls = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.calls += 1
        if self.calls > 2:
            raise OSError("connection reset")
        buffer[:4] = b"%PDF"
        return 4


def stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()]


def test_save_open_and_exists(tmp_path):
    storage = LocalStorage(tmp_path / "uploads")
    stored = storage.save(io.BytesIO(PDF), max_bytes=1000, display_name="plan.pdf")
    assert isinstance(stored, StoredFile)
    assert stored.size == len(PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "plan" not in stored.key
    shard, name = stored.key.split("/")
    assert len(name) == 32 and name[:2] == shard
    assert storage.exists(stored.key)
    with storage.open(stored.key) as download:
        assert download.read() == PDF
    assert stored_files(tmp_path / "uploads") == [tmp_path / "uploads" / stored.key]


def test_identical_content_gives_new_keys_and_the_same_hash(tmp_path):
    storage = LocalStorage(tmp_path)
    first = storage.save(io.BytesIO(PNG), max_bytes=1000, display_name="a.png")
    second = storage.save(io.BytesIO(PNG), max_bytes=1000, display_name="a.png")
    assert first.key != second.key
    assert first.sha256 == second.sha256 == hashlib.sha256(PNG).hexdigest()


def test_streams_in_chunks_and_hashes_large_files(tmp_path):
    stream = Endless(total=3 * CHUNK_SIZE + 5)
    stored = LocalStorage(tmp_path).save(stream, max_bytes=4 * CHUNK_SIZE, display_name="big.pdf")
    assert stored.size == 3 * CHUNK_SIZE + 5
    assert stored.sha256 == hashlib.sha256(b"\x01" * stored.size).hexdigest()
    assert stream.largest_read <= CHUNK_SIZE


def test_exactly_the_limit_is_kept(tmp_path):
    stored = LocalStorage(tmp_path).save(io.BytesIO(b"x" * 100), max_bytes=100, display_name="a.txt")
    assert stored.size == 100


def test_over_the_limit_stops_early_and_keeps_nothing(tmp_path):
    stream = Endless()  # 10 GiB if anyone read it all
    limit = 3 * CHUNK_SIZE
    with pytest.raises(FileRefused) as caught:
        LocalStorage(tmp_path).save(stream, max_bytes=limit, display_name="big.pdf")
    assert caught.value.message == "big.pdf must be smaller than 3 MB"
    assert stream.served <= limit + CHUNK_SIZE
    assert stored_files(tmp_path) == []


def test_empty_file_is_refused_and_not_kept(tmp_path):
    with pytest.raises(FileRefused) as caught:
        LocalStorage(tmp_path).save(io.BytesIO(b""), max_bytes=100, display_name="notes.pdf")
    assert caught.value.message == "notes.pdf is empty"
    assert stored_files(tmp_path) == []


def test_broken_upload_leaves_no_partial_file(tmp_path):
    with pytest.raises(OSError, match="connection reset"):
        LocalStorage(tmp_path).save(Failing(), max_bytes=100, display_name="a.pdf")
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize("key", [
    "../../secret", "ab/../../secret", "/etc/passwd", "ab/" + "g" * 32, "AB/AB" + "0" * 30, "cd/ab" + "0" * 30,
    "ab" + "0" * 30, "ab/ab" + "0" * 30 + "/x", "ab/ab" + "0" * 30 + ".part", "", None, 42,
])
def test_local_storage_refuses_keys_it_did_not_make(tmp_path, key):
    (tmp_path / "secret").write_text("do not serve")
    storage = LocalStorage(tmp_path / "uploads")
    with pytest.raises(InvalidKey):
        storage.open(key)
    with pytest.raises(InvalidKey):
        storage.exists(key)


def test_missing_key_does_not_exist(tmp_path):
    storage = LocalStorage(tmp_path)
    key = "ab/ab" + "0" * 30
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)


@pytest.mark.parametrize(("size", "text"), [
    (104857600, "100 MB"), (520 * 1024 * 1024, "520 MB"), (1536, "1.5 KB"), (1024, "1 KB"),
    (1024 ** 3, "1 GB"), (1024 ** 2 - 1, "1023.9 KB"), (500, "500 bytes"), (1, "1 byte"),
])
def test_human_size(size, text):
    assert human_size(size) == text


def test_storage_for(tmp_path):
    local = storage_for({"UPLOAD_FOLDER": str(tmp_path / "new" / "uploads")})
    assert isinstance(local, LocalStorage) and isinstance(local, Storage)
    assert (tmp_path / "new" / "uploads").is_dir()
    assert isinstance(storage_for({"UPLOAD_FOLDER": str(tmp_path), "EVIDENCE_STORAGE": "local"}), LocalStorage)
    s3 = storage_for({"EVIDENCE_STORAGE": "s3", "S3_BUCKET": "evidence", "S3_REGION": "eu-west-2"})
    assert isinstance(s3, S3Storage) and s3.bucket == "evidence"  # boto3 is only imported when used
    with pytest.raises(ValueError):
        storage_for({"EVIDENCE_STORAGE": "ftp", "UPLOAD_FOLDER": str(tmp_path)})


def test_local_delete_removes_the_file_and_ignores_a_missing_one(tmp_path):
    storage = LocalStorage(tmp_path)
    stored = storage.save(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1000, display_name="a.pdf")
    storage.delete(stored.key)
    assert not storage.exists(stored.key)
    storage.delete(stored.key)
