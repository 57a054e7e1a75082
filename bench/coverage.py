"""Benchmark of the coverage map's computation: thousands of places x tens of units.

Run: .venv/bin/python bench/coverage.py [--units 60] [--step 0.25] [--runs 5]

The demo network's units, and as many more synthetic ones as ``--units`` asks (placed at
random bases in the network's states, with random capabilities and transport), against the
grid of Europe at ``--step`` degrees (plus the towns of the states the grid misses). Reported:
the median time of ``compute_coverage`` (eligibility under rules.py, the vectorised ETA
matrix of the units that may help, the earliest eligible team at each place) for one
capability; the ETA matrix of every unit at every place; and for comparison the planner's
scalar ``eta`` over the same pairs (measured on a slice and scaled).
Goal (issue 16): well under a second.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atlasbot.domain import Location, Network, TransportMode, Unit, frozen_counts  # noqa: E402
from atlasbot.gazetteer import Gazetteer  # noqa: E402
from atlasbot.maps.coverage import CoverageQuestion, Place, compute_coverage  # noqa: E402
from atlasbot.maps.outlines import load_outlines  # noqa: E402
from atlasbot.maps.places import grid_places  # noqa: E402
from atlasbot.network import load_network  # noqa: E402
from atlasbot.planner.travel import eta, eta_matrix  # noqa: E402


def synthetic_network(units: int, places: tuple[Place, ...], seed: int = 16) -> Network:
    """The demo network with more units, based at random grid places, up to ``units``."""
    network = load_network(ROOT / "data" / "network.yaml")
    generator = random.Random(seed)
    codes = sorted(network.capability_codes())
    extra = []
    for number in range(max(0, units - len(network.units))):
        base = generator.choice(places)
        template = generator.choice(network.units)
        extra.append(
            dataclasses.replace(
                template,
                id=f"bench-{number}",
                country=base.country,
                base=Location(base.lat, base.lon),
                capabilities=frozen_counts(dict.fromkeys(generator.sample(codes, 6), 1)),
                transport=tuple(generator.sample(list(TransportMode), generator.randint(1, 3))),
            )
        )
    all_units: tuple[Unit, ...] = network.units + tuple(extra)
    return Network(network.capabilities, network.countries, all_units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--step", type=float, default=0.25)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    places = grid_places(load_outlines(), Gazetteer.load(), step_deg=args.step)
    grid_s = time.perf_counter() - started
    network = synthetic_network(args.units, places)
    question = CoverageQuestion("eod")
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        coverage = compute_coverage(network, places, question)
        times.append(time.perf_counter() - started)
    pairs = len(places) * len(network.units)
    lats, lons = [p.place.lat for p in coverage.places], [p.place.lon for p in coverage.places]
    started = time.perf_counter()
    eta_matrix(network.units, lats, lons)
    matrix_s = time.perf_counter() - started
    capable = sum(1 for u in network.units if u.teams_of("eod"))
    sample = places[:: max(1, len(places) // 200)]
    started = time.perf_counter()
    for place in sample:
        for unit in network.units:
            eta(unit, Location(place.lat, place.lon))
    scalar_s = (time.perf_counter() - started) * len(places) / len(sample)
    reached = sum(1 for p in coverage.places if p.minutes is not None)
    print(f"places: {len(places)} (grid {args.step} deg, made once in {grid_s:.2f} s)")
    print(f"units: {len(network.units)}   place x unit pairs: {pairs}")
    print(
        f"compute_coverage (eod): median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {args.runs} runs"
    )
    print(f"  (units with an eod team: {capable}; only those that may help are timed)")
    print(f"eta_matrix of every unit at every place: {matrix_s * 1000:.0f} ms")
    print(f"scalar eta() over the same pairs (scaled from {len(sample)} places): {scalar_s:.1f} s")
    print(f"places some unit can reach: {reached} of {len(places)}")


if __name__ == "__main__":
    main()
