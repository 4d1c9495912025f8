"""Questions from sites: intake, duplicate clusters, routing, answering and the knowledge base.

Views and the API call these; they never touch HTTP. Every query goes through `access` so a
question outside the caller's scope does not exist for them (404), and a change they may not
make is refused (403).

One module per job (reading, intake, moderation, answering, knowledge, listing, sector_list,
and the derived cluster state); this package re-exports the functions callers use, so
`services.create_question` and the like keep working wherever they are named.
"""

from diemcau.questions.services.answering import answer_cluster, publish_answer
from diemcau.questions.services.intake import MAX_TEXT, create_question, similar
from diemcau.questions.services.knowledge import knowledge_base, public_answer, public_answers
from diemcau.questions.services.listing import (
    beyond_moderation,
    count_clusters,
    moderation_clusters,
    questions_of,
    ranked_page,
)
from diemcau.questions.services.moderation import (
    merge_clusters,
    reject_question,
    route_cluster,
    split_questions,
    suggestions,
)
from diemcau.questions.services.reading import (
    QuestionFilters,
    cluster_questions,
    get_cluster,
    get_question,
    shown_answer,
    visible_clusters,
    visible_questions,
)
from diemcau.questions.services.sector_list import (
    create_sector,
    get_sector,
    sectors,
    set_sector_active,
    update_sector,
)
from diemcau.questions.services.state import CLUSTER_STATES

__all__ = [
    "CLUSTER_STATES",
    "MAX_TEXT",
    "QuestionFilters",
    "answer_cluster",
    "beyond_moderation",
    "cluster_questions",
    "count_clusters",
    "create_question",
    "create_sector",
    "get_cluster",
    "get_question",
    "get_sector",
    "knowledge_base",
    "merge_clusters",
    "moderation_clusters",
    "public_answer",
    "public_answers",
    "publish_answer",
    "questions_of",
    "ranked_page",
    "reject_question",
    "route_cluster",
    "sectors",
    "set_sector_active",
    "shown_answer",
    "similar",
    "split_questions",
    "suggestions",
    "update_sector",
    "visible_clusters",
    "visible_questions",
]
