"""The verdicts of the benchmark (bench/report.py, bench/run.py --from-json) on made-up results: a missed budget
fails the run, a page-cache hit fails a scenario meant to render every page, a budget is judged at its own
scale only and is listed as not measured when that scale did not run."""

import json

import pytest

from bench import report, run


def page(rps: float, p50_ms: float = 20.0, **extra) -> dict:
    return {
        "rps": rps,
        "requests": int(rps * 10),
        "p50_ms": p50_ms,
        "p90_ms": p50_ms * 1.5,
        "p99_ms": p50_ms * 2,
        "errors": 0,
        "path": "/",
        "cpu_s": {"server": rps * 10 * 0.004, "postgres": rps * 10 * 0.001, "client": 0.1},
        **extra,
    }


def uncached(rps: float, hits: int = 0, **extra) -> dict:
    requests = int(rps * 10)
    return page(rps, uncached=True, counted=True, hits=hits, misses=requests - hits, **extra)


def scale_results(applications: int = 200_000, **scenarios) -> dict:
    """Every budgeted wrk scenario of a 10k/200k run, comfortably within budget, with `scenarios` replaced."""
    results = {
        "applications": applications,
        "setup": {"generate_s": 1.0, "open_postings": 400},
        "healthz": page(1000.0, 2.0, counted=False),
        "listing": page(800.0, counted=True, hits=7990, misses=10),
        "listing_uncached": uncached(100.0),
        "filtered_uncached": uncached(100.0),
        "search_uncached": uncached(100.0),
        "detail": page(800.0, counted=True, hits=7990, misses=10),
        "detail_uncached": uncached(200.0),
        "recruiter_listing": page(100.0, counted=True, hits=0, misses=0),
    }
    results.update(scenarios)
    return results


def verdict(all_results: dict, tmp_path, *options) -> tuple[int, str]:
    """Exit status and report of `bench/run.py --from-json` on these results."""
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps({"args": {}, "machine": {}, "command": "bench", "results": all_results}))
    output = tmp_path / "report.md"
    status = run.main(["--from-json", str(saved), "--output", str(output), "--notes", "", *options])
    return status, output.read_text()


def verdict_section(text: str) -> str:
    return text.split("## Verdict", 1)[1]


def test_a_run_within_every_measured_budget_exits_0(tmp_path):
    status, text = verdict({10_000: scale_results()}, tmp_path)

    assert status == 0
    assert "All budgets measured in this run were met" in verdict_section(text)
    assert "❌" not in text


def test_a_missed_budget_exits_1_and_is_named_in_the_verdict(tmp_path):
    status, text = verdict({10_000: scale_results(listing_uncached=uncached(50.0))}, tmp_path)

    assert status == 1
    assert "- ❌ 10k/200k: listing_uncached ratio 0.050 < 0.06" in verdict_section(text)


def test_errors_fail_a_scenario_within_its_ratio(tmp_path):
    status, text = verdict({10_000: scale_results(detail_uncached=uncached(200.0, errors=3))}, tmp_path)

    assert status == 1
    assert "detail_uncached: 3 error(s)" in verdict_section(text)


def test_a_page_cache_hit_fails_a_scenario_that_must_render_every_page(tmp_path):
    status, text = verdict({10_000: scale_results(search_uncached=uncached(100.0, hits=1))}, tmp_path)

    assert status == 1
    assert "search_uncached served 1 request(s) from the page cache (expected 0)" in verdict_section(text)
    assert "1 of 1000 ❌ expected 0" in text


def test_a_page_cache_hit_fails_the_recruiter_listing(tmp_path):
    recruiter = page(100.0, counted=True, hits=2, misses=0)

    status, text = verdict({10_000: scale_results(recruiter_listing=recruiter)}, tmp_path)

    assert status == 1
    assert "recruiter_listing served 2 request(s) from the page cache" in verdict_section(text)


def test_hits_in_a_cached_scenario_are_a_hit_rate_not_a_failure(tmp_path):
    status, text = verdict({10_000: scale_results()}, tmp_path)

    assert status == 0
    assert "| 7990 of 8000 (99.9%) |" in text


def test_a_scenario_measured_at_another_scale_gets_no_verdict(tmp_path):
    slow = scale_results(listing_uncached=uncached(1.0), applications=20_000)

    status, text = verdict({1000: slow}, tmp_path)

    assert status == 0
    assert "≥ 0.06 at 10k/200k: not judged here" in text
    assert "❌" not in text
    assert "No budget could be judged" in verdict_section(text)
    assert "listing_uncached (≥ 0.06 at 10k/200k)" in verdict_section(text)


def test_a_scale_with_other_applications_is_not_the_budget_scale(tmp_path):
    status, text = verdict(
        {10_000: scale_results(listing_uncached=uncached(1.0), applications=20_000)}, tmp_path
    )

    assert status == 0
    assert "listing_uncached (≥ 0.06 at 10k/200k)" in verdict_section(text)


def test_budgets_whose_scale_did_not_run_are_listed_as_not_measured(tmp_path):
    status, text = verdict({10_000: scale_results()}, tmp_path)
    section = verdict_section(text)

    assert status == 0
    assert "Not measured in this run" in section
    assert "broad_search_uncached (≥ 0.02, p50 ≤ 150 ms at 100k/200k)" in section
    assert "admin_list (≥ 0.02 at 100k/200k)" in section
    assert "apply (p50 ≤ 100 ms at 10k/200k)" in section
    assert "listing_uncached" not in section


def test_broad_search_fails_on_its_p50_even_within_its_ratio(tmp_path):
    broad = uncached(30.0, p50_ms=240.0)

    status, text = verdict({100_000: scale_results(broad_search_uncached=broad)}, tmp_path)

    assert status == 1
    assert "100k/200k: broad_search_uncached p50 240 ms > 150 ms" in verdict_section(text)
    assert "broad_search_uncached ratio" not in verdict_section(text)


def apply_results(p50_ms: float, rows: int = 500, files: int = 500, ok: int = 500) -> dict:
    outcomes = {"ok": ok}
    healthz = {"rps": 2000.0, "ok": 20_000, "p50_ms": 3.0, "p90_ms": 4.0, "outcomes": {"ok": 20_000}}
    apply = {"rps": 50.0, "ok": ok, "p50_ms": p50_ms, "p90_ms": p50_ms * 1.2, "outcomes": outcomes}
    return {
        "py_healthz": healthz,
        "apply": {**apply, "rows": rows, "stored_files": files},
        "apply_floor": {"rps": 250.0, "server_ms": 4.0},
        "setup": {"generate_s": 1.0, "open_postings": 400, "apply": "/offres/x/candidater/"},
    }


@pytest.mark.parametrize(
    ("apply", "missed"),
    [
        (apply_results(80.0), None),
        (apply_results(120.0), "apply POST p50 120.0 ms > 100 ms"),
        (apply_results(80.0, files=499), "apply rows 500 / files 499 / successes 500"),
    ],
)
def test_the_apply_budget_is_its_p50_and_rows_files_and_successes_agreeing(tmp_path, apply, missed):
    status, text = verdict({10_000: scale_results(**apply)}, tmp_path)

    assert status == (1 if missed else 0)
    if missed:
        assert missed in verdict_section(text)
    assert "apply at 0.200 of the floor (no budget)" in text


def test_apply_rows_files_and_successes_must_agree_at_every_scale(tmp_path):
    small = scale_results(applications=20_000, **apply_results(80.0, ok=0))

    status, text = verdict({1000: small}, tmp_path)

    assert status == 1
    assert "1k/20k: apply rows 500 / files 500 / successes 0" in verdict_section(text)
    assert "p50 ≤ 100 ms at 10k/200k: not judged here; consistent ❌" in text


def test_the_apply_budget_is_not_judged_at_another_concurrency(tmp_path):
    saved = {10_000: scale_results(**apply_results(500.0))}

    status, text = verdict(saved, tmp_path, "--connections", "16")

    assert status == 0
    assert "not judged at 16" in text


def test_the_baseline_shows_the_earlier_ratio_and_p50_beside_each_scenario(tmp_path):
    before = tmp_path / "before.json"
    earlier = scale_results(listing_uncached=uncached(20.0, p50_ms=110.0))
    before.write_text(json.dumps({"args": {}, "results": {"10000": earlier}}))

    status, text = verdict({10_000: scale_results()}, tmp_path, "--baseline", str(before))

    assert status == 0
    assert "| before: ratio, p50 |" in text
    assert "| 0.100 | 0.020, 110.0 ms | ≥ 0.06 ✅ |" in text


def test_the_cpu_per_request_of_workers_and_database_is_beside_each_ratio():
    lines, _missed, _missing = report.evaluate({10_000: scale_results()}, run_args())

    listing = next(line for line in lines if line.startswith("| listing_uncached |"))
    assert "| 4.00 + 1.00 |" in listing


def run_args():
    class Args:
        connections = 8
        compare_pgoptions = ""

    return Args()
