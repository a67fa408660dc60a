#!/usr/bin/python3
"""Optuna's TPESampler and RandomSampler on a dataset table, for
scripts/eval-search.sh: the same objective (the nearest measured row by
Hamming distance, ties to the first; multiplicative lognormal noise), the
first row measured first as vmtune's baseline is, and Optuna's own best
trial reported. Prints one line per (sampler, seed, budget):
    optuna-tpe SEED BUDGET CONFIG-BITS
where CONFIG-BITS is the reported best configuration as 0/1 per column.
    eval-optuna.py TABLE.csv SEEDS SIGMA BUDGET...
"""
import math
import random
import sys

import optuna


def load(path):
    with open(path) as f:
        head = f.readline().strip().split(",")
        names = [h.lstrip("$") for h in head[:-1]]
        rows, perf = [], []
        for line in f:
            cols = line.strip().split(",")
            if len(cols) != len(head):
                continue
            rows.append([int(float(c)) for c in cols[:-1]])
            perf.append(float(cols[-1]))
    return names, rows, perf


def nearest(rows, cfg):
    best, bestd = 0, None
    for i, r in enumerate(rows):
        d = sum(a != b for a, b in zip(r, cfg))
        if bestd is None or d < bestd:
            best, bestd = i, d
    return best


def main():
    path, seeds, sigma = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    budgets = [int(b) for b in sys.argv[4:]]
    names, rows, perf = load(path)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    samplers = {
        "optuna-tpe": lambda s: optuna.samplers.TPESampler(seed=s),
        "optuna-random": lambda s: optuna.samplers.RandomSampler(seed=s),
    }
    for label, make in samplers.items():
        for seed in range(1, seeds + 1):
            for budget in budgets:
                noise = random.Random(seed * 7919 + budget)

                def objective(trial):
                    cfg = [trial.suggest_categorical(n, [0, 1]) for n in names]
                    v = perf[nearest(rows, cfg)]
                    return v * math.exp(noise.gauss(0, sigma)) if sigma > 0 else v

                study = optuna.create_study(direction="minimize", sampler=make(seed))
                study.enqueue_trial(dict(zip(names, rows[0])))
                study.optimize(objective, n_trials=budget)
                best = study.best_trial.params
                print(label, seed, budget, "".join(str(best[n]) for n in names), flush=True)


if __name__ == "__main__":
    main()
