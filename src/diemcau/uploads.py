"""Uploads bounded before they are read: settings.DIEMCAU_UPLOAD_MAX_BYTES (DIEMCAU_UPLOAD_MAX_MB).

A 200 MB CSV sent to an import page used to be written to a temporary file and imported for
24 s. `LimitedUploadHandler` (first in settings.FILE_UPLOAD_HANDLERS) stops that in two places:

- the request's Content-Length already says too much (file plus FORM_SLACK for the other form
  fields and the multipart headers): the body is parsed with a handler that keeps the small form
  fields (the CSRF token, the check boxes) and throws every file's bytes away as they arrive —
  nothing is written to disk or kept in memory;
- a file grows past the limit while it streams in (a body just within the slack, or a client
  that lied): the rest of it is thrown away the same way.

Either way, an API request (under /api/) is answered 413 with the Vietnamese message
(`UploadTooLarge` is ninja's HttpError(413)). A page receives, in place of the file, a
`RefusedUpload`: an UploadedFile with the original name and size but no content, which the
import form refuses in `clean_file` (`is_too_large`). Reading it raises `UploadTooLarge`, which
is also the domain's `Invalid` — shown by pages as a form or flash error — and `read_table`
refuses it as a TableError, so code that forgets to check still cannot read a refused file.

Why throw the bytes away rather than reset the connection: a browser still sending its body
when the server closes the socket shows "connection reset", not our message. Discarding costs
reading the body from the socket (~0.1 s for 60 MB here) and no memory. The nginx front should
still cap bodies (client_max_body_size) a little above the limit.
"""

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser
from ninja.errors import HttpError

from diemcau.errors import Invalid

# Room for the form's other fields and the multipart headers around the file.
FORM_SLACK = 256 * 1024
# Requests under this path are the REST API: refused there with 413 rather than a placeholder.
API_PREFIX = "/api/"
_MB = 1024 * 1024


def upload_limit() -> int:
    """The largest file an upload may carry, in bytes (settings, default 50 MB)."""
    return int(getattr(settings, "DIEMCAU_UPLOAD_MAX_BYTES", 50 * _MB))


def megabytes(size: int) -> str:
    """60 MB as a Vietnamese reader writes it: "60", "60,5" (decimal comma)."""
    value = round(size / _MB, 1)
    text = f"{value:.0f}" if value >= 100 or value == int(value) else f"{value:.1f}"
    return text.replace(".", ",")


def too_large_message(size: int | None = None, limit: int | None = None) -> str:
    """The one message for a file over the limit: pages, API and CLI say the same."""
    cap = megabytes(limit if limit is not None else upload_limit())
    what = f"Tệp quá lớn ({megabytes(size)} MB)" if size else "Tệp quá lớn"
    return (
        f"{what}: mỗi lần tải lên tối đa {cap} MB. Hãy chia tệp thành nhiều tệp nhỏ hơn "
        "(ví dụ theo tỉnh hoặc theo điểm cầu) rồi gửi lần lượt."
    )


class UploadTooLarge(HttpError, Invalid):
    """A refused upload was read or checked: 413 in the API, a form error on a page."""

    def __init__(self, size: int | None = None) -> None:
        message = too_large_message(size)
        Exception.__init__(self, message)  # neither parent's __init__: their arguments differ
        self.status_code = 413
        self.message = message
        self.fields: dict[str, str] = {}


class _RefusedStream(io.RawIOBase):
    """The content of a refused upload: any read or seek raises UploadTooLarge."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise UploadTooLarge(self._size)

    def seek(self, offset: int, whence: int = 0) -> int:
        raise UploadTooLarge(self._size)


class RefusedUpload(UploadedFile):
    """Stands in for a file over the limit: its name and size, never its bytes."""

    refused = True

    def __init__(self, name: str, size: int, content_type: str | None = None) -> None:
        stream: Any = _RefusedStream(size)
        super().__init__(stream, name, content_type, size, None)

    def open(self, *args: Any, **kwargs: Any) -> "RefusedUpload":
        raise UploadTooLarge(self.size)

    def chunks(self, chunk_size: int | None = None) -> Any:
        raise UploadTooLarge(self.size)

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        raise UploadTooLarge(self.size)


def is_too_large(upload: Any) -> bool:
    """Whether an upload (a refused one, or any file whose size says so) is over the limit."""
    if getattr(upload, "refused", False):
        return True
    size = getattr(upload, "size", None)
    return isinstance(size, int) and size > upload_limit()


def check(upload: Any) -> Any:
    """Return `upload`, or raise UploadTooLarge (413 in the API, Invalid on a page)."""
    if is_too_large(upload):
        raise UploadTooLarge(getattr(upload, "size", None))
    return upload


def check_path(path: str | Path) -> None:
    """For the CLI: a file on disk over the same limit raises UploadTooLarge before any read."""
    size = Path(path).stat().st_size
    if size > upload_limit():
        raise UploadTooLarge(size)


# -- the upload handlers -----------------------------------------------------------------------
class _DiscardingHandler(FileUploadHandler):
    """Parses a too-large body: form fields kept, each file's bytes dropped as they arrive."""

    def __init__(self, request: HttpRequest | None, total: int) -> None:
        super().__init__(request)
        self.total = total

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> RefusedUpload:
        return RefusedUpload(self.file_name or "", self.total, self.content_type)


class LimitedUploadHandler(FileUploadHandler):
    """First of settings.FILE_UPLOAD_HANDLERS: no file past the limit is stored (see above)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = upload_limit()
        self.over = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> Any:
        self.limit = upload_limit()
        if content_length <= self.limit + FORM_SLACK:
            return None  # the usual handlers store it; receive_data_chunk still counts
        # Declared too large: parse it once more with a handler that stores nothing.
        parser = MultiPartParser(
            META, input_data, [_DiscardingHandler(self.request, content_length)], encoding
        )
        parsed = parser.parse()
        self._refuse_api(content_length)
        return parsed

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.over = False

    def _refuse_api(self, size: int) -> None:
        """An API request ends here with 413; its POST and FILES read as empty from now on."""
        request = self.request
        if request is not None and request.path_info.startswith(API_PREFIX):
            request._mark_post_parse_error()  # type: ignore[attr-defined]
            raise UploadTooLarge(size)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.over:
            return None
        if start + len(raw_data) > self.limit:
            # The handlers after this one stop receiving the file; what they hold so far is
            # dropped with their object (a temporary file is deleted when it is closed).
            self.over = True
            self._refuse_api(start + len(raw_data))
            return None
        return raw_data

    def file_complete(self, file_size: int) -> RefusedUpload | None:
        if self.over:
            return RefusedUpload(self.file_name or "", file_size, self.content_type)
        return None  # the next handler (memory or temporary file) returns the file
