"""What an attachment may be and how it is handed back: never as something a browser runs on Jishi's origin.

An uploaded page, drawing or script opened from Jishi's address would run as the person opening it. So files a
browser treats as active content (HTML, SVG, XML, JavaScript — by name, by the type the uploader's browser declared,
or by what the first bytes look like to a browser's sniffer) are refused at upload, and every attachment is served
as a download whose type is one of a few passive ones or else application/octet-stream.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath

from django.core.files import File

# Extensions that browsers render as documents able to run script, or that are script.
ACTIVE_EXTENSIONS = frozenset(
    {"html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "cjs"}
)
# Declared types (from the uploader's browser) of the same kinds.
ACTIVE_TYPE_WORDS = ("html", "svg", "javascript", "ecmascript", "xml")

# Passive types a browser may be told, by extension; every other attachment is application/octet-stream.
DOWNLOAD_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
}

# What the WHATWG MIME sniffing standard ("rules for identifying an unknown MIME type") takes for HTML, plus SVG and
# XML: a tag at the start of the file after whitespace (and an XML declaration), ended by a space or ">".
SNIFFED_ACTIVE = re.compile(
    rb"(?:<\?xml[^>]*>\s*)?"
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|svg|!--)[\s>/]",
    re.IGNORECASE,
)
SNIFF_BYTES = 1024

REFUSED_MESSAGE = (
    "不能上传网页、SVG 图形、XML 或脚本文件（{name}）：这类文件会在浏览器中运行。请转为 PDF 或图片后再上传。"
)


def stored_name(instance: object, filename: str) -> str:
    """Where an upload is kept: a random name, so no path can be guessed and none carries what the uploader typed."""
    return f"attachments/{uuid.uuid4().hex}"


def extension(name: str) -> str:
    """The last extension of a file name, lower-case, ignoring the trailing dots and spaces Windows drops."""
    return PurePath(name.rstrip(". ")).suffix.lower().lstrip(".")


def is_active(*, name: str, declared_type: str | None, head: bytes) -> bool:
    """Whether a browser could take this file for a page, a drawing or a script."""
    if extension(name) in ACTIVE_EXTENSIONS:
        return True
    if declared_type and any(word in declared_type.lower() for word in ACTIVE_TYPE_WORDS):
        return True
    return SNIFFED_ACTIVE.match(head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c")) is not None


def first_bytes(file: File) -> bytes:
    """The start of an upload, for sniffing, leaving the file where it was."""
    position = file.tell()
    try:
        return file.read(SNIFF_BYTES)
    finally:
        file.seek(position)


def download_type(name: str) -> str:
    """The Content-Type an attachment is served with: a passive type known by its extension, else octet-stream."""
    return DOWNLOAD_TYPES.get(extension(name), "application/octet-stream")
