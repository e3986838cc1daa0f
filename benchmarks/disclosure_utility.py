"""How much the strategic group's indicators lose to disclosure control (docs/monitoring.md).

Counts, for one year's seven periods (4 quarters, 2 semesters, the year), every figure a
release could show -- each population's total and every category of every table -- and how
many are published, hidden (``s``) or withheld (the period is not a union of blocks).

    python -m benchmarks.disclosure_utility            # synthetic territories (no database)
    python -m benchmarks.disclosure_utility --demo     # + the demo data, on a throwaway database

The demo data is measured as if its year had ended with the data seeded today. Synthetic
territories: N referrals a year (N closures, 1.5 N ended tracks), quarters and categories
drawn with a skew (a few frequent categories, a long tail), fixed seed, 30 draws each.
"""

from __future__ import annotations

import argparse
import os
import random
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RELAIS_ENV", "development")


def measure(live: dict, k: int, grain: str = "quarter") -> Counter:
    """Figures of the year, by outcome: ``published``, ``hidden``, and among the hidden ones
    those whose exact value is in 1..k-1 (``primary``); per period kind too."""
    from monitoring import disclosure
    from monitoring.populations import POPULATIONS

    step = disclosure.advance_year(
        disclosure.empty_year(POPULATIONS, grain), POPULATIONS, live, last_ended=4, k=k, event=1
    )
    tally: Counter = Counter()
    for key, quarters in disclosure.PERIOD_QUARTERS.items():
        shown = disclosure.year_figures(step.state, POPULATIONS, key, k=k)
        for population in POPULATIONS:
            exact = disclosure.add_counts(population, [live[population.code][q] for q in quarters])
            pairs = [(exact["total"], shown[population.code]["total"])]
            for table, cats in population.tables:
                pairs += [(exact[table][c], shown[population.code][table][c]) for c in cats]
            for value, published in pairs:
                outcome = "published" if published is not None else "hidden"
                tally[outcome] += 1
                tally[(key[0], outcome)] += 1
                if value:
                    tally[("non-zero", outcome)] += 1
                if published is None and 0 < value < k:
                    tally["primary"] += 1
    return tally


def synthetic(n: int, rng: random.Random) -> dict:
    from monitoring import disclosure
    from monitoring.populations import POPULATIONS

    def draw(cats):
        weights = [2**-i for i in range(len(cats))]  # 1, 1/2, 1/4...: a long tail
        return rng.choices(cats, weights)[0]

    live = {
        p.code: {q: disclosure.empty_counts(p) for q in disclosure.QUARTERS} for p in POPULATIONS
    }
    sizes = {"received": n, "closed": n, "tracks_ended": int(1.5 * n)}
    for population in POPULATIONS:
        for _ in range(sizes[population.code]):
            cell = live[population.code][rng.randint(1, 4)]
            cell["total"] += 1
            for table, cats in population.tables:
                cell[table][draw(cats)] += 1
    return live


def report(title: str, tally: Counter) -> None:
    total = tally["published"] + tally["hidden"]
    non_zero = tally[("non-zero", "published")] + tally[("non-zero", "hidden")]
    print(f"{title}")
    print(
        f"  figures {total}: published {tally['published']} "
        f"({100 * tally['published'] / total:.0f} %), hidden {tally['hidden']} "
        f"(of which {tally['primary']} are themselves 1..k-1)"
    )
    if non_zero:
        print(
            f"  non-zero figures {non_zero}: published {tally[('non-zero', 'published')]} "
            f"({100 * tally[('non-zero', 'published')] / non_zero:.0f} %)"
        )
    for kind in ("quarter", "semester", "year"):
        shown, hidden = tally[(kind, "published")], tally[(kind, "hidden")]
        share = 100 * shown / (shown + hidden)
        print(f"  {kind:<8} published {shown}/{shown + hidden} ({share:.0f} %)")


def demo(k: int) -> None:
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from monitoring import selectors

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        call_command("seed_demo", "--force", stdout=StringIO())
        year = timezone.localdate().year
        live = selectors.quarter_counts(year)
        totals = {code: [live[code][q]["total"] for q in (1, 2, 3, 4)] for code in live}
        print(f"demo data {year}, totals per quarter: {totals}")
        for grain in ("quarter", "semester", "year"):
            report(
                f"demo data, year {year} as if ended today, grain {grain} (k={k})",
                measure(live, k, grain),
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--draws", type=int, default=30)
    args = parser.parse_args()
    if args.demo:
        demo(args.k)
    rng = random.Random(12)  # noqa: S311 (synthetic data, not security)
    for n in (20, 60, 150, 300):
        years = [synthetic(n, rng) for _ in range(args.draws)]
        for grain in ("quarter", "semester", "year"):
            tally: Counter = Counter()
            for live in years:
                tally += measure(live, args.k, grain)
            report(
                f"synthetic territory, {n} referrals a year, grain {grain} "
                f"({args.draws} draws, k={args.k})",
                tally,
            )


if __name__ == "__main__":
    main()
