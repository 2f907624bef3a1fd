"""The budgets of bench/run.py, their verdicts and the report it writes (docs/performance.md).

Nothing here measures: `evaluate()` reads the results of a run (the dict `run.py --json` saves), so the verdicts
can be tested on made-up results (tests/bench/test_report.py) and a report written again from a saved run.

A budget is judged only at its own scale (postings and applications both); a scenario measured at another scale
is reported without a verdict, and a budget whose scale or scenario is missing from the run is listed as "not
measured", never passed. Two checks hold at every scale, because without them the figures would not be what
they claim: a scenario meant to render every page fails when the page cache served any of its requests, and
the apply flow fails when its new rows, stored files and successful POSTs disagree.
"""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Scale:
    postings: int
    applications: int

    def __str__(self) -> str:
        return f"{self.postings // 1000}k/{self.applications // 1000}k"


ISSUE_SCALE = Scale(10_000, 200_000)
LARGE_SCALE = Scale(100_000, 200_000)


@dataclass(frozen=True)
class Budget:
    ratio: float | None = None  # req/s over the /healthz req/s of the same run, at least
    p50_ms: float | None = None  # median latency under load, at most
    scale: Scale = ISSUE_SCALE

    def __str__(self) -> str:
        parts = [
            f"≥ {self.ratio}" if self.ratio is not None else "",
            f"p50 ≤ {self.p50_ms:g} ms" if self.p50_ms else "",
        ]
        return ", ".join(part for part in parts if part)


# The wrk scenarios in the report's order, with what each one asks of the server.
WRK_SCENARIOS = {
    "healthz": "the reference: a view that answers from the middleware, no database",
    "listing": "the listing, replayed from the page cache",
    "listing_uncached": "the listing, rendered for every request (a new `utm_source` each)",
    "filtered": "a filtered listing, replayed from the page cache",
    "filtered_uncached": "a filtered listing, rendered for every request",
    "search": "a narrow keyword search, replayed from the page cache",
    "search_uncached": "a narrow keyword search, rendered for every request",
    "broad_search_uncached": "a search for a word of nearly every posting, rendered for every request",
    "detail": "a posting page, replayed from the page cache",
    "detail_uncached": "the same posting page, rendered for every request",
    "recruiter_listing": "the listing for a signed-in recruiter (session cookie: never from the page cache)",
    "admin_list": "the back-office application list of the recruiter",
}
# Scenarios whose every request must be rendered: one page-cache hit fails them.
MUST_RENDER = {
    "listing_uncached",
    "filtered_uncached",
    "search_uncached",
    "broad_search_uncached",
    "detail_uncached",
    "recruiter_listing",
}
PAGE_BUDGETS = {
    "listing": Budget(ratio=0.6),
    "listing_uncached": Budget(ratio=0.06),
    "filtered_uncached": Budget(ratio=0.08),
    "search_uncached": Budget(ratio=0.05),
    "broad_search_uncached": Budget(ratio=0.02, p50_ms=150, scale=LARGE_SCALE),
    "detail": Budget(ratio=0.6),
    "detail_uncached": Budget(ratio=0.15),
    "recruiter_listing": Budget(ratio=0.05),
    "admin_list": Budget(ratio=0.02, scale=LARGE_SCALE),
}
# The apply flow (Python client, form GET + 1 MB POST): the POST's p50 at this concurrency, and rows == stored
# files == successful POSTs. Its ratios (to /healthz, to the upload floor) are reported without a budget.
APPLY_BUDGET = Budget(p50_ms=100)
APPLY_CONCURRENCY = 8
EXPORT_SCALE = ISSUE_SCALE
EXPORT_BUDGETS = {
    "csv_rows_per_s": 50_000,
    "csv_peak_rss_mb": 120,
    "csv_rss_growth": 1.25,  # peak RSS at 200k rows / at 20k rows: "flat"
    "xlsx_peak_rss_mb": 200,
}
CSV_SMALL_ROWS = 20_000  # the flatness budget compares the export of this many rows (or fewer) with 200k
LISTING_P50_100K_OVER_1K = 1.5


def scale_of(results: dict, postings) -> Scale:
    return Scale(int(postings), results["applications"])


def load_results(path: Path) -> dict:
    """A `--json` file of bench/run.py: {"args", "machine", "recorded_at", "command", "results"}, results keyed
    by number of postings (an early file held the results alone)."""
    saved = json.loads(Path(path).read_text())
    if "results" not in saved:
        saved = {"args": {}, "command": "python bench/run.py", "results": saved}
    saved["results"] = {int(k): v for k, v in saved["results"].items()}
    return saved


def cpu_ms(result: dict, count: int | None = None) -> tuple[float, float] | None:
    """CPU milliseconds per request of gunicorn's workers and of the PostgreSQL backends."""
    count = result.get("requests", result.get("ok")) if count is None else count
    if "cpu_s" not in result or not count:
        return None
    return result["cpu_s"]["server"] * 1000 / count, result["cpu_s"]["postgres"] * 1000 / count


def fmt_cpu(result: dict, count: int | None = None) -> str:
    cpu = cpu_ms(result, count)
    return "–" if cpu is None else f"{cpu[0]:.2f} + {cpu[1]:.2f}"


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def fmt_ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def hits_cell(name: str, result: dict) -> tuple[str, bool]:
    """The page-cache hits of a wrk scenario, and whether they are acceptable."""
    if not result.get("counted"):
        return "not counted" if name in MUST_RENDER else "–", True
    hits, misses, requests = result["hits"], result.get("misses", 0), result["requests"]
    if name in MUST_RENDER:
        ok = hits == 0
        note = "" if hits or misses or name == "recruiter_listing" else " (no X-Page-Cache header seen)"
        return f"{hits} of {requests} {'✅' if ok else '❌ expected 0'}{note}", ok
    return f"{hits} of {requests} ({hits / requests:.1%})" if requests else "0", True


def page_verdict(name: str, result: dict, reference_rps: float, scale: Scale) -> tuple[str, list[str]]:
    """The budget cell of a wrk scenario, and what it missed."""
    budget = PAGE_BUDGETS.get(name)
    if name == "healthz":
        return "reference", []
    if budget is None:
        return "–", []
    if budget.scale != scale:
        return f"{budget} at {budget.scale}: not judged here", []
    ratio = result["rps"] / reference_rps
    missed = []
    if ratio < budget.ratio:
        missed.append(f"{name} ratio {ratio:.3f} < {budget.ratio}")
    if budget.p50_ms is not None and result["p50_ms"] > budget.p50_ms:
        missed.append(f"{name} p50 {result['p50_ms']:.0f} ms > {budget.p50_ms:g} ms")
    if result["errors"]:
        missed.append(f"{name}: {result['errors']} error(s)")
    return f"{budget} {'❌' if missed else '✅'}", [f"{scale}: {item}" for item in missed]


def before_cell(baseline: dict | None, name: str, scale: Scale, reference: str = "healthz") -> str:
    """Ratio and p50 of the same scenario at the same scale in the baseline run."""
    if baseline is None:
        return ""
    earlier = baseline.get(scale.postings)
    if not earlier or earlier.get("applications") != scale.applications or name not in earlier:
        return " – |"
    result = earlier[name]
    if name == reference:
        return f" reference, {fmt_ms(result.get('p50_ms'))} ms |"
    ref = earlier.get(reference, {}).get("rps")
    ratio = f"{result['rps'] / ref:.3f}" if ref else "–"
    return f" {ratio}, {fmt_ms(result.get('p50_ms'))} ms |"


def evaluate(all_results: dict, args, baseline: dict | None = None) -> tuple[list[str], list[str], list[str]]:
    """Markdown lines of the report, the budgets missed, and the budgets this run did not measure."""
    lines, missed = [], []
    scales = sorted(all_results)
    before_head = " before: ratio, p50 |" if baseline is not None else ""
    for postings in scales:
        r = all_results[postings]
        scale = scale_of(r, postings)
        ref = r["healthz"]["rps"] if "healthz" in r else None
        lines += [
            "",
            f"### {thousands(postings)} postings, {thousands(r['applications'])} applications",
            "",
            f"Data generated in {r['setup']['generate_s']:.0f} s ({r['setup']['open_postings']} postings open). "
            "Load average (1 min) at the start of each scenario: "
            + ", ".join(f"{k} {v}" for k, v in r.get("loadavg", {}).items())
            + ". Seconds waited before each scenario for the previous one's leftover requests to finish: "
            + ", ".join(f"{k} {v:.0f}" for k, v in r.get("settle_s", {}).items())
            + ".",
            "",
            f"| scenario | path | req/s | ratio to /healthz |{before_head} budget | CPU ms/req server + PostgreSQL "
            "| p50 ms | p90 ms | p99 ms | errors | page-cache hits |",
            f"| --- | --- | ---: | ---: |{' ---: |' if baseline is not None else ''} --- | ---: | ---: | ---: "
            "| ---: | ---: | ---: |",
        ]
        for name in [name for name in WRK_SCENARIOS if name in r]:
            s = r[name]
            verdict, failed = page_verdict(name, s, ref, scale)
            hits, hits_ok = hits_cell(name, s)
            if not hits_ok:
                failed.append(
                    f"{scale}: {name} served {s['hits']} request(s) from the page cache (expected 0)"
                )
            missed += failed
            uncached = s.get("uncached", name.endswith("_uncached"))  # a run before the flag was saved
            path = f"`{s['path']}` + a new `utm_source` each" if uncached else f"`{s['path']}`"
            if name in ("recruiter_listing", "admin_list"):
                path += " (session)"
            lines.append(
                f"| {name} | {path} | {s['rps']:.1f} | {s['rps'] / ref:.3f} |{before_cell(baseline, name, scale)} "
                f"{verdict} | {fmt_cpu(s)} | {s['p50_ms']:.1f} | {s['p90_ms']:.1f} | {s['p99_ms']:.1f} | "
                f"{s['errors']} | {hits} |"
            )
        if "apply" in r:
            apply_lines, apply_missed = evaluate_apply(r, scale, args, ref, baseline)
            lines += apply_lines
            missed += apply_missed
        lines.append("")
        lines += compare_lines(r, args)
        lines += export_lines(r)
    across, across_missed = evaluate_across_scales(all_results)
    lines += across
    missed += across_missed
    return lines, missed, not_measured(all_results)[0]


def evaluate_apply(
    r: dict, scale: Scale, args, wrk_ref: float | None, baseline
) -> tuple[list[str], list[str]]:
    py_ref, apply = r["py_healthz"], r["apply"]
    apply_ratio = apply["rps"] / py_ref["rps"] if py_ref["rps"] else 0
    consistent = apply["rows"] == apply["stored_files"] == apply["ok"]
    p50 = apply["p50_ms"]
    concurrency = getattr(args, "connections", APPLY_CONCURRENCY)
    # Rows, files and successes must agree at every scale, like the page-cache hits: otherwise the figures
    # count something else than applications taken. The p50 is judged at the budget's scale only.
    missed = []
    if not consistent:
        missed.append(
            f"{scale}: apply rows {apply['rows']} / files {apply['stored_files']} / successes {apply['ok']}"
        )
    if scale != APPLY_BUDGET.scale:
        verdict = f"{APPLY_BUDGET} at {APPLY_BUDGET.scale}: not judged here"
    elif concurrency != APPLY_CONCURRENCY:
        verdict = f"{APPLY_BUDGET} at concurrency {APPLY_CONCURRENCY}: not judged at {concurrency}"
    else:
        if p50 is None or p50 > APPLY_BUDGET.p50_ms:
            missed.append(f"{scale}: apply POST p50 {fmt_ms(p50)} ms > {APPLY_BUDGET.p50_ms:g} ms")
        verdict = f"{APPLY_BUDGET} {'❌' if missed else '✅'}"
    verdict += f"; consistent {'✅' if consistent else '❌'}"
    errors = sum(v for k, v in apply["outcomes"].items() if k != "ok")
    ratios = f"{apply_ratio:.3f}" + (f" (to wrk /healthz {apply['rps'] / wrk_ref:.3f})" if wrk_ref else "")
    floor = r.get("apply_floor")
    lines = [
        f"| healthz (Python client) | `/healthz` | {py_ref['rps']:.0f} | reference |"
        f"{before_cell(baseline, 'py_healthz', scale, reference='py_healthz')} – | "
        f"{fmt_cpu(py_ref)} | {fmt_ms(py_ref['p50_ms'])} | {fmt_ms(py_ref['p90_ms'])} | – | "
        f"{sum(v for k, v in py_ref['outcomes'].items() if k != 'ok')} | – |",
        f"| apply (Python client: form GET + 1 MB POST; latencies: the POST) | `{r['setup']['apply']}` | "
        f"{apply['rps']:.1f} | {ratios} |{before_cell(baseline, 'apply', scale, reference='py_healthz')} {verdict} | {fmt_cpu(apply)} | {fmt_ms(p50)} | "
        f"{fmt_ms(apply['p90_ms'])} | – | {errors} | – |",
        "",
        f"Apply: {apply['ok']} successful POSTs (302 to the confirmation), {apply['rows']} new rows, "
        f"{apply['stored_files']} CV files on disk: {'consistent ✅' if consistent else 'MISMATCH ❌'}. "
        f"Outcomes: `{json.dumps(apply['outcomes'])}`.",
    ]
    if floor:
        lines.append(
            f"Upload floor (`bench/apply_floor.py`'s `healthz+receive`: a GET of /healthz and the same POST to a "
            f"view that only parses the upload, right after the apply run): {floor['rps']:.1f} req/s; apply at "
            f"{apply['rps'] / floor['rps']:.3f} of the floor (no budget), CPU ms per request of its workers "
            f"{floor['server_ms']:.1f}."
        )
    if "cpu_s" in apply and "cpu_s" in py_ref and apply["ok"] and py_ref["ok"]:
        lines += ["", cpu_line(py_ref, apply)]
    return lines, missed


def cpu_line(py_ref: dict, apply: dict) -> str:
    """CPU milliseconds per request of each side, and the throughput ratio they imply on an idle machine."""
    parts = ("server", "postgres", "client")
    per = {
        name: {part: result["cpu_s"][part] * 1000 / result["ok"] for part in parts}
        for name, result in (("healthz", py_ref), ("apply", apply))
    }
    totals = {name: sum(values.values()) for name, values in per.items()}
    return (
        "CPU per request, gunicorn workers + PostgreSQL backends + client: /healthz "
        + " + ".join(f"{per['healthz'][part]:.2f}" for part in parts)
        + f" = {totals['healthz']:.2f} ms; one application (form GET + POST) "
        + " + ".join(f"{per['apply'][part]:.1f}" for part in parts)
        + f" = {totals['apply']:.1f} ms. Their ratio, {totals['healthz'] / totals['apply']:.3f}, is the apply "
        "ratio the two cores would give with nothing else running (it moves far less than req/s with the "
        "machine's other load)."
    )


def compare_lines(r: dict, args) -> list[str]:
    if "compare" not in r:
        return []
    c = r["compare"]
    lines = [
        f"Same scenarios on a second server started with `PGOPTIONS={args.compare_pgoptions!r}` "
        "(the setting suggested below), for comparison:",
        "",
        "| scenario | req/s | ratio to its /healthz | p50 ms | p90 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in c:
        lines.append(
            f"| {name} | {c[name]['rps']:.1f} | {c[name]['rps'] / c['healthz']['rps']:.3f} | "
            f"{c[name]['p50_ms']:.1f} | {c[name]['p90_ms']:.1f} | {c[name]['errors']} |"
        )
    return [*lines, ""]


def export_lines(r: dict) -> list[str]:
    lines = []
    for fmt_name in [name for name in ("csv", "xlsx") if name in r]:
        e = r[fmt_name]
        if "error" in e:
            lines.append(f"{fmt_name.upper()} export failed: `{e['error'].strip()[-300:]}`")
            continue
        runs = (
            f"; median of {len(e['runs_seconds'])} runs: "
            + ", ".join(f"{t:.1f}" for t in e["runs_seconds"])
            + " s"
            if e.get("runs_seconds")
            else ""
        )
        lines.append(
            f"{fmt_name.upper()} export (`manage.py export_applications --format {fmt_name}`): {e['rows']} rows "
            f"in {e['seconds']:.1f} s = {e['rows_per_s']:.0f} rows/s, peak RSS {e['peak_rss_mb']:.0f} MB, "
            f"{e['bytes'] / 1e6:.1f} MB written (process start-up included{runs})."
        )
    return [*lines, ""] if lines else []


def at_scale(all_results: dict, scale: Scale) -> dict | None:
    r = all_results.get(scale.postings)
    return r if r is not None and r["applications"] == scale.applications else None


def evaluate_across_scales(all_results: dict) -> tuple[list[str], list[str]]:
    """The export budgets (judged at 10k/200k only) and the listing's p50 from 1k to 100k postings."""
    lines, missed = ["### Budgets across scales", ""], []

    def judge(label: str, ok: bool, failure: str) -> None:
        lines.append(f"- {label} {'✅' if ok else '❌'}")
        if not ok:
            missed.append(failure)

    big = at_scale(all_results, EXPORT_SCALE) or {}
    for fmt_name in ("csv", "xlsx"):
        if "error" in big.get(fmt_name, {}):
            missed.append(f"{EXPORT_SCALE}: {fmt_name} export failed")
    csv = big.get("csv", {"error": "not run"})
    if "error" not in csv:
        rows = f"at {big['applications']} rows ({EXPORT_SCALE})"
        value = csv["rows_per_s"]
        judge(
            f"CSV rows/s {rows}: {value:.0f} (budget ≥ {EXPORT_BUDGETS['csv_rows_per_s']})",
            value >= EXPORT_BUDGETS["csv_rows_per_s"],
            f"CSV rows/s {rows}: {value:.0f}",
        )
        value = csv["peak_rss_mb"]
        judge(
            f"CSV peak RSS MB {rows}: {value:.0f} (budget ≤ {EXPORT_BUDGETS['csv_peak_rss_mb']})",
            value <= EXPORT_BUDGETS["csv_peak_rss_mb"],
            f"CSV peak RSS MB {rows}: {value:.0f}",
        )
        small = [
            all_results[p]
            for p in sorted(all_results)
            if all_results[p]["applications"] <= CSV_SMALL_ROWS
            and "error" not in all_results[p].get("csv", {"error": ""})
        ]
        if small:
            small_rss = small[0]["csv"]["peak_rss_mb"]
            growth = value / small_rss
            judge(
                f"CSV peak RSS {small[0]['applications']} → {big['applications']} rows: {small_rss:.0f} → "
                f"{value:.0f} MB (×{growth:.2f}, flat means ≤ ×{EXPORT_BUDGETS['csv_rss_growth']})",
                growth <= EXPORT_BUDGETS["csv_rss_growth"],
                f"CSV peak RSS grows ×{growth:.2f}",
            )
    xlsx = big.get("xlsx", {"error": "not run"})
    if "error" not in xlsx:
        judge(
            f"XLSX peak RSS at {big['applications']} rows: {xlsx['peak_rss_mb']:.0f} MB (budget ≤ "
            f"{EXPORT_BUDGETS['xlsx_peak_rss_mb']})",
            xlsx["peak_rss_mb"] <= EXPORT_BUDGETS["xlsx_peak_rss_mb"],
            f"XLSX peak RSS {xlsx['peak_rss_mb']:.0f} MB",
        )
    p50 = {p: all_results[p]["listing"]["p50_ms"] for p in sorted(all_results) if "listing" in all_results[p]}
    if 100_000 in p50 and 1000 in p50:
        ratio = p50[100_000] / p50[1000]
        judge(
            f"Listing p50 at 100k / at 1k postings: {ratio:.2f} (budget ≤ {LISTING_P50_100K_OVER_1K})",
            ratio <= LISTING_P50_100K_OVER_1K,
            f"listing p50 100k/1k {ratio:.2f}",
        )
    uncached = {
        p: all_results[p]["listing_uncached"]["p50_ms"]
        for p in sorted(all_results)
        if "listing_uncached" in all_results[p]
    }
    if len(uncached) > 1:
        small_p, large_p = min(uncached), max(uncached)
        lines.append(
            "- Listing p50 with every request rendered (no budget): "
            + ", ".join(f"{p} postings {ms:.1f} ms" for p, ms in uncached.items())
            + f"; {large_p} / {small_p} postings: {uncached[large_p] / uncached[small_p]:.2f}."
        )
    if len(lines) == 2:
        lines.append("- Nothing measured here in this run.")
    return lines, missed


def not_measured(all_results: dict) -> tuple[list[str], int]:
    """The budgets this run could not judge (their scale or their scenario did not run), and how many it did."""
    missing, judged = [], 0

    def needs(present: bool, label: str) -> None:
        nonlocal judged
        if present:
            judged += 1
        else:
            missing.append(label)

    for name, budget in [*PAGE_BUDGETS.items(), ("apply", APPLY_BUDGET)]:
        r = at_scale(all_results, budget.scale)
        needs(r is not None and name in r, f"{name} ({budget} at {budget.scale})")
    big = at_scale(all_results, EXPORT_SCALE) or {}
    for fmt_name in ("csv", "xlsx"):
        needs(fmt_name in big, f"{fmt_name.upper()} export budgets (at {EXPORT_SCALE})")
    if "csv" in big:
        needs(
            any(r["applications"] <= CSV_SMALL_ROWS and "csv" in r for r in all_results.values()),
            f"CSV peak RSS flatness (needs a scale of ≤ {CSV_SMALL_ROWS} applications too)",
        )
    listing = {p for p, r in all_results.items() if "listing" in r}
    needs({1000, 100_000} <= listing, "listing p50 at 100k over 1k postings (needs both scales)")
    return missing, judged


def write_report(
    path: Path, all_results: dict, info: dict, args, command: str, baseline: dict | None = None
) -> list[str]:
    """Writes the report; returns the budgets missed."""
    body, missed, missing = evaluate(all_results, args, baseline)
    recorded = str(getattr(args, "recorded_at", None) or datetime.datetime.now(datetime.UTC))
    baseline_note = []
    if baseline is not None:
        baseline_note = [
            "",
            f'The "before" column is the run of `{args.baseline}` at the same scale (ratio to its own '
            "`/healthz`, p50).",
        ]
    text = [
        "# Performance",
        "",
        "<!-- Written by bench/run.py; rerun it rather than editing the figures by hand. -->",
        "",
        f"Recorded {recorded[:16].replace('T', ' ')} UTC with `{command}`"
        + (f", code at commit {info['commit']}." if info.get("commit") else "."),
        "",
        f"Machine: {info.get('nproc')} CPU ({info.get('cpu')}), {info.get('memory_gb')} GB RAM, PostgreSQL "
        f"{info.get('postgresql')}, Python {info.get('python')}, Linux {info.get('kernel')}. Server: gunicorn "
        f"`config.wsgi`, {args.workers} sync workers, production settings (DEBUG off, full middleware, "
        f"plain http{', PGOPTIONS=' + repr(args.pgoptions) if args.pgoptions else ''}). Load: wrk "
        f"{args.threads} threads × {args.connections} connections, {args.warmup} s warm-up then {args.duration} s "
        f"per scenario, from the same machine; the apply flow and its own /healthz reference by "
        f"`bench/loadgen.py` ({args.connections} threads).",
        "",
        "Ratios, not absolute numbers, are the budgets: the machine is shared, so absolute req/s move with "
        "its load (shown per scenario), while a ratio to `/healthz` measured in the same run moves much less. "
        "CPU ms per request (gunicorn's workers + the PostgreSQL backends, during the measured run only) hardly "
        "depend on the other load. A budget is judged at its own scale only. Page-cache hits are counted from "
        "the `X-Page-Cache` header; a scenario that must render every page fails on any hit.",
        *baseline_note,
        *body,
        "",
        "## Verdict",
        "",
        *verdict_lines(missed, missing, judged=not_measured(all_results)[1]),
        "",
    ]
    Path(path).write_text("\n".join(text) + "\n" + getattr(args, "notes_text", ""))
    return missed


def verdict_lines(missed: list[str], missing: list[str], judged: int) -> list[str]:
    if missed:
        lines = [f"- ❌ {m}" for m in missed]
    elif not judged:
        lines = ["No budget could be judged: this run measured none of them at their scales."]
    elif missing:
        lines = ["All budgets measured in this run were met; some were not measured (below)."]
    else:
        lines = ["All budgets met."]
    if missing:
        lines += ["", "Not measured in this run (no verdict):", "", *[f"- {m}" for m in missing]]
    return lines
