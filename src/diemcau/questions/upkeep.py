"""What the database keeps for the question pages: cluster tallies and the search index.

The moderation list ranks clusters by how many sites and questions ask them, and the knowledge
base searches words inside published questions and answers. Computing either from the questions
on every request costs a scan of 50,000 rows (bench `bench_question_pages.py`), so the database
keeps them up to date itself, with triggers on the question and answer tables:

- `Cluster.live_sites` / `live_questions` and `ClusterSite` (live questions per site and
  cluster) follow every insert, delete and change of a question's cluster, site or rejection,
  whoever writes it: intake, merge, split, reject, a bulk load, the admin.
- On SQLite, `questions_kb_fts` (FTS5, trigram tokenizer) holds the folded text of every
  published answer and of every live question of a published cluster (its status is
  "published"). The rowid carries the cluster, `cluster << 32 | question id` (negated for an
  answer), so a search reads the index alone: fetching a stored column for each of the
  thousands of hits of a common word cost ten times more. A trigram index answers "contains
  this word" for words of three letters or more, the same substring test as before, so "con
  dau" still finds "con dấu" (the text is folded in Python before it is stored) and
  "118/2025" a legal reference; shorter words are matched by LIKE over the same table.
- On PostgreSQL, `questions_kb_doc` holds one search document per cluster with anything
  published: the folded text of its published answer and questions, one per line, rebuilt for
  the cluster by triggers whenever one of them changes. The knowledge base tests `LIKE
  '%word%'` on these few hundred rows (a GIN trigram index, pg_trgm, serves them as they grow)
  instead of rechecking thousands of matching questions in the table: 220 ms → 3 ms of
  execution for "con dau" at 50,000 questions. The words are folded in Python on both sides,
  so unaccent is not needed and both databases give the same answers. Trigram indexes on the
  questions' and answers' folded text serve the moderators' search. Without the right to
  create pg_trgm, the queries still work, unindexed.

On SQLite the triggers are dropped before every `migrate` (pre_migrate: SQLite will not rename
a table a rebuild makes while a trigger names it) and put back after it (post_migrate), and an
install finding them missing recounts everything (`retally`), so the tallies cannot drift while
they were away. On PostgreSQL they stay; post_migrate creates them on a new database.
"""

import logging
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from diemcau.dbtriggers import present, run

log = logging.getLogger(__name__)

KB_FTS = "questions_kb_fts"
TRIGGERS = (
    "questions_tally_insert",
    "questions_tally_delete",
    "questions_tally_update",
    "questions_tally_cluster_gone",
)
SQLITE_FTS_TRIGGERS = (
    "questions_kb_question_insert",
    "questions_kb_question_delete",
    "questions_kb_question_update",
    "questions_kb_answer_insert",
    "questions_kb_answer_delete",
    "questions_kb_answer_update",
)

# A question counts when it is in a cluster and not rejected. (Plain strings: no value is
# ever formatted into this SQL.)
# The old row leaves its cluster's tallies, the new row joins them (an update does both).
_UNCOUNT_OLD = """        UPDATE questions_cluster SET
            live_questions = MAX(live_questions - 1, 0),
            live_sites = MAX(live_sites - COALESCE((SELECT n = 1 FROM questions_clustersite
                WHERE cluster_id = OLD.cluster_id AND site_id = OLD.site_id), 0), 0)
            WHERE id = OLD.cluster_id AND OLD.status <> 'rejected';
        UPDATE questions_clustersite SET n = n - 1
            WHERE cluster_id = OLD.cluster_id AND site_id = OLD.site_id
            AND OLD.status <> 'rejected';
        DELETE FROM questions_clustersite
            WHERE cluster_id = OLD.cluster_id AND site_id = OLD.site_id AND n <= 0;
"""
_COUNT_NEW = """        INSERT INTO questions_clustersite (cluster_id, site_id, n)
            SELECT NEW.cluster_id, NEW.site_id, 1
            WHERE NEW.cluster_id IS NOT NULL AND NEW.status <> 'rejected'
            ON CONFLICT (cluster_id, site_id) DO UPDATE SET n = n + 1;
        UPDATE questions_cluster SET
            live_questions = live_questions + 1,
            live_sites = live_sites + COALESCE((SELECT n = 1 FROM questions_clustersite
                WHERE cluster_id = NEW.cluster_id AND site_id = NEW.site_id), 0)
            WHERE id = NEW.cluster_id AND NEW.status <> 'rejected';
"""
SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS questions_tally_insert AFTER INSERT ON questions_question
    WHEN NEW.cluster_id IS NOT NULL AND NEW.status <> 'rejected' BEGIN
"""
    + _COUNT_NEW
    + "    END",
    """CREATE TRIGGER IF NOT EXISTS questions_tally_delete AFTER DELETE ON questions_question
    WHEN OLD.cluster_id IS NOT NULL AND OLD.status <> 'rejected' BEGIN
"""
    + _UNCOUNT_OLD
    + "    END",
    """CREATE TRIGGER IF NOT EXISTS questions_tally_update
    AFTER UPDATE OF cluster_id, site_id, status ON questions_question
    WHEN OLD.cluster_id IS NOT NEW.cluster_id OR OLD.site_id <> NEW.site_id
        OR (OLD.status = 'rejected') <> (NEW.status = 'rejected')
    BEGIN
"""
    + _UNCOUNT_OLD
    + _COUNT_NEW
    + "    END",
    """CREATE TRIGGER IF NOT EXISTS questions_tally_cluster_gone AFTER DELETE ON questions_cluster
    BEGIN DELETE FROM questions_clustersite WHERE cluster_id = OLD.id; END""",
    # Rebuilt whole by `retally` right after, so a changed layout simply replaces the old one.
    "DROP TABLE IF EXISTS questions_kb_fts",
    """CREATE VIRTUAL TABLE questions_kb_fts USING fts5(text_folded, tokenize = 'trigram')""",
    """CREATE TRIGGER IF NOT EXISTS questions_kb_question_insert AFTER INSERT ON questions_question
    WHEN NEW.status = 'published' AND NEW.cluster_id IS NOT NULL BEGIN
        INSERT INTO questions_kb_fts (rowid, text_folded)
            VALUES ((NEW.cluster_id << 32) + NEW.id, NEW.text_folded);
    END""",
    """CREATE TRIGGER IF NOT EXISTS questions_kb_question_delete AFTER DELETE ON questions_question
    WHEN OLD.status = 'published' AND OLD.cluster_id IS NOT NULL BEGIN
        DELETE FROM questions_kb_fts WHERE rowid = (OLD.cluster_id << 32) + OLD.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS questions_kb_question_update
    AFTER UPDATE OF status, cluster_id, text_folded ON questions_question
    WHEN (OLD.status = 'published') <> (NEW.status = 'published')
        OR (NEW.status = 'published' AND (OLD.cluster_id IS NOT NEW.cluster_id
            OR OLD.text_folded <> NEW.text_folded))
    BEGIN
        DELETE FROM questions_kb_fts WHERE rowid = (OLD.cluster_id << 32) + OLD.id
            AND OLD.status = 'published';
        INSERT INTO questions_kb_fts (rowid, text_folded)
            SELECT (NEW.cluster_id << 32) + NEW.id, NEW.text_folded
            WHERE NEW.status = 'published' AND NEW.cluster_id IS NOT NULL;
    END""",
    """CREATE TRIGGER IF NOT EXISTS questions_kb_answer_insert AFTER INSERT ON questions_answer
    WHEN NEW.published_at IS NOT NULL BEGIN
        INSERT INTO questions_kb_fts (rowid, text_folded)
            VALUES (-((NEW.cluster_id << 32) + NEW.id), NEW.text_folded);
    END""",
    """CREATE TRIGGER IF NOT EXISTS questions_kb_answer_delete AFTER DELETE ON questions_answer
    WHEN OLD.published_at IS NOT NULL BEGIN
        DELETE FROM questions_kb_fts WHERE rowid = -((OLD.cluster_id << 32) + OLD.id);
    END""",
    """CREATE TRIGGER IF NOT EXISTS questions_kb_answer_update
    AFTER UPDATE OF published_at, text_folded, cluster_id ON questions_answer
    WHEN (OLD.published_at IS NULL) <> (NEW.published_at IS NULL)
        OR (NEW.published_at IS NOT NULL AND (OLD.text_folded <> NEW.text_folded
            OR OLD.cluster_id <> NEW.cluster_id))
    BEGIN
        DELETE FROM questions_kb_fts WHERE rowid = -((OLD.cluster_id << 32) + OLD.id)
            AND OLD.published_at IS NOT NULL;
        INSERT INTO questions_kb_fts (rowid, text_folded)
            SELECT -((NEW.cluster_id << 32) + NEW.id), NEW.text_folded
            WHERE NEW.published_at IS NOT NULL;
    END""",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION questions_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE')
                AND OLD.cluster_id IS NOT NULL AND OLD.status <> 'rejected' THEN
            UPDATE questions_cluster SET
                live_questions = GREATEST(live_questions - 1, 0),
                live_sites = GREATEST(live_sites - COALESCE((SELECT (n = 1)::int
                    FROM questions_clustersite
                    WHERE cluster_id = OLD.cluster_id AND site_id = OLD.site_id), 0), 0)
                WHERE id = OLD.cluster_id;
            UPDATE questions_clustersite SET n = n - 1
                WHERE cluster_id = OLD.cluster_id AND site_id = OLD.site_id;
            DELETE FROM questions_clustersite
                WHERE cluster_id = OLD.cluster_id AND site_id = OLD.site_id AND n <= 0;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT')
                AND NEW.cluster_id IS NOT NULL AND NEW.status <> 'rejected' THEN
            INSERT INTO questions_clustersite (cluster_id, site_id, n)
                VALUES (NEW.cluster_id, NEW.site_id, 1)
                ON CONFLICT (cluster_id, site_id)
                DO UPDATE SET n = questions_clustersite.n + 1;
            UPDATE questions_cluster SET
                live_questions = live_questions + 1,
                live_sites = live_sites + COALESCE((SELECT (n = 1)::int
                    FROM questions_clustersite
                    WHERE cluster_id = NEW.cluster_id AND site_id = NEW.site_id), 0)
                WHERE id = NEW.cluster_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION questions_tally_cluster_gone() RETURNS trigger AS $$
    BEGIN
        DELETE FROM questions_clustersite WHERE cluster_id = OLD.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS questions_tally_insert ON questions_question",
    "DROP TRIGGER IF EXISTS questions_tally_delete ON questions_question",
    "DROP TRIGGER IF EXISTS questions_tally_update ON questions_question",
    "DROP TRIGGER IF EXISTS questions_tally_cluster_gone ON questions_cluster",
    """CREATE TRIGGER questions_tally_insert AFTER INSERT ON questions_question
    FOR EACH ROW EXECUTE FUNCTION questions_tally()""",
    """CREATE TRIGGER questions_tally_delete AFTER DELETE ON questions_question
    FOR EACH ROW EXECUTE FUNCTION questions_tally()""",
    """CREATE TRIGGER questions_tally_update
    AFTER UPDATE OF cluster_id, site_id, status ON questions_question
    FOR EACH ROW WHEN (OLD.cluster_id IS DISTINCT FROM NEW.cluster_id
        OR OLD.site_id <> NEW.site_id OR (OLD.status = 'rejected') <> (NEW.status = 'rejected'))
    EXECUTE FUNCTION questions_tally()""",
    """CREATE TRIGGER questions_tally_cluster_gone AFTER DELETE ON questions_cluster
    FOR EACH ROW EXECUTE FUNCTION questions_tally_cluster_gone()""",
]

# PostgreSQL's search documents: one row per cluster with anything published, the folded text
# of its published answer and of its published questions, one per line (a search word never
# holds a line break, so "contains the word" means what it means for each text alone). The
# knowledge base searches these few hundred rows instead of rechecking thousands of matching
# questions in the heap (bench_question_pages.py). Rebuilt for a cluster whenever one of its
# published texts changes.
KB_DOC = "questions_kb_doc"
POSTGRES_KB_TRIGGERS = (
    "questions_kb_doc_question",
    "questions_kb_doc_question_update",
    "questions_kb_doc_answer",
    "questions_kb_doc_cluster_gone",
)
POSTGRES_KB_TABLE = f"""CREATE TABLE IF NOT EXISTS {KB_DOC} (
    cluster_id bigint PRIMARY KEY, text_folded text NOT NULL)"""
POSTGRES += [
    """CREATE OR REPLACE FUNCTION questions_kb_doc_refresh(cid bigint) RETURNS void AS $$
    BEGIN
        IF cid IS NULL THEN
            RETURN;
        END IF;
        DELETE FROM questions_kb_doc WHERE cluster_id = cid;
        INSERT INTO questions_kb_doc (cluster_id, text_folded)
            SELECT cid, string_agg(t, E'\n') FROM (
                SELECT text_folded AS t FROM questions_question
                    WHERE cluster_id = cid AND status = 'published'
                UNION ALL
                SELECT text_folded FROM questions_answer
                    WHERE cluster_id = cid AND published_at IS NOT NULL) AS texts
            HAVING COUNT(*) > 0;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION questions_kb_doc_question() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published' THEN
            PERFORM questions_kb_doc_refresh(OLD.cluster_id);
        END IF;
        IF TG_OP = 'INSERT' AND NEW.status = 'published' OR TG_OP = 'UPDATE'
                AND NEW.status = 'published' AND (OLD.status <> 'published'
                    OR OLD.cluster_id IS DISTINCT FROM NEW.cluster_id) THEN
            PERFORM questions_kb_doc_refresh(NEW.cluster_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION questions_kb_doc_answer() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM questions_kb_doc_refresh(OLD.cluster_id);
        END IF;
        IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND OLD.cluster_id <> NEW.cluster_id THEN
            PERFORM questions_kb_doc_refresh(NEW.cluster_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS questions_kb_doc_question ON questions_question",
    "DROP TRIGGER IF EXISTS questions_kb_doc_question_update ON questions_question",
    "DROP TRIGGER IF EXISTS questions_kb_doc_answer ON questions_answer",
    "DROP TRIGGER IF EXISTS questions_kb_doc_cluster_gone ON questions_cluster",
    # A deleted cluster's document goes with it (a merge deletes the cluster it empties).
    """CREATE OR REPLACE FUNCTION questions_kb_doc_cluster_gone() RETURNS trigger AS $$
    BEGIN
        DELETE FROM questions_kb_doc WHERE cluster_id = OLD.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER questions_kb_doc_cluster_gone AFTER DELETE ON questions_cluster
    FOR EACH ROW EXECUTE FUNCTION questions_kb_doc_cluster_gone()""",
    """CREATE TRIGGER questions_kb_doc_question AFTER INSERT OR DELETE ON questions_question
    FOR EACH ROW EXECUTE FUNCTION questions_kb_doc_question()""",
    """CREATE TRIGGER questions_kb_doc_question_update
    AFTER UPDATE OF cluster_id, status, text_folded ON questions_question
    FOR EACH ROW WHEN ((OLD.status = 'published' OR NEW.status = 'published')
        AND (OLD.status IS DISTINCT FROM NEW.status
            OR OLD.cluster_id IS DISTINCT FROM NEW.cluster_id
            OR OLD.text_folded IS DISTINCT FROM NEW.text_folded))
    EXECUTE FUNCTION questions_kb_doc_question()""",
    """CREATE TRIGGER questions_kb_doc_answer
    AFTER INSERT OR DELETE OR UPDATE OF cluster_id, published_at, text_folded
    ON questions_answer FOR EACH ROW EXECUTE FUNCTION questions_kb_doc_answer()""",
]

# Trigram indexes for LIKE '%word%' on the folded text (pg_trgm); optional.
POSTGRES_SEARCH = [
    """CREATE INDEX IF NOT EXISTS questions_question_kb_trgm ON questions_question
    USING gin (text_folded gin_trgm_ops) WHERE status = 'published'""",
    """CREATE INDEX IF NOT EXISTS questions_question_folded_trgm ON questions_question
    USING gin (text_folded gin_trgm_ops)""",
    """CREATE INDEX IF NOT EXISTS questions_answer_folded_trgm ON questions_answer
    USING gin (text_folded gin_trgm_ops)""",
    """CREATE INDEX IF NOT EXISTS questions_kb_doc_trgm ON questions_kb_doc
    USING gin (text_folded gin_trgm_ops)""",
]

RETALLY = [
    "DELETE FROM questions_clustersite",
    """INSERT INTO questions_clustersite (cluster_id, site_id, n)
    SELECT cluster_id, site_id, COUNT(*) FROM questions_question
    WHERE cluster_id IS NOT NULL AND status <> 'rejected' GROUP BY cluster_id, site_id""",
    """UPDATE questions_cluster SET
    live_questions = COALESCE((SELECT SUM(n) FROM questions_clustersite
        WHERE cluster_id = questions_cluster.id), 0),
    live_sites = (SELECT COUNT(*) FROM questions_clustersite
        WHERE cluster_id = questions_cluster.id)""",
]
POSTGRES_REINDEX = [
    "DELETE FROM questions_kb_doc",
    """INSERT INTO questions_kb_doc (cluster_id, text_folded)
    SELECT cluster_id, string_agg(t, E'\n') FROM (
        SELECT cluster_id, text_folded AS t FROM questions_question
        WHERE status = 'published' AND cluster_id IS NOT NULL
        UNION ALL
        SELECT cluster_id, text_folded FROM questions_answer WHERE published_at IS NOT NULL
    ) AS texts GROUP BY cluster_id""",
]
SQLITE_REINDEX = [
    "DELETE FROM questions_kb_fts",
    """INSERT INTO questions_kb_fts (rowid, text_folded)
    SELECT (cluster_id << 32) + id, text_folded FROM questions_question
    WHERE status = 'published' AND cluster_id IS NOT NULL
    UNION ALL
    SELECT -((cluster_id << 32) + id), text_folded FROM questions_answer
    WHERE published_at IS NOT NULL""",
]


def _expected(conn: BaseDatabaseWrapper) -> set[str]:
    if conn.vendor == "sqlite":
        return {*TRIGGERS, *SQLITE_FTS_TRIGGERS, KB_FTS}
    return {*TRIGGERS, *POSTGRES_KB_TRIGGERS}


def installed(conn: BaseDatabaseWrapper | None = None) -> bool:
    conn = conn or connection
    return conn.vendor not in ("sqlite", "postgresql") or _expected(conn) <= present(conn)


def retally(conn: BaseDatabaseWrapper | None = None) -> None:
    """Recount every cluster's tallies and rebuild the search index from the tables."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias):
        run(conn, RETALLY)
        run(conn, SQLITE_REINDEX if conn.vendor == "sqlite" else POSTGRES_REINDEX)


def _postgres_search(conn: BaseDatabaseWrapper) -> None:
    """pg_trgm and its indexes when the database lets us; searches work without them."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN "
            "('questions_question_kb_trgm', 'questions_question_folded_trgm', "
            "'questions_answer_folded_trgm', 'questions_kb_doc_trgm')"
        )
        if cursor.fetchone()[0] == len(POSTGRES_SEARCH):
            return
    try:
        with transaction.atomic(using=conn.alias):
            run(conn, ["CREATE EXTENSION IF NOT EXISTS pg_trgm"])
    except DatabaseError as exc:  # no right to create extensions: unindexed but correct
        log.warning("pg_trgm unavailable, the question search stays unindexed: %s", exc)
        return
    run(conn, POSTGRES_SEARCH)


def install(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Create what is missing; recount when a trigger was missing. True when it did something."""
    conn = conn or connection
    if conn.vendor not in ("sqlite", "postgresql"):
        return False
    if "questions_clustersite" not in conn.introspection.table_names():
        return False  # migrated back before the tallies existed
    if conn.vendor == "postgresql":
        run(conn, [POSTGRES_KB_TABLE])
        _postgres_search(conn)
    if installed(conn):
        return False
    with transaction.atomic(using=conn.alias):
        if conn.vendor == "postgresql":
            # Django's deferred foreign-key checks would make PostgreSQL refuse to alter the
            # table's triggers inside a transaction that has just written to it.
            run(conn, ["SET CONSTRAINTS ALL IMMEDIATE"])
        run(conn, SQLITE if conn.vendor == "sqlite" else POSTGRES)
        retally(conn)
    return True


def uninstall(conn: BaseDatabaseWrapper | None = None) -> None:
    """Drop the SQLite triggers: while they name the tables, SQLite refuses to rename a table a
    migration rebuilds ("error in trigger …: no such table"). `install` puts them back."""
    conn = conn or connection
    if conn.vendor == "sqlite":
        run(conn, [f"DROP TRIGGER IF EXISTS {name}" for name in (*TRIGGERS, *SQLITE_FTS_TRIGGERS)])


def before_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """pre_migrate: out of the way of table rebuilds."""
    from django.db import connections

    uninstall(connections[using])


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: the tables may have been rebuilt (SQLite) or just created."""
    from django.db import connections

    install(connections[using])
