#!/usr/bin/env python3
"""Cross-check dealerloop's attribution models against ChannelAttribution.

Generates journeys (seeded), runs dealerloop's pure models on them (`dealerloop
attribute`) and ChannelAttribution's heuristic and Markov models on the same data, and
prints per-channel totals side by side with both run times. Fails (exit 1) unless:

- first, last and linear touch totals are equal to 1e-9 relative, and dealerloop's
  integer-cent credits are within one cent per journey of them;
- the Markov removal-effect shares are within 1 % (absolute, in share points) of
  ChannelAttribution's, run with many simulations. dealerloop solves the chain exactly;
  ChannelAttribution simulates it, and truncates every simulated walk at `max_step`
  steps (by default the longest journey), so it is run with a `max_step` far above any
  journey's length: then both estimate the same chain.

Setup (once):
    python3 -m venv benches/.venv
    benches/.venv/bin/pip install ChannelAttribution pandas matplotlib
Run:
    cargo build --release
    benches/.venv/bin/python benches/attribution_reference.py \
        --bin target/release/dealerloop --journeys 20000 --order 1

With --db PATH (a SQLite database, e.g. the `dealerloop generate` network of a million
leads), the journeys are not generated: `dealerloop attribution --evaluate --json
--export` reads every decided journey from the database and credits it under all eight
models (timed from the process's start to its answer, reading included), writes the same
journeys as distinct paths, and ChannelAttribution runs on those paths. The comparison is
then of credited conversions per channel (first, last, linear touch, to 1e-9 relative)
and of the Markov removal-effect shares (within 1 point), and both times are printed with
their ratio.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

CHANNELS = [
    "paid_search", "email", "trade_fair", "webinar", "linkedin", "organic", "direct",
    "referral",
]


def journeys(n, seed):
    """Journeys of 1 to 6 touches; each channel nudges the chance to convert."""
    rng = random.Random(seed)
    lift = {c: rng.uniform(-0.05, 0.12) for c in CHANNELS}
    out = []
    for _ in range(n):
        length = rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6])
        path = [rng.choice(CHANNELS) for _ in range(length)]
        p = 0.15 + sum(lift[c] for c in set(path))
        converted = rng.random() < max(0.01, min(0.9, p))
        revenue = rng.randint(1_000, 500_000) * 100 + rng.randint(0, 99) if converted else 0
        out.append({"channels": path, "converted": converted, "revenue_cents": revenue})
    return out


def ours(binary, data, order):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(data, f)
        name = f.name
    try:
        started = time.perf_counter()
        out = subprocess.run(
            [binary, "attribute", "--journeys", name, "--order", str(order)],
            check=True, capture_output=True, text=True,
            env={**os.environ, "DATABASE_URL": "sqlite::memory:"},
        )
        wall = time.perf_counter() - started
    finally:
        os.unlink(name)
    return json.loads(out.stdout), wall


def theirs(data, order, nsim):
    import pandas as pd
    from ChannelAttribution import heuristic_models, markov_model

    frame = pd.DataFrame({
        "path": [" > ".join(j["channels"]) for j in data],
        "conv": [1 if j["converted"] else 0 for j in data],
        "null": [0 if j["converted"] else 1 for j in data],
        "value": [j["revenue_cents"] for j in data],
    })
    started = time.perf_counter()
    heuristic = heuristic_models(frame, "path", "conv", var_value="value", flg_pro=False)
    heuristic_seconds = time.perf_counter() - started
    started = time.perf_counter()
    markov = markov_model(
        frame, "path", "conv", var_null="null", order=order, nsim_start=nsim,
        max_step=1000, out_more=True, verbose=0, flg_pro=False,
    )
    markov_seconds = time.perf_counter() - started
    return heuristic, markov, heuristic_seconds, markov_seconds


def from_db(args):
    """dealerloop on the database against ChannelAttribution on the same journeys."""
    import pandas as pd
    from ChannelAttribution import heuristic_models, markov_model

    with tempfile.TemporaryDirectory() as tmp:
        paths_file = os.path.join(tmp, "paths.csv")
        started = time.perf_counter()
        out = subprocess.run(
            [args.bin, "attribution", "--evaluate", "--json", "--export", paths_file],
            check=True, capture_output=True, text=True,
            env={**os.environ, "DATABASE_URL": f"sqlite://{args.db}"},
        )
        wall = time.perf_counter() - started
        mine = json.loads(out.stdout)
        frame = pd.read_csv(paths_file)
    started = time.perf_counter()
    heuristic = heuristic_models(frame, "path", "total_conversions",
                                 var_value="total_conversion_value", flg_pro=False)
    h_seconds = time.perf_counter() - started
    started = time.perf_counter()
    markov = markov_model(
        frame, "path", "total_conversions", var_value="total_conversion_value",
        var_null="total_null", order=args.order, nsim_start=args.nsim, max_step=1000,
        out_more=True, verbose=0, flg_pro=False,
    )
    m_seconds = time.perf_counter() - started

    failures = []
    print(f"{mine['journeys']} journeys from {args.db} ({mine['conversions']} converted, "
          f"{len(frame)} distinct paths), Markov order {args.order}, "
          f"ChannelAttribution nsim {args.nsim:g}\n")
    columns = {"first_touch": "first_touch_conversions",
               "last_touch": "last_touch_conversions",
               "linear": "linear_touch_conversions"}
    for model, column in columns.items():
        print(f"{model}: conversions credited per channel")
        print(f"  {'channel':<16} {'dealerloop':>14} {'ChannelAttribution':>19} {'relative diff':>14}")
        for _, row in heuristic.iterrows():
            channel = row["channel_name"]
            a = mine["models"][model]["conversions"].get(channel, 0.0)
            b = float(row[column])
            rel = abs(a - b) / max(abs(b), 1.0)
            print(f"  {channel:<16} {a:>14.4f} {b:>19.4f} {rel:>14.2e}")
            if rel > 1e-9:
                failures.append(f"{model} {channel}: {a} vs {b}")
        print()
    effects = markov["removal_effects"]
    # With a value column ChannelAttribution names the effect on conversions apart.
    effect = ("removal_effect" if "removal_effect" in effects.columns
              else "removal_effects_conversion")
    total = float(effects[effect].sum())
    print("Markov: removal-effect shares (dealerloop exact; ChannelAttribution simulated)")
    print(f"  {'channel':<16} {'dealerloop':>11} {'ChannelAttribution':>19} {'diff (points)':>14}")
    for _, row in effects.iterrows():
        channel = row["channel_name"]
        a = mine["markov_shares"].get(channel, 0.0)
        b = float(row[effect]) / total
        diff = abs(a - b) * 100
        print(f"  {channel:<16} {a * 100:>10.3f}% {b * 100:>18.3f}% {diff:>14.3f}")
        if diff > 1.0:
            failures.append(f"markov {channel}: {a:.4f} vs {b:.4f}")
    ours_seconds = mine["seconds"]["all"]
    theirs_seconds = h_seconds + m_seconds
    print()
    print("run times:")
    print(f"  dealerloop, all eight models from the database: {ours_seconds * 1000:.0f} ms "
          f"({mine['seconds']['reading'] * 1000:.0f} ms reading, "
          f"{mine['seconds']['computing'] * 1000:.0f} ms computing; whole process with the "
          f"export {wall * 1000:.0f} ms)")
    print(f"  ChannelAttribution on the exported paths: heuristic {h_seconds * 1000:.0f} ms, "
          f"Markov {m_seconds * 1000:.0f} ms")
    print(f"  ratio: ChannelAttribution / dealerloop = {theirs_seconds / ours_seconds:.1f}x "
          f"end to end; {theirs_seconds / mine['seconds']['computing']:.1f}x against "
          f"dealerloop's computing alone")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nall within tolerance")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default="target/release/dealerloop")
    parser.add_argument("--journeys", type=int, default=20_000)
    parser.add_argument("--order", type=int, default=1)
    parser.add_argument("--nsim", type=float, default=1e7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="a SQLite database to read the journeys from")
    args = parser.parse_args()
    if args.db:
        from_db(args)
        return

    data = journeys(args.journeys, args.seed)
    mine, wall = ours(args.bin, data, args.order)
    heuristic, markov, h_seconds, m_seconds = theirs(data, args.order, args.nsim)

    failures = []
    converted = sum(1 for j in data if j["converted"])
    print(f"{len(data)} journeys, {converted} converted, {len(CHANNELS)} channels, "
          f"Markov order {args.order}, ChannelAttribution nsim {args.nsim:g}\n")
    columns = {"first_touch": "first_touch_value", "last_touch": "last_touch_value",
               "linear": "linear_touch_value"}
    for model, column in columns.items():
        print(f"{model}: revenue credited per channel (cents)")
        print(f"  {'channel':<12} {'dealerloop':>18} {'ChannelAttribution':>20} "
              f"{'relative diff':>14} {'dealerloop cents':>17}")
        for _, row in heuristic.iterrows():
            channel = row["channel_name"]
            a = mine["heuristic"][model].get(channel, 0.0)
            b = float(row[column])
            rel = abs(a - b) / max(abs(b), 1.0)
            cents = mine["cents"][model].get(channel, 0)
            print(f"  {channel:<12} {a:>18.2f} {b:>20.2f} {rel:>14.2e} {cents:>17}")
            if rel > 1e-9:
                failures.append(f"{model} {channel}: {a} vs {b}")
            if abs(cents - b) > converted:
                failures.append(f"{model} {channel}: cents {cents} vs {b}")
        print()

    effects = markov["removal_effects"]
    total = float(effects["removal_effect"].sum())
    print(f"Markov: removal-effect shares (dealerloop exact, {mine['markov']['states']} states; "
          "ChannelAttribution simulated)")
    print(f"  {'channel':<12} {'dealerloop':>11} {'ChannelAttribution':>19} {'diff (points)':>14}")
    for _, row in effects.iterrows():
        channel = row["channel_name"]
        a = mine["markov"]["shares"].get(channel, 0.0)
        b = float(row["removal_effect"]) / total
        diff = abs(a - b) * 100
        print(f"  {channel:<12} {a * 100:>10.3f}% {b * 100:>18.3f}% {diff:>14.3f}")
        if diff > 1.0:
            failures.append(f"markov {channel}: {a:.4f} vs {b:.4f}")
    print()
    print("run times:")
    print(f"  dealerloop: heuristic {mine['seconds']['heuristic'] * 1000:.1f} ms, "
          f"Markov {mine['seconds']['markov'] * 1000:.1f} ms (whole process {wall * 1000:.0f} ms)")
    print(f"  ChannelAttribution: heuristic {h_seconds * 1000:.1f} ms, Markov {m_seconds * 1000:.1f} ms")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nall within tolerance")


if __name__ == "__main__":
    main()
