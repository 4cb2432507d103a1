"""Write a large canonical customers.csv and invoices.csv for the import benchmark.

    python bench/make_files.py --customers 100000 --invoices 1000000 --out bench/data

Deterministic for a seed; amounts log-normal, terms mixed, 1 invoice in 50 a credit note.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/data"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    terms = ["30", "45EOM", "60"]
    with (args.out / "customers.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["customer", "name", "email", "city", "payment_terms", "segment"])
        for n in range(1, args.customers + 1):
            out.writerow(
                [
                    f"C{n:06d}",
                    f"Client {n} SAS",
                    f"compta{n}@example.fr",
                    "Lyon",
                    rng.choice(terms),
                    rng.choice(["PME", "ETI", "Grand compte"]),
                ]
            )
    start = date(2025, 1, 1)
    with (args.out / "invoices.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "number",
                "customer",
                "issue_date",
                "payment_terms",
                "currency",
                "amount",
                "amount_excl_tax",
            ]
        )
        for n in range(1, args.invoices + 1):
            amount = round(rng.lognormvariate(7.3, 1.0), 2)
            if n % 50 == 0:
                amount = -amount
            issued = start + timedelta(days=rng.randrange(540))
            out.writerow(
                [
                    f"F{n:07d}",
                    f"C{rng.randrange(1, args.customers + 1):06d}",
                    issued.isoformat(),
                    rng.choice(terms),
                    "EUR",
                    f"{amount:.2f}",
                    f"{amount / 1.2:.2f}",
                ]
            )


if __name__ == "__main__":
    main()
