"""Questions API: thin wrappers over `questions.services`, scoped by the caller's grants."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.errors import Forbidden
from diemcau.paging import PageQuery, limit_field, page_of
from diemcau.questions import access, services
from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus
from diemcau.questions.services import merge_offers, merge_refresh
from diemcau.units.models import Level

router = Router()


class SectorOut(Schema):
    code: str
    name: str


class AnswerOut(Schema):
    text: str
    sector: str
    legal_references: list[str]
    published_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_sector(obj: Answer) -> str:
        return obj.sector.code


def _answer_for(context: dict[str, Any], cluster: Cluster | None) -> Answer | None:
    """The answer as the caller may see it: a draft only for the sector that may answer it."""
    return services.shown_answer(scope_for(context["request"].user), cluster)


class QuestionOut(Schema):
    id: int
    text: str
    site: str
    unit: str
    asker_name: str
    status: QuestionStatus
    reject_reason: str
    cluster: int | None
    similarity: float | None
    session: int | None
    topic: int | None
    created_at: datetime
    sector: str | None
    answer: AnswerOut | None

    @staticmethod
    def resolve_site(obj: Question) -> str:
        return obj.site.code

    @staticmethod
    def resolve_unit(obj: Question) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_cluster(obj: Question) -> int | None:
        return obj.cluster_id

    @staticmethod
    def resolve_session(obj: Question) -> int | None:
        return obj.session_id

    @staticmethod
    def resolve_topic(obj: Question) -> int | None:
        return obj.topic_id

    @staticmethod
    def resolve_sector(obj: Question) -> str | None:
        sector = obj.cluster.sector if obj.cluster is not None else None
        return sector.code if sector is not None else None

    @staticmethod
    def resolve_answer(obj: Question, context: dict[str, Any]) -> Answer | None:
        if obj.status == QuestionStatus.REJECTED:
            return None
        return _answer_for(context, obj.cluster)


class QuestionPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[QuestionOut]


class QuestionQuery(PageQuery):
    site: str | None = None
    status: QuestionStatus | None = None
    sector: str | None = None
    cluster: int | None = None
    session: int | None = None
    q: str | None = None
    limit: int = limit_field(100, 500)


class QuestionIn(Schema):
    site: str
    text: str
    asker_name: str = ""
    client_id: str = ""
    topic: int | None = None
    session: int | None = None


class ClusterOut(Schema):
    id: int
    title: str
    n_sites: int
    n_questions: int
    proposed_sector: str | None
    confidence: float | None
    sector: str | None
    routed_at: datetime | None
    answer: AnswerOut | None

    @staticmethod
    def resolve_title(obj: Cluster) -> str:
        return getattr(obj, "title", None) or ""

    @staticmethod
    def resolve_proposed_sector(obj: Cluster) -> str | None:
        return obj.proposed_sector.code if obj.proposed_sector is not None else None

    @staticmethod
    def resolve_sector(obj: Cluster) -> str | None:
        return obj.sector.code if obj.sector is not None else None

    @staticmethod
    def resolve_answer(obj: Cluster, context: dict[str, Any]) -> Answer | None:
        return _answer_for(context, obj)


class ClusterDetail(ClusterOut):
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Cluster) -> list[Question]:
        return getattr(obj, "readable_questions", [])


class ClusterQuery(PageQuery):
    sector: str | None = None
    session: int | None = None
    unrouted: bool = False
    limit: int = limit_field(50, 500)


class SuggestionOut(Schema):
    cluster: ClusterOut
    score: float
    question: str


class RouteIn(Schema):
    sector: str


class MergeIn(Schema):
    other: int


class SplitIn(Schema):
    questions: list[int]


class RejectIn(Schema):
    reason: str


class AnswerIn(Schema):
    text: str
    legal_references: list[str] = []


class KnowledgeOut(Schema):
    cluster: int
    question: str
    answer: AnswerOut

    @staticmethod
    def resolve_cluster(obj: Answer) -> int:
        return obj.cluster_id

    @staticmethod
    def resolve_question(obj: Answer) -> str:
        return getattr(obj, "question", None) or ""

    @staticmethod
    def resolve_answer(obj: Answer) -> Answer:
        return obj


class KnowledgeQuery(PageQuery):
    q: str | None = None
    sector: str | None = None
    level: Level | None = None
    limit: int = limit_field(50, 500)


@router.get("/sectors", response=list[SectorOut], summary="Responsible sectors")
def list_sectors(request: HttpRequest) -> object:
    return list(services.sectors())


@router.get("/", response=QuestionPage, summary="Questions the caller may read")
def list_questions(request: HttpRequest, query: Query[QuestionQuery]) -> dict[str, object]:
    qs = services.visible_questions(
        scope_for(request.user),
        services.QuestionFilters(
            site=query.site,
            status=query.status,
            sector=query.sector,
            cluster=query.cluster,
            session=query.session,
            q=query.q,
        ),
    )
    return page_of(qs, query)


@router.post("/", response={201: QuestionOut}, summary="Send a question from a site")
def create_question(request: HttpRequest, payload: QuestionIn) -> Status[Question]:
    question = services.create_question(scope_for(request.user), request.user, **payload.dict())
    return Status(201, services.get_question(scope_for(request.user), question.pk))


@router.get("/{int:question_id}", response=QuestionOut, summary="One question and its answer")
def get_question(request: HttpRequest, question_id: int) -> Question:
    return services.get_question(scope_for(request.user), question_id)


@router.post("/{int:question_id}/reject", response=QuestionOut, summary="Reject with a reason")
def reject_question(request: HttpRequest, question_id: int, payload: RejectIn) -> Question:
    scope = scope_for(request.user)
    services.reject_question(scope, question_id, payload.reason)
    return services.get_question(scope, question_id)


@router.get("/clusters", response=list[ClusterOut], summary="Clusters, most widely asked first")
def list_clusters(request: HttpRequest, query: Query[ClusterQuery]) -> list[Cluster]:
    qs = services.visible_clusters(
        scope_for(request.user), sector=query.sector, session=query.session, unrouted=query.unrouted
    )
    return list(qs[query.offset : query.offset + query.limit])


@router.get("/queue", response=list[ClusterOut], summary="A sector answerer's open clusters")
def queue(request: HttpRequest) -> list[Cluster]:
    return list(services.visible_clusters(scope_for(request.user), queue=True)[:500])


@router.get("/clusters/{int:cluster_id}", response=ClusterDetail, summary="One cluster")
def get_cluster(request: HttpRequest, cluster_id: int) -> Cluster:
    scope = scope_for(request.user)
    cluster = services.get_cluster(scope, cluster_id)
    cluster.readable_questions = list(services.cluster_questions(scope, cluster))  # type: ignore[attr-defined]  # only the questions this caller may read
    return cluster


@router.get(
    "/clusters/{int:cluster_id}/suggestions",
    response=list[SuggestionOut],
    summary="Clusters that may ask the same, ranked for a moderator",
)
def suggestions(request: HttpRequest, cluster_id: int, k: int = 5) -> list[dict[str, object]]:
    rows = services.suggestions(scope_for(request.user), cluster_id, max(1, min(k, 20)))
    return [{"cluster": c, "score": round(score, 4), "question": q.text} for c, score, q in rows]


@router.post("/clusters/{int:cluster_id}/route", response=ClusterOut, summary="Confirm a sector")
def route(request: HttpRequest, cluster_id: int, payload: RouteIn) -> Cluster:
    return services.route_cluster(scope_for(request.user), request.user, cluster_id, payload.sector)


@router.post("/clusters/{int:cluster_id}/merge", response=ClusterOut, summary="Merge clusters")
def merge(request: HttpRequest, cluster_id: int, payload: MergeIn) -> Cluster:
    return services.merge_clusters(scope_for(request.user), cluster_id, payload.other)


@router.post(
    "/clusters/{int:cluster_id}/split", response={201: ClusterOut}, summary="Split questions off"
)
def split(request: HttpRequest, cluster_id: int, payload: SplitIn) -> Status[Cluster]:
    return Status(
        201, services.split_questions(scope_for(request.user), cluster_id, payload.questions)
    )


@router.put("/clusters/{int:cluster_id}/answer", response=AnswerOut, summary="Answer a cluster")
def answer(request: HttpRequest, cluster_id: int, payload: AnswerIn) -> Answer:
    return services.answer_cluster(
        scope_for(request.user), request.user, cluster_id, payload.text, payload.legal_references
    )


@router.post("/clusters/{int:cluster_id}/publish", response=AnswerOut, summary="Publish the answer")
def publish(request: HttpRequest, cluster_id: int) -> Answer:
    return services.publish_answer(scope_for(request.user), cluster_id)


@router.get("/knowledge", response=list[KnowledgeOut], summary="Published answers")
def knowledge(request: HttpRequest, query: Query[KnowledgeQuery]) -> list[Answer]:
    qs = services.knowledge_base(query.q, query.sector, query.level)
    return list(qs[query.offset : query.offset + query.limit])


class MergeProposalOut(Schema):
    target: int
    source: int
    score: float
    target_text: str
    source_text: str
    dismissed_at: datetime | None = None


class TaskStarted(Schema):
    task: str


class MergeProposalsOut(Schema):
    computed_at: datetime | None
    waiting: int
    # the batch's proposals for the caller dropped because a cluster changed since
    outdated: int
    # a recompute is queued or running (an old batch queues one when read)
    refreshing: bool
    items: list[MergeProposalOut]
    dismissed: list[MergeProposalOut]


def _proposal_row(offer: merge_offers.MergeOffer) -> dict[str, object]:
    return {**merge_offers.as_dict(offer), "dismissed_at": offer.dismissed_at}


def _moderator(request: HttpRequest) -> Any:
    scope = scope_for(request.user)
    if not scope.everything and access.question_moderate_q(scope) is None:
        raise Forbidden(_("Only organisers moderate questions."))
    return scope


@router.get(
    "/merge-proposals",
    response=MergeProposalsOut,
    summary="Stored merge proposals the caller may accept, best first",
)
def merge_proposals(request: HttpRequest, limit: int = 50) -> dict[str, object]:
    stored = merge_offers.stored_offers(_moderator(request), max(0, min(limit, 500)))
    refreshing = merge_refresh.refreshing(stored.batch, stored.outdated)
    return {
        "refreshing": refreshing,
        "computed_at": stored.computed_at,
        "waiting": stored.waiting,
        "outdated": stored.outdated,
        "items": [_proposal_row(o) for o in stored.offers],
        "dismissed": [_proposal_row(o) for o in stored.dismissed],
    }


@router.post(
    "/merge-proposals/compute",
    response={202: TaskStarted},
    summary="Recompute the merge proposals in the background",
)
def merge_proposals_compute(request: HttpRequest) -> Status[dict[str, object]]:
    task = merge_offers.start_compute(_moderator(request), request.user.pk)
    return Status(202, {"task": str(task.pk)})


@router.post(
    "/merge-proposals/{int:target}/{int:source}/accept",
    response=ClusterOut,
    summary="Accept a merge proposal (the ordinary merge)",
)
def merge_proposal_accept(request: HttpRequest, target: int, source: int) -> Cluster:
    return merge_offers.accept(scope_for(request.user), target, source)


@router.post(
    "/merge-proposals/{int:target}/{int:source}/dismiss",
    response={204: None},
    summary="Do not merge: the pair is no longer proposed",
)
def merge_proposal_dismiss(request: HttpRequest, target: int, source: int) -> Status[None]:
    merge_offers.dismiss(scope_for(request.user), request.user, target, source)
    return Status(204, None)


@router.delete(
    "/merge-proposals/{int:target}/{int:source}/dismiss",
    response={204: None},
    summary="Undo a dismissal: the pair is proposed again",
)
def merge_proposal_restore(request: HttpRequest, target: int, source: int) -> Status[None]:
    merge_offers.restore(scope_for(request.user), request.user, target, source)
    return Status(204, None)
