"""One definition of paging for every list of the API: `limit` and `offset`, bounded.

The bounds are in the query schema, so the OpenAPI document states them and a value outside them
is a 422 with the field named, before any query runs: a negative offset, or one past what the
database can hold (`offset=9421218878242079899648` once reached SQLite and answered 500), never
reaches a slice. Lists keep their own default and largest page (a question list pages by 100,
a grading queue by 50) through `limit_field`.
"""

from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

MAX_OFFSET = 10_000_000  # several times the largest list (1.5 million delegates)


def limit_field(default: int = 100, maximum: int = 1000) -> Any:
    """A `limit` field: 1 to `maximum` items, `default` when absent."""
    return Field(
        default, ge=1, le=maximum, description=f"Items per page, 1–{maximum} (default {default})."
    )


def offset_field() -> Any:
    return Field(0, ge=0, le=MAX_OFFSET, description=f"Items to skip, 0–{MAX_OFFSET}.")


class PageQuery(Schema):
    """`limit` and `offset` of a list; subclasses add their filters (and may change the limit)."""

    limit: int = limit_field()
    offset: int = offset_field()


def page_of(qs: QuerySet[Any], query: PageQuery) -> dict[str, Any]:
    """The page body every list answers: total, limit, offset and the items."""
    return {
        "total": qs.count(),
        "limit": query.limit,
        "offset": query.offset,
        "items": list(qs[query.offset : query.offset + query.limit]),
    }
