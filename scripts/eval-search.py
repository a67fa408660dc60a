#!/usr/bin/python3
"""The Python half of scripts/eval-search.sh (Debian's python3-optuna, numpy).

  eval-search.py prepare TABLE.csv OUT
      Reads a measured-configuration table (CSV, a header; the last column
      is the objective) and writes OUT.tab, the table as the C side reads it
      (scripts/evaltable.h), and OUT.yaml, the job's parameters and
      objective. Constant columns are dropped. A column of 0 and 1 is a
      bool; integers evenly spaced (every gap the same), or more than 32
      values filling at least a quarter of the grid their gcd step makes (a
      sample of an integer range), an int with that step; more than 32
      non-integers a continuous float; anything else categorical (numbers
      keep their numeric distance, words count 0 or 1). The objective's
      direction is in its name: a trailing '-' or a '<' after an optional
      '$' minimises, a trailing '+' or a '>' maximises; none: minimise.
      The first row is the baseline (the job's defaults).

  eval-search.py optuna OUT SEEDS SIGMA BUDGET...
      Optuna's TPESampler and RandomSampler on the same objective as the
      vmtune side (the nearest measured row, each option's distance scaled
      by its range, summed; ties to the first row; noise exp(N(0, sigma))),
      the baseline measured first, Optuna's own best trial reported. One
      line per (sampler, seed, budget): NAME SEED BUDGET CONFIG-JSON.
      EVAL_NOISE_STREAM=K (default 0) draws the noise of another stream;
      EVAL_FIRST_SEED=S (default 1) starts at seed S, so that seeds can be
      added to kept results (a seed's lines do not depend on the others).

  eval-search.py rank OUT RESULTS [--strategy NAME]
      Reads such lines (of every strategy) and prints, per strategy and
      budget, the median true rank of the reported configurations (0 = the
      best row, judged without noise) and how many reached the top 1%; then
      for NAME (default tpe) against the better of optuna-tpe and
      optuna-random per budget: the ratio of medians, the geometric mean of
      (rank + 1) / (better peer's rank + 1), the cells where NAME is worse,
      and any budget whose median is worse than a smaller budget's.
      Exit 0 either way: it reports, the caller judges.

  eval-search.py rank OUT RESULTS --warm
      For scripts/eval-warm.sh: lines labelled cold and warm; the median
      ranks per budget and the fewest warm trials whose median rank is no
      worse than the cold run's at 100.
"""
import csv
import json
import math
import os
import random
import re
import statistics
import sys
from fractions import Fraction
from functools import reduce

import numpy as np

MANY = 32


def direction_of(name):
    n = name.strip()
    if n.endswith("-"):
        return "minimize"
    if n.endswith("+"):
        return "maximize"
    n = n.lstrip("$")
    if n.startswith("<"):
        return "minimize"
    if n.startswith(">"):
        return "maximize"
    return "minimize"


def clean_name(name, taken):
    n = re.sub(r"[^A-Za-z0-9_.-]", "_", name.strip().lstrip("$<>"))
    if not n or not n[0].isalpha():
        n = "p" + n
    base, k = n, 2
    while n.lower() in taken:
        n, k = "%s_%d" % (base, k), k + 1
    taken.add(n.lower())
    return n


def number(s):
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def fmt(x):
    # vmtune keeps a float to 15 significant digits: a bound must be its own 15-digit form
    return str(int(x)) if float(x).is_integer() else repr(float("%.15g" % float(x)))


def column_kind(vals):
    """(kind, detail) of a column of strings; None when constant."""
    distinct = list(dict.fromkeys(vals))
    if len(distinct) < 2:
        return None
    nums = [number(v) for v in distinct]
    if any(x is None for x in nums):
        return ("cat", "str", distinct)
    xs = sorted(set(nums))
    if len(xs) < 2:
        return None
    if xs == [0.0, 1.0]:
        return ("bool",)
    if all(x.is_integer() for x in xs):
        gaps = [int(b - a) for a, b in zip(xs, xs[1:])]
        g = reduce(math.gcd, gaps)
        grid = (int(xs[-1]) - int(xs[0])) // g + 1
        if len(set(gaps)) == 1 or (len(xs) > MANY and 4 * len(xs) >= grid):
            return ("int", int(xs[0]), int(xs[-1]), g)
        return ("cat", "num", [fmt(x) for x in xs])
    if len(xs) > MANY:
        return ("float", xs[0], xs[-1])
    gaps = [Fraction(b) - Fraction(a) for a, b in zip(xs, xs[1:])]
    if max(gaps) - min(gaps) <= 1e-9 * float(max(gaps)):
        return ("float", xs[0], xs[-1], float(gaps[0]))
    return ("cat", "num", [fmt(x) for x in xs])


def prepare_main(args):
    src, out = args
    with open(src, newline="") as f:
        rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    if len(rows) < 3:
        sys.exit("eval-search.py: %s: a header and at least two rows needed" % src)
    head, data = rows[0], rows[1:]
    width = len(head)
    for i, r in enumerate(data):
        if len(r) != width:
            sys.exit("eval-search.py: %s:%d: %d columns, the header has %d"
                     % (src, i + 2, len(r), width))
        if number(r[-1]) is None:
            sys.exit("eval-search.py: %s:%d: objective '%s' is not a number" % (src, i + 2, r[-1]))
    direction = direction_of(head[-1])
    taken, params = set(), []
    for c in range(width - 1):
        kind = column_kind([r[c].strip() for r in data])
        if kind:
            params.append((c, clean_name(head[c], taken), kind))
    if not params:
        sys.exit("eval-search.py: %s: every option column is constant" % src)
    first = data[0]
    with open(out + ".tab", "w") as f:
        f.write("vmtune-table 1\n%s %d %d\n" % (direction, len(params), len(data)))
        for c, name, kind in params:
            if kind[0] == "cat":
                f.write("%s cat %s %d %s\n" % (name, kind[1], len(kind[2]), " ".join(kind[2])))
            else:
                f.write("%s %s\n" % (name, " ".join(str(k) for k in kind)))
        for r in data:
            vals = []
            for c, _name, kind in params:
                v = r[c].strip()
                vals.append(str(kind[2].index(v)) if kind[0] == "cat" and kind[1] == "str"
                            else repr(float(v)))
            f.write(" ".join(vals) + " " + repr(float(r[-1])) + "\n")
    with open(out + ".yaml", "w") as f:
        f.write("parameters:\n")
        for c, name, kind in params:
            v = first[c].strip()
            if kind[0] == "bool":
                f.write("  %s: {type: bool, default: %s}\n"
                        % (name, "true" if float(v) else "false"))
            elif kind[0] == "int":
                f.write("  %s: {type: int, min: %d, max: %d, step: %d, default: %d}\n"
                        % (name, kind[1], kind[2], kind[3], int(float(v))))
            elif kind[0] == "float":
                step = ", step: %r" % kind[3] if len(kind) > 3 else ""
                f.write("  %s: {type: float, min: %r, max: %r%s, default: %r}\n"
                        % (name, kind[1], kind[2], step, float(v)))
            else:
                d = v if kind[1] == "str" else fmt(float(v))
                f.write("  %s: {type: categorical, values: %s, default: %s}\n"
                        % (name, json.dumps(kind[2]), json.dumps(d)))
        f.write("objective: {metric: value, goal: %s}\n" % direction)


class Table:
    """A prepared table: params, data (numeric, codes for word categories), perf."""

    def __init__(self, path):
        with open(path + ".tab") as f:
            if f.readline().split() != ["vmtune-table", "1"]:
                sys.exit("eval-search.py: %s.tab: not a prepared table" % path)
            self.direction, np_, nr = f.readline().split()
            self.params = []
            for _ in range(int(np_)):
                w = f.readline().split()
                self.params.append(w)
            m = np.loadtxt(f, ndmin=2)
        self.names = [p[0] for p in self.params]
        self.data, perf = m[:, :-1], m[:, -1]
        self.perf = perf if self.direction == "minimize" else -perf
        self.scale = []
        for j, p in enumerate(self.params):
            word = p[1] == "cat" and p[2] == "str"
            rng = np.ptp(self.data[:, j])
            self.scale.append(None if word else (rng if rng > 0 else 1.0))
        self.sorted = np.sort(self.perf)

    def encode(self, cfg):
        """A configuration (name -> value as vmtune or Optuna gives it) as a row."""
        x = []
        for p in self.params:
            v = cfg[p[0]]
            if p[1] == "bool":
                x.append(1.0 if v in (True, 1, "true", "1") else 0.0)
            elif p[1] == "cat" and p[2] == "str":
                x.append(float(p[4:].index(str(v))))
            else:
                x.append(float(v))
        return x

    def nearest(self, x):
        """The nearest row as scripts/evaltable.c finds it, in the same order of sums."""
        d = np.zeros(len(self.data))
        for j, s in enumerate(self.scale):
            if s is None:
                d += (self.data[:, j] != x[j]).astype(float)
            else:
                d += np.abs(self.data[:, j] - x[j]) / s
        return int(np.argmin(d))

    def rank(self, cfg):
        v = self.perf[self.nearest(self.encode(cfg))]
        return int(np.searchsorted(self.sorted, v, side="left"))


def optuna_main(args):
    path, seeds, sigma = args[0], int(args[1]), float(args[2])
    budgets = [int(b) for b in args[3:]]
    import optuna  # only this half needs it

    t = Table(path)
    stream = int(os.environ.get("EVAL_NOISE_STREAM", "0"))
    first = int(os.environ.get("EVAL_FIRST_SEED", "1"))	# to add seeds to a kept run
    near = {}

    def value(cfg):
        key = tuple(t.encode(cfg))
        if key not in near:
            near[key] = t.nearest(list(key))
        return t.perf[near[key]]

    def suggest(trial, p):
        if p[1] == "bool":
            return trial.suggest_categorical(p[0], [0, 1])
        if p[1] == "int":
            return trial.suggest_int(p[0], int(p[2]), int(p[3]), step=int(p[4]))
        if p[1] == "float":
            return trial.suggest_float(p[0], float(p[2]), float(p[3]),
                                       step=float(p[4]) if len(p) > 4 else None)
        return trial.suggest_categorical(p[0], p[4:])

    def baseline():
        b = {}
        for j, p in enumerate(t.params):
            x = t.data[0, j]
            b[p[0]] = (int(x) if p[1] in ("bool", "int") else float(x) if p[1] == "float"
                       else p[4 + int(x)] if p[2] == "str" else p[4:][[float(v) for v in p[4:]].index(x)])
        return b

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    samplers = {
        "optuna-tpe": lambda s: optuna.samplers.TPESampler(seed=s),
        "optuna-random": lambda s: optuna.samplers.RandomSampler(seed=s),
    }
    sign = 1.0 if t.direction == "minimize" else -1.0
    for label, make in samplers.items():
        for seed in range(first, first + seeds):
            for budget in budgets:
                noise = random.Random(seed * 7919 + budget + 1000003 * stream)

                def objective(trial):
                    cfg = {p[0]: suggest(trial, p) for p in t.params}
                    v = sign * value(cfg)	# the table's own value, positive
                    return v * math.exp(noise.gauss(0, sigma)) if sigma > 0 else v

                study = optuna.create_study(direction=t.direction, sampler=make(seed))
                study.enqueue_trial(baseline())
                study.optimize(objective, n_trials=budget)
                print(label, seed, budget, json.dumps(study.best_trial.params), flush=True)


def warm_main(t, path):
    """cold/warm lines of scripts/eval-warm.sh: median ranks and the fewest warm trials."""
    ranks = {}
    with open(path) as f:
        for line in f:
            label, _seed, budget, cfg = line.split(" ", 3)
            ranks.setdefault((label, int(budget)), []).append(t.rank(json.loads(cfg)))
    med = {k: statistics.median(v) for k, v in ranks.items()}
    cold100 = med.get(("cold", 100))
    print("cold: 50 trials %s, 100 trials %s" % (med.get(("cold", 50)), cold100))
    warm = sorted(b for (label, b) in med if label == "warm")
    print("warm from the 50-trial run: " +
          ", ".join("%d trials %s" % (b, med["warm", b]) for b in warm))
    enough = [b for b in warm if cold100 is not None and med["warm", b] <= cold100]
    print("fewest warm trials to reach the cold run's 100-trial median rank: %s"
          % (enough[0] if enough else "none of %s" % warm))


CELL_BOUND = 1.25	# a cell fails when its ratio's whole interval lies above this
RESAMPLES = 2000


def resampled():
    """A chooser of seeds for cell_ratio: k of k, drawn with replacement (seeded)."""
    rng = random.Random(12345)
    return lambda k: [rng.randrange(k) for _ in range(k)]


def interval(values):
    """The 95% interval of a bootstrap's values."""
    out = sorted(values)
    return out[int(0.025 * len(out))], out[int(0.975 * len(out)) - 1]


def ratio_interval(mine, peer):
    """95% bootstrap interval of (median(mine) + 1) / (median(peer) + 1), as cell_ratio draws it."""
    pick = resampled()
    return interval(cell_ratio({"mine": mine, "peers": [peer]}, pick) for _ in range(RESAMPLES))


def cell_ratio(c, pick):
    """(median + 1) / (better peer's median + 1) of cell c over the seeds that
    pick(n) chooses of each side's n (the same choice for all where they ran
    as many seeds: in pairs, the harness giving them the same seed numbers;
    else each side on its own)."""
    sides = [c["mine"]] + c["peers"]
    paired = len({len(r) for r in sides}) == 1
    idx = pick(len(c["mine"])) if paired else None
    med = [statistics.median(r[i] for i in (idx if paired else pick(len(r)))) for r in sides]
    return (med[0] + 1) / (min(med[1:]) + 1)


def geomean_main(args):
    """The geometric mean of the cells' ratios to the better peer (the cells
    rank_main left in CELLS, one JSON object a line), with a 95% bootstrap
    interval: each resample draws every cell's seeds anew and takes the
    better peer again; the same over the budget-20 cells."""
    if len(args) != 1:
        sys.exit("usage: eval-search.py geomean CELLS")
    cells = []
    with open(args[0]) as f:
        for n, line in enumerate(f, 1):
            try:
                c = json.loads(line)
                ok = c["mine"] and c["peers"] and all(c["peers"]) and int(c["budget"]) > 0
            except (ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                sys.exit("eval-search.py: %s:%d: not a cell (table, budget, mine, peers)"
                         % (args[0], n))
            cells.append(c)
    every = lambda n: range(n)
    anew = resampled()
    line = []
    for label, group in (("", cells), ("budget-20 ", [c for c in cells if c["budget"] == 20])):
        if not group:
            continue
        def gm(pick):
            return math.exp(sum(math.log(cell_ratio(c, pick)) for c in group) / len(group))
        lo, hi = interval(gm(anew) for _ in range(RESAMPLES // 4))
        line.append("over the %d %scells: %.2f [%.2f, %.2f]" % (len(group), label, gm(every), lo, hi))
    print("geometric mean " + "; ".join(line))


def rank_main(args):
    name, against, bound = "tpe", None, CELL_BOUND
    if len(args) == 3 and args[2] == "--warm":
        return warm_main(Table(args[0]), args[1])
    if len(args) in (4, 6) and args[2] == "--strategy":
        name = args[3]
        if len(args) == 6 and args[4] == "--peer":	# one peer, a loss beyond its own interval
            against, bound = args[5], 1.0
        elif len(args) == 6:
            sys.exit("usage: eval-search.py rank OUT RESULTS [--strategy NAME [--peer NAME] | --warm]")
    elif len(args) != 2:
        sys.exit("usage: eval-search.py rank OUT RESULTS [--strategy NAME [--peer NAME] | --warm]")
    t = Table(args[0])
    ranks = {}
    with open(args[1]) as f:
        for line in f:
            label, seed, budget, cfg = line.split(" ", 3)
            ranks.setdefault(label, {}).setdefault(int(budget), []).append(
                (int(seed), t.rank(json.loads(cfg))))
    for by in ranks.values():	# in seed order: the same seed's pair side by side
        for b in by:
            by[b] = [r for _, r in sorted(by[b])]
    budgets = sorted({b for by in ranks.values() for b in by})
    print("%-14s" % "strategy" + "".join("  budget %-3d rank  top1%%" % b for b in budgets))
    med = {}
    for label in ranks:
        cells = []
        for b in budgets:
            r = ranks[label].get(b, [])
            med[label, b] = statistics.median(r) if r else None
            top = sum(x < 0.01 * len(t.perf) for x in r)
            cells.append("  %14s  %2d/%-2d" % ("%.1f" % med[label, b] if r else "-", top, len(r)))
        print("%-14s" % label + "".join(cells))
    peers = [p for p in ((against,) if against else ("optuna-tpe", "optuna-random")) if p in ranks]
    if name not in ranks or not peers:
        return
    logs, worse, failed, half = [], [], [], 0
    for b in budgets:
        have = [p for p in peers if med.get((p, b)) is not None]
        if not have or med.get((name, b)) is None:
            continue
        peer = min(have, key=lambda p: med[p, b])
        ratio = (med[name, b] + 1) / (med[peer, b] + 1)
        if os.environ.get("EVAL_CELLS") and not against:	# for geomean_main
            with open(os.environ["EVAL_CELLS"], "a") as f:
                f.write(json.dumps({"table": args[0], "budget": b, "mine": ranks[name][b],
                                    "peers": [ranks[p][b] for p in have]}) + "\n")
        lo, hi = ratio_interval(ranks[name][b], ranks[peer][b])
        logs.append(math.log(ratio))
        half += med[name, b] <= med[peer, b] / 2
        print("%s budget %d: ratio of medians (rank + 1) to %s %.2f [%.2f, %.2f]"
              % (name, b, peer, ratio, lo, hi))
        if med[name, b] > med[peer, b]:
            worse.append("budget %d: %.1f against %.1f" % (b, med[name, b], med[peer, b]))
        if lo > bound:
            failed.append("budget %d: [%.2f, %.2f]" % (b, lo, hi))
    gm = math.exp(sum(logs) / len(logs))
    print("%s against the better peer: geometric mean of (rank + 1) / (peer + 1) %.2f; "
          "at most half the peer's rank in %d/%d; worse in %d/%d%s"
          % (name, gm, half, len(logs), len(worse), len(logs),
             (": " + "; ".join(worse)) if worse else ""))
    print("%s cells whose interval lies above %.2f: %d/%d%s"
          % (name, bound, len(failed), len(logs), (": " + "; ".join(failed)) if failed else ""))
    for a, b in zip(budgets, budgets[1:]):
        if med.get((name, b)) is not None and med.get((name, a)) is not None \
                and med[name, b] > med[name, a]:
            print("%s: budget %d is worse than budget %d (%.1f against %.1f)"
                  % (name, b, a, med[name, b], med[name, a]))


if __name__ == "__main__":
    cmds = {"prepare": (prepare_main, 2), "optuna": (optuna_main, None), "rank": (rank_main, None),
            "geomean": (geomean_main, 1)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or \
            (cmds[sys.argv[1]][1] and len(sys.argv) - 2 != cmds[sys.argv[1]][1]):
        sys.exit("usage: eval-search.py prepare TABLE OUT | optuna OUT SEEDS SIGMA BUDGET... "
                 "| rank OUT RESULTS [--strategy NAME [--peer NAME] | --warm] | geomean CELLS")
    cmds[sys.argv[1]][0](sys.argv[2:])
