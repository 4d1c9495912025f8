"""Question pages at 50,000 questions: the moderation list and the knowledge-base search.

    .venv/bin/python bench/bench_question_pages.py [--runs 5] [--questions 50000] [--no-naive]
    DATABASE_URL=postgres://postgres@127.0.0.1/test .venv/bin/python bench/bench_question_pages.py

Without DATABASE_URL it runs on a fresh SQLite file (the embedded settings) in a temporary data
folder; with it, on a throw-away database `diemcau_bench_<pid>` beside the named one.

Data: the real unit tree, 11,000 demo sites, N questions written as sites write them (the
perturbed paraphrases and half-and-half "mixes" of bench_questions.py, seeded), clustered by the
engine intake uses (`similarity.cluster_texts` at AUTO_JOIN). Of the clusters, 60 % are routed to
a sector, half of those answered and two thirds of the answers published; every question's status
follows its cluster, 1 % are rejected.

Figures, each the median of --runs timings (ms), after one warm-up:
  moderation_page_*     GET /questions/moderate/ through Django (middleware, view, services,
                        template), first page of 20 clusters with 5 questions each: as central,
                        as the Hà Nội organiser, central filtered on "new", central searching
  moderation_service    the same page's queries alone (count, ranked page, questions per cluster)
  naive_moderation      baseline: Django's Paginator straight over the ranked queryset (the count
                        and the page compute every cluster's title) and one query per cluster for
                        its first questions
  kb_page_*             GET /hoi-dap/ anonymous: no search, a search with diacritics, the same
                        typed without them
  kb_service_*          the knowledge-base queryset alone, first page of 50 and its count
  naive_kb_*            baseline: read every published answer and its questions, fold the text
                        in Python and match the words (what the search does without the folded
                        columns); its hit count is checked against the service's

JSON goes to stdout and into bench/results/question_pages.json (one entry per database vendor).
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from common import add_out_argument, save, throwaway_data  # noqa: E402 - a sibling module of this script

HANOI = "01"
SEARCHES = {"accented": "con dấu", "plain": "con dau"}
PAGE_SIZE_KB = 50


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    fn()  # warm the connection, the statement cache and the engine
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(round((time.perf_counter() - started) * 1000, 2))
    return round(statistics.median(times), 2), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-naive", action="store_true", help="Skip the naive baselines.")
    add_out_argument(parser, "question_pages.json")
    args = parser.parse_args()

    with throwaway_data("qp"):
        results = run(args)
    save(results, args.out)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    built = build(args)
    built["build_s"] = round(time.perf_counter() - started, 1)
    figures = measure(args)
    return {
        "database": vendor,
        "questions": args.questions,
        "sites": args.sites,
        "seed": args.seed,
        "runs": args.runs,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "data": built,
        **figures,
    }


# -- the data ----------------------------------------------------------------------------------
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
    from diemcau.questions import services

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
    }
    for name, fn in pages.items():
        timings[name] = _median_ms(fn, args.runs)

    def moderation_service() -> None:
        clusters = services.moderation_clusters(central_scope)
        services.count_clusters(clusters)
        ids = [c.pk for c in services.ranked_page(clusters, 0, 20)]
        services.questions_of(central_scope, ids, per_cluster=5)

    timings["moderation_service"] = _median_ms(moderation_service, args.runs)
    kb_hits: dict[str, int] = {}
    for name, q in SEARCHES.items():

        def kb_service(q: str = q, name: str = name) -> None:
            answers = services.public_answers(q)
            kb_hits[name] = answers.count()
            list(answers[:PAGE_SIZE_KB])

        timings[f"kb_service_{name}"] = _median_ms(kb_service, args.runs)

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
    ratios = {}
    if "naive_moderation" in median:
        ratios["moderation_service_speedup"] = round(
            median["naive_moderation"] / median["moderation_service"], 1
        )
        for name in SEARCHES:
            ratios[f"kb_{name}_speedup"] = round(
                median[f"naive_kb_{name}"] / median[f"kb_service_{name}"], 1
            )
    return {
        "median_ms": median,
        "speedup_vs_naive": ratios,
        "kb_hits": kb_hits,
        "naive_kb_hits_agree": agree,
        "all_runs_ms": {k: v[1] for k, v in timings.items()},
    }


def naive_moderation(scope: Any) -> None:
    """The obvious page: Paginator over the ranked queryset, then each cluster's questions."""
    from django.core.paginator import Paginator

    from diemcau.questions import services

    page = Paginator(services.moderation_clusters(scope), 20).page(1)
    for cluster in page:
        list(services.cluster_questions(scope, cluster).order_by("created_at", "pk")[:5])


def naive_kb(q: str) -> int:
    """Search without the folded columns: fold every published answer and its questions here."""
    from diemcau.questions.models import Answer, Question
    from diemcau.textnorm import fold

    words = fold(q).split()
    texts: dict[int, list[str]] = {}
    for cluster_id, text in Answer.objects.filter(published_at__isnull=False).values_list(
        "cluster_id", "text"
    ):
        texts[cluster_id] = [text]
    # As the service does, a rejected question's words still find its cluster's answer.
    for cluster_id, text in Question.objects.filter(cluster_id__in=list(texts)).values_list(
        "cluster_id", "text"
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
