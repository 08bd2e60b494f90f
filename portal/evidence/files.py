"""What kind of file a school uploaded, decided from its content, and a name that is safe to show.

We never trust the file name or the browser's claimed type. ``check_head`` looks at the first bytes of
the file (the *head*) and the name's extension, and accepts the file only when both agree on one of the
``ALLOWED`` kinds.

Head size
    ``HEAD_SIZE`` is 64 KiB. It is enough for every magic number we use (``filetype`` itself reads only
    8 KiB) and, for zip-based documents, for the first local file headers, where Office and LibreOffice
    write the entries that identify the document (``[Content_Types].xml``, ``word/``/``xl/``/``ppt/``,
    OpenDocument's ``mimetype``). The zip's central directory at the end of the file is never read, so a
    whole file is never needed in memory. Callers read up to ``HEAD_SIZE`` bytes, call ``check_head``,
    rewind and stream the file to storage. Bytes past ``HEAD_SIZE`` are ignored.

Rules
    * Binary kinds (PDF, PNG, JPEG, GIF, WebP, HEIC) by their magic number, using ``filetype``.
    * OOXML (.docx/.xlsx/.pptx) and OpenDocument (.odt/.ods/.odp) by walking the zip's local file headers
      in the head: an OOXML package needs an OPC part name (``[Content_Types].xml``, ``_rels/.rels`` or
      ``docProps/``) and exactly one of ``word/``, ``xl/``, ``ppt/``; a macro project (``vbaProject.bin``,
      i.e. a renamed .docm/.xlsm/.pptm) is refused. OpenDocument needs a ``mimetype`` entry holding an
      allowed OpenDocument type. Any other zip (or epub, jar...) is refused.
    * Old Office files are OLE2 compound files (``D0 CF 11 E0 A1 B1 1A E1``). ``filetype`` recognises only
      some of them, so any OLE2 file is accepted as .doc, .xls or .ppt according to its extension, unless
      ``filetype`` positively recognises it as one of the other two.
    * Executables (MZ, ELF, Mach-O, Java class) and scripts (``#!``) are always refused, as is every other
      type ``filetype`` knows (archives, audio, video, fonts, RTF...).
    * CSV and plain text have no magic number: they are accepted only when the name ends .csv or .txt, no
      other kind is detected, the head has no NUL byte and decodes as UTF-8 (with or without BOM) or
      Windows-1252. Text that starts like HTML, XML or SVG (the WHATWG sniffing patterns) is refused even
      when named .txt/.csv, because some browsers and tools sniff and would run its scripts; text that
      merely mentions a tag further in is fine. The returned mime type names the charset found in the
      head, e.g. ``text/csv; charset=utf-8`` or ``text/plain; charset=windows-1252``.
    * The extension only chooses between kinds, never overrides the content: a PDF named .docx, or a PNG
      named .jpg, is refused as "does not look like ...".
"""

from __future__ import annotations

import codecs
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from types import MappingProxyType

import filetype

HEAD_SIZE = 64 * 1024
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class Kind:
    """An allowed kind of file: ``label`` for people, ``mime_type`` a download is served as, canonical ``extension``."""

    label: str
    mime_type: str
    extension: str


class FileRefused(Exception):
    """A file we will not keep. ``message`` is for people, GOV.UK style, and names the file."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_PDF = Kind("PDF", "application/pdf", "pdf")
_DOCX = Kind("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
_DOC = Kind("Word document", "application/msword", "doc")
_XLSX = Kind("Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
_XLS = Kind("Excel spreadsheet", "application/vnd.ms-excel", "xls")
_PPTX = Kind("PowerPoint presentation", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
_PPT = Kind("PowerPoint presentation", "application/vnd.ms-powerpoint", "ppt")
_ODT = Kind("OpenDocument text document", "application/vnd.oasis.opendocument.text", "odt")
_ODS = Kind("OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods")
_ODP = Kind("OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", "odp")
_PNG = Kind("PNG image", "image/png", "png")
_JPG = Kind("JPEG image", "image/jpeg", "jpg")
_GIF = Kind("GIF image", "image/gif", "gif")
_WEBP = Kind("WebP image", "image/webp", "webp")
_HEIC = Kind("HEIC image", "image/heic", "heic")
_CSV = Kind("CSV file", "text/csv", "csv")
_TXT = Kind("Text file", "text/plain", "txt")

#: The allowed kinds, keyed by the (lower-case) file name extension that may carry them.
#: Text kinds are listed without a charset; ``check_head`` adds the one it found.
ALLOWED: MappingProxyType[str, Kind] = MappingProxyType({
    "pdf": _PDF,
    "docx": _DOCX, "doc": _DOC,
    "xlsx": _XLSX, "xls": _XLS,
    "pptx": _PPTX, "ppt": _PPT,
    "odt": _ODT, "ods": _ODS, "odp": _ODP,
    "png": _PNG, "jpg": _JPG, "jpeg": _JPG, "gif": _GIF, "webp": _WEBP, "heic": _HEIC,
    "csv": _CSV, "txt": _TXT,
})

_PHRASE = {  # the kind with its article, for "x does not look like a ..."
    "pdf": "a PDF", "docx": "a Word document", "doc": "a Word document",
    "xlsx": "an Excel spreadsheet", "xls": "an Excel spreadsheet",
    "pptx": "a PowerPoint presentation", "ppt": "a PowerPoint presentation",
    "odt": "an OpenDocument text document", "ods": "an OpenDocument spreadsheet", "odp": "an OpenDocument presentation",
    "png": "a PNG image", "jpg": "a JPEG image", "gif": "a GIF image", "webp": "a WebP image", "heic": "a HEIC image",
    "csv": "a CSV file", "txt": "a text file",
}

_NOT_ALLOWED = "{name} is not a type of file you can upload. Upload a PDF, Word, Excel, PowerPoint, OpenDocument, image, CSV or text file"
_MISMATCH = "{name} does not look like {phrase}: its content is a different kind of file"

# --- content detection ---------------------------------------------------------------------------

_FORBIDDEN = "forbidden"  # content of a known kind we never accept
_OLE2 = "ole2"  # an old Office compound file, kind chosen by extension

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)
_FILETYPE_ALLOWED = {  # filetype's mime -> our canonical extension
    "application/pdf": "pdf",
    "image/png": "png", "image/apng": "png",  # an animated PNG is a valid PNG
    "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/heic": "heic",
}
_OLD_OFFICE = {"doc", "xls", "ppt"}
_OOXML_DIRS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OPC_MARKERS = ("[Content_Types].xml", "_rels/.rels", "docProps/")
_ODF_MIMETYPES = {kind.mime_type: kind.extension for kind in (_ODT, _ODS, _ODP)}

# WHATWG MIME sniffing: text starting like this is treated as HTML (or XML/SVG) by browsers.
_MARKUP_TAGS = (b"!doctype html", b"html", b"head", b"script", b"iframe", b"h1", b"div", b"font", b"table", b"a",
                b"style", b"title", b"b", b"body", b"br", b"p", b"svg", b"xml", b"?xml")
_UTF8_BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class _ZipEntry:
    name: str
    flags: int
    method: int
    data: bytes  # the part of the entry's (compressed) data that is inside the head


def _zip_entries(head: bytes) -> list[_ZipEntry]:
    """The zip's local file headers that start inside ``head``, in order. Never reads past the head."""
    entries = []
    pos = 0
    while pos + 30 <= len(head) and head[pos:pos + 4] == b"PK\x03\x04":
        flags, method = struct.unpack_from("<HH", head, pos + 6)
        (compressed_size,) = struct.unpack_from("<I", head, pos + 18)
        name_length, extra_length = struct.unpack_from("<HH", head, pos + 26)
        name_end = pos + 30 + name_length
        if name_end > len(head):
            break
        name = head[pos + 30:name_end].decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        data_start = name_end + extra_length
        sizes_known = not flags & 0x08 and compressed_size != 0xFFFFFFFF
        data_end = data_start + compressed_size if sizes_known else len(head)
        entries.append(_ZipEntry(name, flags, method, head[data_start:data_end]))
        if sizes_known:
            pos = data_end
        else:  # sizes come after the data (data descriptor) or in a zip64 field: find the next header
            pos = head.find(b"PK\x03\x04", data_start)
            if pos < 0:
                break
    return entries


def _entry_text(entry: _ZipEntry, limit: int = 200) -> str | None:
    if entry.method == 0:
        raw = entry.data[:limit]
    elif entry.method == 8:
        try:
            raw = zlib.decompressobj(-15).decompress(entry.data, limit)
        except zlib.error:
            return None
    else:
        return None
    return raw.decode("ascii", errors="replace").strip()


def _zip_kind(head: bytes) -> str:
    """The canonical extension of an OOXML/OpenDocument head, or ``_FORBIDDEN`` for any other zip."""
    entries = _zip_entries(head)
    names = [entry.name for entry in entries]
    for entry in entries:
        if entry.name == "mimetype":
            return _ODF_MIMETYPES.get(_entry_text(entry) or "", _FORBIDDEN)
    if any(name.startswith(_OPC_MARKERS) for name in names):
        if any(name.endswith("vbaProject.bin") for name in names):
            return _FORBIDDEN  # macro-enabled (.docm/.xlsm/.pptm) renamed
        found = {ext for prefix, ext in _OOXML_DIRS.items() if any(name.startswith(prefix) for name in names)}
        if len(found) == 1:
            return found.pop()
    return _FORBIDDEN


def _content_kind(head: bytes) -> str | None:
    """Canonical extension of an allowed binary kind, ``_OLE2``, ``_FORBIDDEN``, or None when unknown (maybe text)."""
    if head.removeprefix(_UTF8_BOM).startswith(_EXECUTABLE_MAGIC):
        return _FORBIDDEN
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(head)
    guess = filetype.guess(head)
    if head.startswith(_OLE2_MAGIC):
        return guess.extension if guess is not None and guess.extension in _OLD_OFFICE else _OLE2
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):  # empty or spanned zip
        return _FORBIDDEN
    if guess is None:
        return None
    return _FILETYPE_ALLOWED.get(guess.mime, _FORBIDDEN)


def _looks_like_markup(head: bytes) -> bool:
    start = head.removeprefix(_UTF8_BOM).lstrip(b" \t\n\r\x0c")[:64].lower()
    if start.startswith(b"<!--"):
        return True
    for tag in _MARKUP_TAGS:
        opening = b"<" + tag
        if start.startswith(opening) and start[len(opening):len(opening) + 1] in (b" ", b">", b"\t", b"\n", b"\r", b"\x0c", b"/"):
            return True
    return False


def _text_charset(head: bytes) -> str | None:
    """``utf-8`` or ``windows-1252`` when the head is text in that encoding, else None."""
    if b"\x00" in head or _looks_like_markup(head):
        return None
    try:  # not final: the head may end part-way through a character
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "windows-1252"
    except UnicodeDecodeError:
        return None


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def check_head(original_name: str, head: bytes) -> Kind:
    """Decide the kind of an upload from its first bytes (up to ``HEAD_SIZE``) and its name's extension.

    Raises ``FileRefused`` (naming the file as ``safe_display_name`` shows it) when the file is empty, its
    extension is not allowed, or its content is not what the extension says.
    """
    name = safe_display_name(original_name)
    head = bytes(head[:HEAD_SIZE])
    if not head:
        raise FileRefused(f"{name} is empty")
    ext = _extension(name)
    claimed = ALLOWED.get(ext)
    if claimed is None:
        raise FileRefused(_NOT_ALLOWED.format(name=name))
    mismatch = FileRefused(_MISMATCH.format(name=name, phrase=_PHRASE[claimed.extension]))
    content = _content_kind(head)
    if claimed.extension in ("csv", "txt"):
        charset = None if content is not None else _text_charset(head)
        if charset is None:
            raise mismatch
        return Kind(claimed.label, f"{claimed.mime_type}; charset={charset}", claimed.extension)
    if claimed.extension in _OLD_OFFICE and content == _OLE2:
        return claimed
    if content != claimed.extension:
        raise mismatch
    return claimed


# --- names -----------------------------------------------------------------------------------------

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def _keep(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs") and char not in _BIDI_CONTROLS


def safe_display_name(original_name: str) -> str:
    """The name to show and to offer on download: last path component, NFC, no control characters.

    Handles both / and \\ separators, turns any whitespace run into one space, removes control and
    bidirectional-override characters (which can disguise ``exe`` as ``pdf``), keeps other unicode, and
    limits the length to ``MAX_NAME_LENGTH`` characters keeping a short extension. Never empty, "." or
    "..": falls back to "file". Applying it twice gives the same name.
    """
    name = re.split(r"[/\\]", original_name or "")[-1]
    name = "".join(" " if char.isspace() else char for char in name if char.isspace() or _keep(char))
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r" {2,}", " ", name).strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 16 and " " not in ext:
            name = stem[:MAX_NAME_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH].rstrip()
    if not name.strip("."):
        return "file"
    return name
