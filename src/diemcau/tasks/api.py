"""Progress of a background task, polled by pages and programs."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from diemcau.accounts.scopes import scope_for
from diemcau.tasks import services
from diemcau.tasks.models import Task

router = Router()


class TaskOut(Schema):
    id: UUID
    kind: str
    status: str
    done: int
    total: int
    percent: int
    result: Any | None
    error: str
    created_at: datetime
    finished_at: datetime | None


@router.get("/{task_id}", response=TaskOut, summary="Progress and result of a background task")
def get_task(request: HttpRequest, task_id: UUID) -> Task:
    return services.get_task(scope_for(request.user), task_id)
