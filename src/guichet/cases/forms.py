"""The citizen's answer to a request for information: a text and documents.

Each document is checked for what it is, not for what its name or the browser say: its first
8 KiB must match the extension (``core.files.check_upload``), and only PDF, JPG and PNG files up
to 10 MB are taken, at most 10 at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guichet.cases.services import MAX_REPLY_FILES, MAX_TEXT
from guichet.core.files import SNIFF_BYTES, check_upload

ACCEPT: tuple[str, ...] = ("pdf", "jpg", "png")
MAX_FILE_MB = 10
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list of ``(upload, sniffed MIME type)``."""

    widget = MultipleFileInput

    def __init__(self, *, accept: Sequence[str], max_bytes: int, max_files: int, **kwargs: Any) -> None:
        self.accept = tuple(accept)
        self.max_bytes = max_bytes
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ",".join(f".{kind}" for kind in self.accept))

    def clean(self, data: Any, initial: Any = None) -> list[tuple[UploadedFile, str]]:
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_files:
            raise ValidationError(
                _("Add at most %(count)s documents at once."), code="too_many", params={"count": self.max_files}
            )
        checked: list[tuple[UploadedFile, str]] = []
        errors: list[ValidationError] = []
        for upload in uploads:
            try:
                checked.append((upload, self._check(upload)))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return checked

    def _check(self, upload: UploadedFile) -> str:
        super().clean(upload)  # an empty file, a missing name: Django's own messages
        name = str(upload.name or "")
        if (upload.size or 0) > self.max_bytes:
            raise ValidationError(
                _("The file “%(name)s” is too large: at most %(size)s MB."),
                code="file_size",
                params={"name": name, "size": self.max_bytes // (1024 * 1024)},
            )
        return check_upload(name=name, head=_head(upload), accept=self.accept)


def _head(upload: UploadedFile) -> bytes:
    """The first bytes of an upload, for content sniffing; the upload is left at its start."""
    try:
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        return b""
    return bytes(head) if isinstance(head, bytes | bytearray) else b""


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        required=False,
        max_length=MAX_TEXT,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    documents = MultipleFileField(
        label=_("Documents"),
        accept=ACCEPT,
        max_bytes=MAX_FILE_BYTES,
        max_files=MAX_REPLY_FILES,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Texts with numbers are built per request, in the language of the request.
        self.fields["text"].help_text = gettext("At most %(count)s characters.") % {"count": MAX_TEXT}
        self.fields["documents"].help_text = gettext(
            "PDF, JPG or PNG, at most %(size)s MB each, at most %(count)s files. You can choose several at once."
        ) % {"size": MAX_FILE_MB, "count": MAX_REPLY_FILES}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("text") and not cleaned.get("documents"):
            self.add_error("text", ValidationError(_("Write an answer or add a document."), code="required"))
        return cleaned
