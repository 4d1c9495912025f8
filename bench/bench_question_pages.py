"""Question pages at 50,000 questions: the moderation list and the knowledge-base search.

    .venv/bin/python bench/bench_question_pages.py [--runs 5] [--questions 50000] [--no-naive]
    DATABASE_URL=postgres://postgres@127.0.0.1/test .venv/bin/python bench/bench_question_pages.py

Without DATABASE_URL it runs on a fresh SQLite file (the embedded settings) in a temporary data
folder; with it, on a throw-away database `diemcau_bench_<pid>` beside the named one (VACUUM
ANALYZEd after the load, as autovacuum would).

Data: the real unit tree, 11,000 demo sites, N questions written as sites write them (the
perturbed paraphrases and half-and-half "mixes" of bench_questions.py, seeded), clustered by the
engine intake uses (`similarity.cluster_texts` at AUTO_JOIN). Of the clusters, 60 % are routed to
a sector, half of those answered and two thirds of the answers published; every question's status
follows its cluster, 1 % are rejected.

Figures, each the median of --runs timings (ms), after one warm-up:
  moderation_page_*     GET /questions/moderate/ through Django (middleware, view, services,
                        template), first page of 20 clusters with 5 questions each: as central,
                        as the Hà Nội organiser, central filtered on "new", central searching
  moderation_service_*  the same page's queries alone (count, ranked page, 5 questions per
                        cluster, clusters reaching beyond the organiser), central and Hà Nội:
                        clusters ranked on the tallies the triggers keep (questions.upkeep)
  old_moderation_*      baseline, the same queries as before issue 18: every cluster's sites and
                        questions counted from the 50,000 questions (GROUP BY, COUNT DISTINCT),
                        the first five questions by a window over each cluster's questions
  naive_moderation      baseline: Django's Paginator straight over the old ranked queryset (the
                        count and the page compute every cluster's title) and one query per
                        cluster for its first questions
  kb_page_*             GET /hoi-dap/ anonymous: no search, a search with diacritics, the same
                        typed without them, a two-letter word
  kb_service_*          the knowledge-base queryset alone (FTS5 trigram on SQLite, pg_trgm on
                        PostgreSQL), first page of 50 and its count
  old_kb_*              baseline: the search before issue 18, LIKE '%word%' over every
                        question's folded text for each word (rejected ones too), and the
                        sites counted per answer by a subquery
  naive_kb_*            baseline: read every published answer and its live questions, fold the
                        text in Python and match the words; its hit count is checked against
                        the service's

JSON goes to stdout and into bench/results/question_pages.json (one entry per database vendor).
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from common import (  # noqa: E402 - a sibling module of this script
    add_out_argument,
    machine,
    migrated_then_built,
    save,
    throwaway_data,
)

HANOI = "01"
SEARCHES = {"accented": "con dấu", "plain": "con dau", "short": "xa"}
PAGE_SIZE_KB = 50


# Per timing, beside the wall time: this process's CPU time, the number of queries and the
# time spent waiting on them (the database's own CPU, round trips, and the machine's load).
COSTS: dict[str, dict[str, float]] = {}


def _median_ms(
    fn: Callable[[], object], runs: int, name: str | None = None
) -> tuple[float, list[float]]:
    from django.db import connection

    fn()  # warm the connection, the statement cache and the engine
    times, cpu, queries, waited = [], [], [], []
    spent: list[float] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - began)

    for _ in range(runs):
        spent.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed):
            fn()
        times.append(round((time.perf_counter() - started) * 1000, 2))
        cpu.append((time.process_time() - cpu_started) * 1000)
        queries.append(len(spent))
        waited.append(sum(spent) * 1000)
    if name:
        COSTS[name] = {
            "cpu_ms": round(statistics.median(cpu), 1),
            "queries": statistics.median(queries),
            "query_wait_ms": round(statistics.median(waited), 1),
        }
    return round(statistics.median(times), 2), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-naive", action="store_true", help="Skip the naive baselines.")
    parser.add_argument(
        "--keep", action="store_true", help="Keep the database (to read query plans after)."
    )
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="Measure a PostgreSQL database kept by an earlier --keep run (no new load).",
    )
    add_out_argument(parser, "question_pages.json")
    args = parser.parse_args()

    if args.reuse:
        url = os.environ.pop("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with throwaway_data("qp", keep=True):
            os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + args.reuse
            results = run(args)
    else:
        with throwaway_data("qp", keep=args.keep):
            results = run(args)
    save(results, args.out)


def run(args: argparse.Namespace) -> dict[str, Any]:
    built = migrated_then_built(lambda: _counted() if args.reuse else _built_vacuumed(args))
    from django.db import connection

    figures = measure(args)
    return {
        "database": connection.vendor,
        "questions": args.questions,
        "sites": args.sites,
        "seed": args.seed,
        "runs": args.runs,
        **machine(),
        "data": built,
        **figures,
    }


def _built_vacuumed(args: argparse.Namespace) -> dict[str, Any]:
    """The data, then on PostgreSQL what autovacuum does after such a load (it vacuums
    insert-only tables too, since PostgreSQL 13): without statistics PostgreSQL plans the fresh
    tables blind, and without the visibility map and hint bits every first read of a row
    writes its page (the old and the new paths alike)."""
    from django.db import connection

    built = build(args)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return built


# -- the data ----------------------------------------------------------------------------------
def _counted() -> dict[str, Any]:
    """What a reused database holds (--reuse)."""
    from diemcau.questions.models import Answer, Cluster

    return {
        "reused": True,
        "clusters": Cluster.objects.count(),
        "answers": Answer.objects.count(),
        "published": Answer.objects.filter(published_at__isnull=False).count(),
    }


def build(args: argparse.Namespace) -> dict[str, Any]:
    """Write N questions in their clusters in bulk; statuses derived as the services derive them."""
    from bench_questions import corpus  # the same seeded texts as the engine's bench
    from django.db import transaction
    from django.utils import timezone

    from diemcau.questions.labelled import labelled_questions
    from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus, Sector
    from diemcau.questions.similarity import AUTO_JOIN, cluster_texts
    from diemcau.sites.demo import load_demo_sites
    from diemcau.sites.models import Site
    from diemcau.textnorm import fold, nfc
    from diemcau.units.services import load_units

    load_units()
    load_demo_sites(args.sites, args.seed)
    rng = random.Random(args.seed)
    texts, _truth = corpus(args.questions, labelled_questions(), args.seed)
    texts = [nfc(t) for t in texts]
    started = time.perf_counter()
    labels = cluster_texts(texts, AUTO_JOIN)
    cluster_s = time.perf_counter() - started
    sites = list(Site.objects.values_list("pk", "unit_id"))
    sectors = list(Sector.objects.filter(is_active=True))
    now = timezone.now()

    label_ids = sorted(set(labels))
    with transaction.atomic():
        clusters = Cluster.objects.bulk_create([Cluster() for _ in label_ids], batch_size=2000)
        by_label = dict(zip(label_ids, clusters, strict=True))
        answers = []
        state: dict[int, str] = {}
        for cluster in clusters:
            roll = rng.random()
            if roll >= 0.6:
                state[cluster.pk] = QuestionStatus.NEW
                continue
            cluster.sector = rng.choice(sectors)
            cluster.routed_at = now
            state[cluster.pk] = QuestionStatus.ROUTED
            if roll < 0.3:
                published = rng.random() < 2 / 3
                text = f"Trả lời nhóm {cluster.pk}: thực hiện theo hướng dẫn của {cluster.sector}."
                answers.append(
                    Answer(
                        cluster=cluster,
                        sector=cluster.sector,
                        text=text,
                        text_folded=fold(text),
                        published_at=now if published else None,
                    )
                )
                state[cluster.pk] = (
                    QuestionStatus.PUBLISHED if published else QuestionStatus.ANSWERED
                )
        Cluster.objects.bulk_update(clusters, ["sector", "routed_at"], batch_size=2000)
        Answer.objects.bulk_create(answers, batch_size=2000)
        questions = []
        for text, label in zip(texts, labels, strict=True):
            site_id, unit_id = rng.choice(sites)
            cluster = by_label[label]
            rejected = rng.random() < 0.01
            questions.append(
                Question(
                    text=text,
                    text_folded=fold(text),
                    site_id=site_id,
                    unit_id=unit_id,
                    cluster=cluster,
                    status=QuestionStatus.REJECTED if rejected else state[cluster.pk],
                    reject_reason="Trùng lặp" if rejected else "",
                )
            )
        Question.objects.bulk_create(questions, batch_size=2000)
    return {
        "clusters": len(clusters),
        "answers": len(answers),
        "published": sum(1 for a in answers if a.published_at is not None),
        "cluster_texts_s": round(cluster_s, 1),
    }


# -- the figures -------------------------------------------------------------------------------
def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from diemcau.accounts.scopes import scope_for
    from diemcau.accounts.services import add_user

    users = get_user_model().objects
    add_user("bench-central", "central_organiser", None)
    add_user("bench-hanoi", "province_organiser", HANOI)
    central, hanoi = Client(), Client()
    central.force_login(users.get(username="bench-central"))
    hanoi.force_login(users.get(username="bench-hanoi"))
    anonymous = Client()
    central_scope = scope_for(users.get(username="bench-central"))

    def page(client: Client, url: str, query: dict[str, str] | None = None) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url, query or {})
            assert response.status_code == 200, response.status_code

        return get

    timings: dict[str, Any] = {}
    pages = {
        "moderation_page_central": page(central, "/questions/moderate/"),
        "moderation_page_hanoi": page(hanoi, "/questions/moderate/"),
        "moderation_page_central_new": page(central, "/questions/moderate/", {"status": "new"}),
        "moderation_page_central_search": page(
            central, "/questions/moderate/", {"q": SEARCHES["plain"]}
        ),
        "kb_page": page(anonymous, "/hoi-dap/"),
        "kb_page_search_accented": page(anonymous, "/hoi-dap/", {"q": SEARCHES["accented"]}),
        "kb_page_search_plain": page(anonymous, "/hoi-dap/", {"q": SEARCHES["plain"]}),
        "kb_page_search_short": page(anonymous, "/hoi-dap/", {"q": SEARCHES["short"]}),
    }
    for name, fn in pages.items():
        timings[name] = _median_ms(fn, args.runs, name)

    scopes = {"central": central_scope, "hanoi": scope_for(users.get(username="bench-hanoi"))}
    shown = _moderation_services(scopes, args.runs, timings)
    kb_hits, old_hits, trigram_hits = _kb_services(args.runs, timings)
    plans = _kb_plans()
    agree: dict[str, bool] = {}
    if not args.no_naive:
        timings["naive_moderation"] = _median_ms(lambda: naive_moderation(central_scope), args.runs)
        for name, q in SEARCHES.items():
            found: list[int] = []

            def naive(q: str = q, found: list[int] = found) -> None:
                found[:] = [naive_kb(q)]

            timings[f"naive_kb_{name}"] = _median_ms(naive, args.runs)
            agree[name] = found[0] == kb_hits[name]

    median = {k: v[0] for k, v in timings.items()}
    return {
        "median_ms": median,
        "speedup": _ratios(median, list(scopes)),
        "kb_hits": kb_hits,
        # the old search also matched the words of rejected questions
        "old_kb_hits": old_hits,
        "trigram_kb_hits": trigram_hits,
        "naive_kb_hits_agree": agree,
        "same_first_page_as_old": {
            name: shown[name] == shown[f"old_{name}"] == shown[f"apart_{name}"] for name in scopes
        },
        "same_hits_counted_apart": {n: kb_hits[n] == kb_hits[f"apart_{n}"] for n in SEARCHES},
        "costs": COSTS,
        "kb_plans_ms": plans,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "all_runs_ms": {k: v[1] for k, v in timings.items()},
    }


def _kb_services(
    runs: int, timings: dict[str, Any]
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """The knowledge-base queries now, before issue 18 and (PostgreSQL) per-question pg_trgm."""
    from django.db import connection

    from diemcau.questions.services.knowledge import public_page

    kb_hits: dict[str, int] = {}
    old_hits: dict[str, int] = {}
    trigram_hits: dict[str, int] = {}
    for name, q in SEARCHES.items():

        def kb_service(q: str = q, name: str = name) -> None:
            _rows, total = public_page(q, offset=0, limit=PAGE_SIZE_KB)
            kb_hits[name] = total or 0

        timings[f"kb_service_{name}"] = _median_ms(kb_service, runs, f"kb_service_{name}")

        def counted_apart(q: str = q, name: str = name) -> None:
            answers = per_word_public_answers(q)
            kb_hits[f"apart_{name}"] = answers.count()
            list(answers[:PAGE_SIZE_KB])

        timings[f"apart_kb_{name}"] = _median_ms(counted_apart, runs, f"apart_kb_{name}")

        def old_kb_service(q: str = q, name: str = name) -> None:
            answers = old_public_answers(q)
            old_hits[name] = answers.count()
            list(answers[:PAGE_SIZE_KB])

        timings[f"old_kb_{name}"] = _median_ms(old_kb_service, runs)

        if connection.vendor == "postgresql":

            def trigram_kb_service(q: str = q, name: str = name) -> None:
                answers = trigram_public_answers(q)
                trigram_hits[name] = answers.count()
                list(answers[:PAGE_SIZE_KB])

            timings[f"trigram_kb_{name}"] = _median_ms(trigram_kb_service, runs)

    return kb_hits, old_hits, trigram_hits


def _moderation_services(
    scopes: dict[str, Any], runs: int, timings: dict[str, Any]
) -> dict[str, list[int]]:
    """The moderation page's queries, now and as before, per scope; the first page of each."""
    from diemcau.questions import services
    from diemcau.questions.services.listing import cluster_page, ranks_on_tallies

    shown: dict[str, list[int]] = {}
    for name, scope in scopes.items():

        def moderation_service(scope: Any = scope, name: str = name) -> None:
            clusters = services.moderation_clusters(scope)
            together = ranks_on_tallies(scope)
            page, total, _first = cluster_page(
                scope, clusters, 0, 20, per_cluster=5, count_with_page=together
            )
            if total is None:
                services.count_clusters(clusters)
            ids = [c.pk for c in page]
            services.beyond_moderation(scope, ids)
            shown[name] = ids

        key = f"moderation_service_{name}"
        timings[key] = _median_ms(moderation_service, runs, key)

        def counted_apart(scope: Any = scope, name: str = name) -> None:
            clusters = services.moderation_clusters(scope)
            services.count_clusters(clusters)
            ids = [c.pk for c in services.ranked_page(clusters, 0, 20)]
            services.questions_of(scope, ids, per_cluster=5)
            services.beyond_moderation(scope, ids)
            shown[f"apart_{name}"] = ids

        key = f"apart_moderation_{name}"
        timings[key] = _median_ms(counted_apart, runs, key)

        def old(scope: Any = scope, name: str = name) -> None:
            shown[f"old_{name}"] = old_moderation(scope)

        timings[f"old_moderation_{name}"] = _median_ms(old, runs)
    return shown


def _ratios(median: dict[str, float], scopes: list[str]) -> dict[str, float]:
    """How many times faster than each baseline measured in the same run."""
    pairs = [(f"old_moderation_{n}", f"moderation_service_{n}", f"{n}_vs_old") for n in scopes]
    pairs += [(f"old_kb_{n}", f"kb_service_{n}", f"kb_{n}_vs_old") for n in SEARCHES]
    pairs += [(f"trigram_kb_{n}", f"kb_service_{n}", f"kb_{n}_vs_trigram") for n in SEARCHES]
    pairs += [(f"apart_kb_{n}", f"kb_service_{n}", f"kb_{n}_vs_apart") for n in SEARCHES]
    pairs += [(f"apart_moderation_{n}", f"moderation_service_{n}", f"{n}_vs_apart") for n in scopes]
    pairs.append(("naive_moderation", "moderation_service_central", "central_vs_naive"))
    pairs += [(f"naive_kb_{n}", f"kb_service_{n}", f"kb_{n}_vs_naive") for n in SEARCHES]
    return {
        name: round(median[base] / median[ours], 1)
        for base, ours, name in pairs
        if base in median and median[ours] > 0
    }


def _old_ranked(scope: Any) -> Any:
    """The ranked cluster list as it was before the tallies: counted from every question."""
    from django.db.models import Count, Q

    from diemcau.questions.models import Cluster, QuestionStatus
    from diemcau.questions.services.reading import first_text, visible_questions

    questions = visible_questions(scope).exclude(status=QuestionStatus.REJECTED)
    counted = ~Q(questions__status=QuestionStatus.REJECTED)
    return (
        Cluster.objects.filter(pk__in=questions.values("cluster"))
        .select_related("sector", "proposed_sector", "answer__sector")
        .annotate(
            n_sites=Count("questions__site", distinct=True, filter=counted),
            n_questions=Count("questions", distinct=True, filter=counted),
            title=first_text("pk"),
        )
        .order_by("-n_sites", "-n_questions", "pk")
    )


def old_moderation(scope: Any) -> list[int]:
    """The moderation page's queries before issue 18 (count, page, first five, beyond)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from diemcau.questions import access
    from diemcau.questions.models import Question, QuestionStatus
    from diemcau.questions.services.reading import visible_questions

    clusters = _old_ranked(scope)
    clusters.order_by().values("pk").count()
    ids = list(clusters.values_list("pk", flat=True)[:20])
    list(clusters.order_by().filter(pk__in=ids))
    live = (
        visible_questions(scope).filter(cluster_id__in=ids).exclude(status=QuestionStatus.REJECTED)
    )
    first = (
        live.order_by()
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("cluster_id")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            )
        )
        .filter(row__lte=5)
        .values_list("pk", flat=True)
    )
    list(visible_questions(scope).filter(pk__in=list(first)).order_by("created_at", "pk"))
    moderate_q = access.question_moderate_q(scope)
    if not scope.everything and moderate_q is not None:
        beyond = Question.objects.filter(cluster_id__in=ids).exclude(moderate_q)
        set(beyond.values_list("cluster_id", flat=True).distinct())
    return ids


def naive_moderation(scope: Any) -> None:
    """The obvious page: Paginator over the old ranked queryset, then each cluster's questions."""
    from django.core.paginator import Paginator

    from diemcau.questions import services

    page = Paginator(_old_ranked(scope), 20).page(1)
    for cluster in page:
        list(services.cluster_questions(scope, cluster).order_by("created_at", "pk")[:5])


def old_public_answers(q: str) -> Any:
    """The knowledge-base search before issue 18: LIKE over every question for each word."""
    from django.db.models import Count, OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce

    from diemcau.questions.models import Answer, Question, QuestionStatus
    from diemcau.questions.services.reading import first_text
    from diemcau.textnorm import fold

    qs = (
        Answer.objects.filter(published_at__isnull=False)
        .select_related("sector", "cluster")
        .annotate(question=first_text("cluster"))
    )
    for word in fold(q or "").split():
        asked = Question.objects.filter(text_folded__contains=word).values("cluster")
        qs = qs.filter(Q(text_folded__contains=word) | Q(cluster__in=asked))
    counted = (
        Question.objects.filter(cluster=OuterRef("cluster"))
        .exclude(status=QuestionStatus.REJECTED)
        .order_by()
        .values("cluster")
        .annotate(n=Count("site", distinct=True))
        .values("n")[:1]
    )
    return qs.order_by("-published_at", "pk").annotate(n_sites=Coalesce(Subquery(counted), 0))


def trigram_public_answers(q: str) -> Any:
    """PostgreSQL's search before the per-cluster documents: for each word, the answers whose
    text or whose published questions contain it, each side served by its pg_trgm index (the
    matching questions rechecked in the table)."""
    from django.db.models import Q

    from diemcau.questions import services
    from diemcau.questions.models import Question, QuestionStatus
    from diemcau.textnorm import fold

    answers = services.public_answers()
    for word in fold(q).split():
        asked = Question.objects.filter(status=QuestionStatus.PUBLISHED, text_folded__contains=word)
        answers = answers.filter(
            Q(text_folded__contains=word) | Q(cluster__in=asked.values("cluster"))
        )
    return answers


def _kb_plans() -> dict[str, dict[str, float]]:
    """PostgreSQL: the knowledge-base page query's planning and execution time (EXPLAIN
    ANALYZE, median of 5), what the database itself spends of the query's wait."""
    from django.db import connection
    from django.db.models import Count, Window

    from diemcau.questions import services

    if connection.vendor != "postgresql":
        return {}
    plans: dict[str, dict[str, float]] = {}
    for name, q in SEARCHES.items():
        counted = services.public_answers(q).annotate(total_rows=Window(Count("*")))
        sql, params = counted[:PAGE_SIZE_KB].query.sql_with_params()
        planning, execution = [], []
        with connection.cursor() as cursor:
            for _ in range(6):
                cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0][0]
                planning.append(plan["Planning Time"])
                execution.append(plan["Execution Time"])
        plans[name] = {
            "planning_ms": round(statistics.median(planning[1:]), 2),
            "execution_ms": round(statistics.median(execution[1:]), 2),
        }
    return plans


def per_word_public_answers(q: str) -> Any:
    """The previous session's search: on PostgreSQL one subquery over the search documents per
    word (each joined back to the answers), counted apart from the page."""
    from django.db import connection
    from django.db.models.expressions import RawSQL

    from diemcau.questions import services
    from diemcau.questions.services import knowledge
    from diemcau.textnorm import fold

    if connection.vendor != "postgresql":
        return services.public_answers(q)
    answers = services.public_answers()
    for word in fold(q).split():
        found = RawSQL(
            "SELECT cluster_id FROM questions_kb_doc WHERE text_folded LIKE %s",
            [knowledge._like(word)],
        )
        answers = answers.filter(cluster_id__in=found)
    return answers


def naive_kb(q: str) -> int:
    """Search without the folded columns: fold every published answer and its questions here."""
    from diemcau.questions.models import Answer, Question, QuestionStatus
    from diemcau.textnorm import fold

    words = fold(q).split()
    texts: dict[int, list[str]] = {}
    for cluster_id, text in Answer.objects.filter(published_at__isnull=False).values_list(
        "cluster_id", "text"
    ):
        texts[cluster_id] = [text]
    # As the service does, only the live questions count: a rejected one is not public.
    for cluster_id, text in (
        Question.objects.filter(cluster_id__in=list(texts))
        .exclude(status=QuestionStatus.REJECTED)
        .values_list("cluster_id", "text")
    ):
        texts[cluster_id].append(text)
    # An answer matches when each word is in its text or in one of its cluster's questions.
    return sum(
        1
        for parts in texts.values()
        if all(any(word in fold(part) for part in parts) for word in words)
    )


if __name__ == "__main__":
    main()
