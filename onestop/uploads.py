"""Uploaded files are judged by their content, never by their name or the browser's word."""

import os

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

PDF = {"application/pdf": "PDF"}
IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG"}
WORD_PROCESSOR = {
    "application/msword": "DOC",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.oasis.opendocument.text": "ODT",
}


def sniffed_type(upload):
    position = upload.tell()
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(position)
    return kind.mime if kind else None


def validate_upload(upload, *, allowed, max_bytes):
    """Refuses a file larger than `max_bytes` or whose content is not one of the `allowed` types; returns its
    content type."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s is accepted."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    mime = sniffed_type(upload)
    if mime not in allowed:
        raise ValidationError(
            _("Only %(kinds)s files are accepted; this file's content is not one of them."),
            params={"kinds": ", ".join(allowed.values())},
            code="bad_type",
        )
    return mime


class PrivateFileSystemStorage(FileSystemStorage):
    """Where applicants' files live: PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, with no public URL. The location is
    read from the settings at each use, so migrations do not record a machine's path."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Applicants' files have no URL: stream them through a view that checks who asks.")


private_storage = PrivateFileSystemStorage()
