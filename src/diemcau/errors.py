"""Domain errors that services raise and both the API and the UI turn into responses.

Services know nothing of HTTP; these three cover what a caller must distinguish: the object does
not exist for you (404), you may not change it (403), the input is wrong (422 with field errors).
"""

from collections.abc import Mapping


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Invalid(DomainError):
    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})
