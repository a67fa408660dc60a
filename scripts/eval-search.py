#!/usr/bin/python3
"""The Python half of scripts/eval-search.sh (Debian's python3-optuna).

  eval-search.py optuna TABLE.csv SEEDS SIGMA BUDGET...
      Optuna's TPESampler and RandomSampler on the same objective as the
      vmtune side (the nearest measured row by Hamming distance, ties to the
      first; noise exp(N(0, sigma))), the first row measured first as
      vmtune's baseline is, and Optuna's own best trial reported. One line
      per (sampler, seed, budget): NAME SEED BUDGET BITS, where BITS is the
      reported configuration as 0/1 per option column. EVAL_NOISE_STREAM=K
      (default 0) draws the noise of another stream (scripts/eval-streams.sh).

  eval-search.py rank TABLE.csv RESULTS
      Reads such lines (of every strategy) and prints, per strategy and
      budget, the median true rank of the reported configurations (0 = the
      best row of the table, judged without noise) and how many reached the
      top 1%.
"""
import math
import os
import random
import statistics
import sys


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


def optuna_main(args):
    path, seeds, sigma = args[0], int(args[1]), float(args[2])
    budgets = [int(b) for b in args[3:]]
    import optuna  # only this half needs it

    names, rows, perf = load(path)
    stream = int(os.environ.get("EVAL_NOISE_STREAM", "0"))
    near = {}  # configuration -> its nearest row, as nearest() says

    def value(cfg):
        key = tuple(cfg)
        if key not in near:
            near[key] = nearest(rows, cfg)
        return perf[near[key]]

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    samplers = {
        "optuna-tpe": lambda s: optuna.samplers.TPESampler(seed=s),
        "optuna-random": lambda s: optuna.samplers.RandomSampler(seed=s),
    }
    for label, make in samplers.items():
        for seed in range(1, seeds + 1):
            for budget in budgets:
                noise = random.Random(seed * 7919 + budget + 1000003 * stream)

                def objective(trial):
                    cfg = [trial.suggest_categorical(n, [0, 1]) for n in names]
                    v = value(cfg)
                    return v * math.exp(noise.gauss(0, sigma)) if sigma > 0 else v

                study = optuna.create_study(direction="minimize", sampler=make(seed))
                study.enqueue_trial(dict(zip(names, rows[0])))
                study.optimize(objective, n_trials=budget)
                best = study.best_trial.params
                print(label, seed, budget, "".join(str(best[n]) for n in names), flush=True)


def rank_main(args):
    names, rows, perf = load(args[0])
    ranks = {}
    with open(args[1]) as f:
        for line in f:
            label, _seed, budget, bits = line.split()
            if len(bits) != len(names):
                sys.exit("eval-search.py: %s: a configuration of %d columns, the table has %d"
                         % (args[1], len(bits), len(names)))
            value = perf[nearest(rows, [int(c) for c in bits])]
            ranks.setdefault(label, {}).setdefault(int(budget), []).append(
                sum(p < value for p in perf))
    budgets = sorted({b for by in ranks.values() for b in by})
    print("%-14s" % "strategy" + "".join("  budget %-3d rank  top1%%" % b for b in budgets))
    for label in ranks:
        cells = []
        for b in budgets:
            r = ranks[label].get(b, [])
            top = sum(x < 0.01 * len(perf) for x in r)
            cells.append("  %14s  %2d/%-2d" % ("%.1f" % statistics.median(r) if r else "-",
                                              top, len(r)))
        print("%-14s" % label + "".join(cells))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "optuna":
        optuna_main(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "rank":
        rank_main(sys.argv[2:])
    else:
        sys.exit("usage: eval-search.py optuna TABLE SEEDS SIGMA BUDGET... | rank TABLE RESULTS")
