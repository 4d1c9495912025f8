from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diemcau.accounts.scopes import scope_for
from diemcau.tasks import services
from diemcau.web.errors import domain_errors


@login_required
@domain_errors
def task_detail(request: HttpRequest, task_id: UUID) -> HttpResponse:
    """The progress page; it polls the API until the task ends, then shows the result."""
    task = services.get_task(scope_for(request.user), task_id)
    template = "tasks/task_status.html" if request.GET.get("partial") else "tasks/task_detail.html"
    context = {"task": task, "result_template": services.result_template(task.kind)}
    return render(request, template, context)
