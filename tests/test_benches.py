"""The benches run the real code paths; a small run here keeps them from rotting between
full-scale measurements. Figures are checked for shape and sense, not for speed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _run(script: str, out: Path, *args: str) -> dict:
    env = dict(os.environ)
    env.pop("DIEMCAU_DATA_DIR", None)
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--runs", "1", "--out", str(out), *args],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    stored = json.loads(out.read_text())
    assert len(stored) == 1
    return next(iter(stored.values()))


@pytest.mark.parametrize("naive", [False, True])
def test_foundation_bench_measures_units_demo_and_lists(tmp_path, naive):
    args = ["--sites", "400"] + ([] if naive else ["--no-naive"])
    figures = _run("bench_foundation.py", tmp_path / "f.json", *args)
    median = figures["median"]
    assert figures["sites"] == 400
    assert median["units_empty_s"] > 0 and median["demo_load_s"] > 0
    assert median["province_sites"] > 0
    assert ("naive_create_s" in median) == naive


def test_sites_import_bench_measures_import_and_export(tmp_path):
    figures = _run("bench_sites_import.py", tmp_path / "s.json", "--rows", "300", "--no-naive")
    assert figures["rows"] == 300
    assert figures["import_rows_per_s"] > 0 and figures["export_csv_rows_per_s"] > 0


def test_delegates_import_bench_measures_the_fast_path_and_the_naive_one(tmp_path):
    figures = _run(
        "bench_delegates_import.py",
        tmp_path / "d.json",
        "--rows",
        "3000",
        "--sites",
        "200",
        "--xlsx-rows",
        "500",
    )
    assert figures["rows"] == 3000
    text = json.dumps(figures)
    assert "naive" in text and "xlsx" in text


def test_checkins_bench_measures_batches_the_naive_path_and_the_summary(tmp_path):
    figures = _run(
        "bench_checkins.py",
        tmp_path / "c.json",
        "--delegates",
        "3000",
        "--sites",
        "100",
        "--naive",
        "200",
    )
    assert figures["delegates"] == 3000
    batches = figures["batches"]
    assert batches["errors"] == 0 and batches["accepted"] + figures["warm_up"]["accepted"] == 3000
    assert figures["naive_one_scan_per_request"]["accepted"] == 200
    assert figures["summary"]["counters_agree"]
    assert figures["summary"]["root_session1"]["checked_in"] == 3000


def test_questions_bench_measures_clustering_pairing_and_routing(tmp_path):
    out = tmp_path / "q.json"
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "bench_questions.py"),
            "--runs",
            "1",
            "--questions",
            "1500",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    figures = json.loads(out.read_text())
    assert figures["scale"] and figures["labelled"] and figures["routing"]
    routing = figures["routing"]
    assert (
        routing["keywords_and_labelled"]["accuracy"]
        > routing["baseline_majority_sector"]["accuracy"]
    )


def test_question_pages_bench_times_pages_and_the_naive_paths(tmp_path):
    figures = _run(
        "bench_question_pages.py", tmp_path / "q.json", "--questions", "1000", "--sites", "300"
    )
    assert figures["median_ms"]["moderation_page_central"] > 0
    assert figures["naive_kb_hits_agree"] == {"accented": True, "plain": True, "short": True}


def test_assessment_bench_measures_completion_verification_and_submissions(tmp_path):
    figures = _run(
        "bench_assessment.py", tmp_path / "a.json", "--delegates", "5000", "--sites", "100",
        "--submissions", "100", "--naive", "10", "--verify", "200",
        "--clients", "4", "--wrk-seconds", "2", "--wrk-attempts", "300",
    )  # fmt: skip
    assert figures["completion"]["counters_agree_with_recount"] is True
    assert figures["verification"]["states"]["unknown"] > 0
    assert figures["quiz_submissions"]["submitted_rows"] == 100
    assert figures["quiz_submissions_django_path"]["submitted_rows"] == 100
    assert figures["quiz_submissions_wrk"]["distinct_attempts_submitted"] > 0


def test_reports_bench_checks_its_totals(tmp_path):
    figures = _run(
        "bench_reports.py", tmp_path / "r.json", "--sites", "300", "--delegates", "20000",
        "--questions", "1000", "--incidents", "100", "--no-naive",
    )  # fmt: skip
    assert figures["all_checks_pass"] is True


def test_audit_bench_compares_the_hot_paths_with_the_trail_on_and_off(tmp_path):
    figures = _run(
        "bench_audit.py", tmp_path / "a.json", "--delegates", "2000", "--sites", "40",
        "--duration", "1",
    )  # fmt: skip
    assert figures["errors"] == 0
    assert figures["audit_entries_written_during_loads"] == 0  # batch paths: no entry per row
    assert figures["checkin_batches"]["runs_on"][0]["accepted"] == 2000
    assert figures["checkin_batches"]["runs_off"][0]["accepted"] == 2000
    for path in ("heartbeats_fast_path", "heartbeats_through_django"):
        assert figures[path]["on"]["achieved_rate"] > 0 < figures[path]["off"]["achieved_rate"]


def test_operations_pages_bench_lists_maps_and_exports(tmp_path):
    figures = _run("bench_operations_pages.py", tmp_path / "o.json", "--sites", "400", "--no-naive")
    states = figures["data"]["states"]
    assert figures["sites"] == sum(states.values()) == 400
    assert figures["exported_rows"] == states["never"] + states["offline"] + states["degraded"]
    median = figures["median_ms"]
    assert median["call_list_central"] > 0 and median["map_central"] > 0
    assert "naive_call_list" not in median


def test_exports_bench_writes_every_list_and_the_naive_one(tmp_path):
    args = ["--delegates", "3000", "--sites", "60", "--naive", "300"]
    figures = _run("bench_exports.py", tmp_path / "e.json", *args)
    assert figures["national_attendance_csv"]["rows"] == 3000
    assert figures["national_attendance_xlsx"]["rows"] == 3000
    assert 0 < figures["national_attendance_xlsx"]["peak_rss_mb"] < 1000
    assert figures["naive_orm_xlsxwriter"]["sample_rows"] == 300
    assert figures["speedup_national_xlsx_vs_naive_cpu"] > 0


def test_paperlist_bench_records_a_list_once(tmp_path):
    args = ["--delegates", "3000", "--sites", "60", "--rows", "1000", "--naive", "50"]
    figures = _run("bench_paperlist.py", tmp_path / "p.json", *args)
    assert figures["report"].startswith("1.000 dòng: 995 lượt điểm danh đã ghi")
    assert figures["xlsx_record_cpu_s"] > 0 and figures["speedup_vs_naive_cpu"] > 0


def test_console_live_bench_measures_the_live_state_beside_the_naive_count(tmp_path):
    figures = _run(
        "bench_console_live.py", tmp_path / "c.json", "--sites", "60", "--delegates", "3000",
        "--questions", "300", "--sample", "10", "--naive-sample", "3",
    )  # fmt: skip
    assert figures["sites"] == 60 and figures["sampled_sites"] == 10
    assert 0 < figures["checkins"] < 3000  # a share checked in, checked against the live state
    assert figures["live_state"]["median_ms"] > 0 < figures["roster_baseline"]["median_ms"]
    assert figures["naive_count_by_site_column"]["calls"] == 3


def test_question_quality_bench_compares_the_engine_with_its_baselines(tmp_path):
    out = tmp_path / "qq.json"
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "bench_question_quality.py"),
            "--sets",
            "tuning",
            "--orders",
            "1",
            "--variants",
            "engine,engine_before,baseline_tfidf_words",
            "--questions",
            "1500",
            "--probes",
            "50",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    figures = json.loads(out.read_text())
    clusters = figures["tuning"]["clustering"]
    engine = clusters["engine"]["shipped_threshold"]["f1"]
    assert engine > clusters["engine_before"]["shipped_threshold"]["f1"]
    assert engine > clusters["baseline_tfidf_words"]["best_threshold_after_the_fact"]["f1"]
    assert figures["tuning"]["routing"]["engine"]["accuracy"] > 0.8
    retrieval = figures["tuning"]["retrieval"]  # the pair scorer, refitted fold by fold
    assert retrieval["engine_reranked"]["r_at_1"] > retrieval["engine"]["r_at_1"]
    confirmed = figures["tuning"]["routing"]["with_confirmations"]  # a twin's confirmed sector
    assert confirmed["engine"]["accuracy"] > confirmed["engine_before"]["accuracy"]
    proposals = figures["tuning"]["merge_proposals"]  # every proposal accepted
    assert proposals["f1_every_proposal_accepted"] > proposals["f1_intake_alone"]
    assert figures["scale"]["intake_lookup_ms_p50"] > 0


def test_recordings_bench_measures_catch_up_behind_relays_and_the_cut(tmp_path):
    args = ["--viewers", "20", "--relays", "2", "--segments", "2", "--seconds", "8"]
    figures = _run("bench_recordings.py", tmp_path / "r.json", *args, "--hours", "0.02")
    median = figures["median"]
    # Behind the relays the origin sends each segment at most once per relay.
    assert 1 <= median["origin_max_requests_per_segment_behind_relays"] <= 2
    assert median["origin_requests_second_wave"] == 0
    assert median["baseline_origin_max_requests_per_segment_direct"] > 2
    assert median["session_to_recording_s"] > 0
    assert median["baseline_probe_each_segment_s"] > median["session_to_recording_s"]
