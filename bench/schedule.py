"""Benchmark of the training scheduler on the demo year (README performance figures).

    .venv/bin/python bench/schedule.py [--network data/network.yaml]
        [--events data/exercises-2027.yaml] [--time-limit 30] [--unavailable de-1]
        [--from-date 2027-06-01]

Prints one table: the CP-SAT schedule (time to a proven optimum, or the gap at the limit),
a first-fit baseline (events in file order, cheapest host first, earliest feasible day), and
re-planning after one unit becomes unavailable. Every schedule is checked by the independent
verifier before it is reported. Goals: proven optimal within 30 s; re-planning within 5 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from pathlib import Path

from atlasbot.network import load_network
from atlasbot.training.calendar import check_schedule, first_fit, schedule
from atlasbot.training.events_file import load_events
from atlasbot.training.replan import replan

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default=ROOT / "data" / "network.yaml", type=Path)
    parser.add_argument("--events", default=ROOT / "data" / "exercises-2027.yaml", type=Path)
    parser.add_argument("--time-limit", default=30.0, type=float)
    parser.add_argument("--unavailable", default="de-1")
    parser.add_argument("--from-date", default="2027-06-01", type=dt.date.fromisoformat)
    args = parser.parse_args()

    network = load_network(args.network)
    plan = load_events(args.events, network)

    baseline = first_fit(network, plan)
    optimised = schedule(network, plan, time_limit_s=args.time_limit)
    # Like for like: CP-SAT on exactly the events first fit managed to place.
    baseline_ids = {e.id for e in baseline.events}
    same_events = dataclasses.replace(
        plan, events=tuple(e for e in plan.events if e.id in baseline_ids)
    )
    like_for_like = schedule(network, same_events, time_limit_s=args.time_limit)
    started = time.perf_counter()
    replanned = replan(
        network, plan, optimised, unavailable_units=[args.unavailable], from_date=args.from_date
    )
    replan_ms = (time.perf_counter() - started) * 1000

    for name, the_plan, result in (
        ("first fit", plan, baseline),
        ("CP-SAT", plan, optimised),
        ("CP-SAT on first fit's events", same_events, like_for_like),
        ("re-plan", replanned.plan, replanned.result),
    ):
        problems = check_schedule(network, the_plan, result)
        if problems:
            print(f"{name}: the verifier found problems:", *problems, sep="\n  ", file=sys.stderr)
            return 1

    moves = sum(1 for change in replanned.changes if " moved from " in change)
    lost = sum(1 for change in replanned.changes if "could no longer be placed" in change)
    total = len(plan.events)
    slack = optimised.total_travel_km - optimised.lower_bound_km
    gap = f"{slack / max(optimised.total_travel_km, 1):.1%}"
    rows = [
        (
            "first fit (file order, cheapest host)",
            f"{baseline.solve_ms:,.0f}",
            f"{len(baseline.events)}/{total}",
            f"{baseline.total_travel_km:,}",
            "-",
            "-",
        ),
        (
            f"CP-SAT ({optimised.status.value})",
            f"{optimised.solve_ms:,.0f}",
            f"{len(optimised.events)}/{total}",
            f"{optimised.total_travel_km:,}",
            gap,
            "-",
        ),
        (
            f"CP-SAT, first fit's {len(baseline.events)} events ({like_for_like.status.value})",
            f"{like_for_like.solve_ms:,.0f}",
            f"{len(like_for_like.events)}/{total}",
            f"{like_for_like.total_travel_km:,}",
            "-",
            "-",
        ),
        (
            f"re-plan: {args.unavailable} out from {args.from_date} "
            f"({replanned.result.status.value})",
            f"{replan_ms:,.0f}",
            f"{len(replanned.result.events)}/{total}",
            f"{replanned.result.total_travel_km:,}",
            "-",
            f"{moves} moved, {lost} lost",
        ),
    ]
    headers = ("run", "ms", "placed", "travel km", "gap", "changes")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(
        f"Demo year: {total} events, {len(network.units)} units, horizon "
        f"{plan.horizon.start}..{plan.horizon.end}, time limit {args.time_limit:g} s"
    )
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    saving = baseline.total_travel_km - like_for_like.total_travel_km
    print(
        f"\nCP-SAT places {len(optimised.events) - len(baseline.events):+d} events against first "
        f"fit; on the same {len(baseline.events)} events it saves {saving:,} km "
        f"({saving / max(baseline.total_travel_km, 1):.0%})."
    )
    goals = [
        ("proven optimal within 30 s", optimised.proven_optimal and optimised.solve_ms <= 30_000),
        ("re-planning within 5 s", replan_ms <= 5_000),
    ]
    for goal, met in goals:
        print(f"goal: {goal}: {'met' if met else 'NOT met'}")
    if replanned.changes:
        print("\nRe-planning changes:")
        for change in replanned.changes:
            print(f"  {change}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
