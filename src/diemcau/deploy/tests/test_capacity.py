"""The capacity model as an organiser reads it: more sites never need fewer servers or relays,
the day survives one server's death, the relays carry every site's picture, and the model does
not ask more than one 2-core machine for the load that machine sustained in the simulation."""

import itertools
import json
from pathlib import Path

from click.testing import CliRunner

from diemcau.deploy.capacity import COSTS, Assumptions, plan
from diemcau.deploy.cli import capacity_cmd

RESULTS = Path(__file__).resolve().parents[4] / "bench" / "results"


def test_more_sites_never_need_less() -> None:
    sizes = [(1_000, 100_000), (11_000, 1_500_000), (35_000, 3_000_000), (100_000, 10_000_000)]
    plans = [plan(s, d) for s, d in sizes]
    for small, big in itertools.pairwise(plans):
        assert big.total_cores >= small.total_cores
        assert big.app_servers >= small.app_servers and big.relays >= small.relays
    assert all(p.app_servers >= 2 for p in plans)  # one server may die on the day


def test_the_relays_carry_every_site_and_the_servers_the_peak() -> None:
    a = Assumptions()
    p = plan(35_000, 3_000_000, a)
    assert p.relays * a.relay_mbps * a.utilisation >= 35_000 * a.bitrate_kbps / 1000
    assert (p.app_servers - 1) * a.cores_per_server * a.utilisation >= p.total_cores


def test_the_model_fits_the_simulated_day_on_the_machine_that_ran_it() -> None:
    """The full-scale simulation (11,000 sites, 1.5M delegates) ran its compressed day on one
    2-core machine: the rates it sustained, priced by the model, must fit in 2 cores."""
    day = json.loads((RESULTS / "simulation-sqlite.json").read_text())
    seconds = day["day_s"]
    scans = sum(n for k, n in day["answers"].items() if k.startswith("checkin"))
    cores = (
        scans / seconds * COSTS["checkin_scan"][0]
        + day["requests"]["heartbeat"]["per_s"] * COSTS["heartbeat"][0]
        + day["requests"]["question"]["per_s"] * COSTS["page"][0]
    )
    assert 0 < cores <= 2


def test_the_command_prints_the_plan_in_vietnamese() -> None:
    result = CliRunner().invoke(capacity_cmd, ["--sites", "35000", "--delegates", "3000000"])
    assert result.exit_code == 0, result.output
    assert "35.000 điểm cầu" in result.output and "máy chủ ứng dụng" in result.output
    assert "Trạm chuyển tiếp" in result.output


def test_the_relays_also_carry_catch_up_viewers() -> None:
    """Delegates watching recordings go through the same relays as the live picture."""
    live_only = plan(11_000, 1_500_000, Assumptions(catchup_share=0))
    a = Assumptions(catchup_share=0.01)
    both = plan(11_000, 1_500_000, a)
    assert both.catchup_viewers == 15_000
    assert both.catchup_egress_gbps == 15_000 * a.catchup_kbps / 1e6
    assert both.relay_egress_gbps == live_only.relay_egress_gbps + both.catchup_egress_gbps
    assert both.relays * a.relay_mbps * a.utilisation >= both.relay_egress_gbps * 1000
    assert both.relays > live_only.relays
    result = CliRunner().invoke(
        capacity_cmd, ["--sites", "11000", "--delegates", "1500000", "--catchup-share", "0.02"]
    )
    assert "xem lại 32.9 Gbit/s: 30.000 đại biểu" in result.output, result.output
