"""The load test is a script (`bench/load_apply.py`); its verdict function is tested here so it cannot rot."""

from collections import Counter

from bench.load_apply import LoadResult, check


def sound(**overrides) -> LoadResult:
    values = {
        "database": "sqlite",
        "requests": 10,
        "statuses": Counter({302: 8, 429: 1, 503: 1}),
        "successes": 8,
        "rows": 8,
        "distinct_emails": 8,
        "stored_files": 16,
    }
    values.update(overrides)
    return LoadResult(**values)


def test_a_sound_run_with_some_overload_refusals_passes():
    assert check(sound()) == []


def test_it_reports_rows_without_a_successful_response():
    assert check(sound(rows=9, distinct_emails=9, stored_files=18)) == ["9 rows for 8 successful responses"]


def test_it_reports_a_missing_file():
    assert check(sound(stored_files=15)) == ["15 stored files for 8 rows (2 each expected)"]


def test_it_reports_duplicates():
    assert check(sound(distinct_emails=7)) == ["1 duplicate application(s)"]


def test_it_reports_500s_and_a_locked_database_seen_by_users():
    problems = check(sound(statuses=Counter({302: 8, 500: 2}), locked_bodies=1))

    assert problems == ["2 response(s) 500", "'database is locked' reached users 1 time(s)"]


def test_it_reports_lost_requests_and_unexpected_answers():
    problems = check(sound(statuses=Counter({302: 8, "error: TimeoutError": 1})))

    assert problems == ["unexpected answers: {'error: TimeoutError': 1}", "9 answers for 10 requests"]
