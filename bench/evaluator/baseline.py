"""bench/evaluator's baseline: the policy's 20 metrics with pandas/scipy on the rows in memory.

Reads the rows the store exported (fixed-width RowBinary) into a DataFrame (not timed), then times
only the computations: the same definitions the evaluator uses (numpy linear quantile edges with
open outer edges for PSI / Jensen-Shannon / Hellinger, scipy's ks_2samp and wasserstein_distance,
fairlearn's group rates over labelled predictions, scikit-learn's ROC AUC via average ranks).
Prints one JSON line.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

path = sys.argv[1]
features = [f"f{i}" for i in range(12)]
dtype = np.dtype([("cur", "u1")] + [(f, "<f8") for f in features]
                 + [("sex", "u1"), ("race", "u1"), ("score", "<f8"), ("pred", "u1"), ("labelled", "u1"), ("actual", "u1")])
started = time.perf_counter()
df = pd.DataFrame(np.fromfile(path, dtype=dtype))
load_seconds = time.perf_counter() - started

values = {}
per = {}


def timed(name, fn):
    t = time.perf_counter()
    values[name] = float(fn())
    per[name] = time.perf_counter() - t


cur_mask = df["cur"].to_numpy() == 1
ref = df[~cur_mask]
cur = df[cur_mask]


def binned(feature):
    r = ref[feature].dropna().to_numpy()
    c = cur[feature].dropna().to_numpy()
    inner = np.unique(np.quantile(r, np.arange(1, 10) / 10))  # numpy's linear quantiles, 10 bins
    rc = np.bincount(np.searchsorted(inner, r, side="right"), minlength=len(inner) + 1)
    cc = np.bincount(np.searchsorted(inner, c, side="right"), minlength=len(inner) + 1)
    return rc / rc.sum(), cc / cc.sum()


def psi(feature):
    p, q = binned(feature)
    return np.sum((q - p) * np.log(q / p))


def js(feature):
    p, q = binned(feature)
    return jensenshannon(p, q, base=2)


def hellinger(feature):
    p, q = binned(feature)
    return np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2)


def ks(feature, field):
    return getattr(stats.ks_2samp(ref[feature].dropna().to_numpy(), cur[feature].dropna().to_numpy()), field)


def wasserstein_normed(feature):
    r = ref[feature].dropna()
    return stats.wasserstein_distance(r.to_numpy(), cur[feature].dropna().to_numpy()) / r.std(ddof=0)


started = time.perf_counter()
timed("drift.f0", lambda: psi("f0"))
timed("drift.f1", lambda: ks("f1", "statistic"))
timed("drift.f2", lambda: wasserstein_normed("f2"))
timed("drift.f3", lambda: psi("f3"))
timed("drift.f4", lambda: ks("f4", "statistic"))
timed("drift.f5", lambda: psi("f5"))
timed("drift.f6", lambda: wasserstein_normed("f6"))
timed("drift.f7", lambda: js("f7"))
timed("drift.f8", lambda: hellinger("f8"))
timed("drift.f9", lambda: ks("f9", "pvalue"))

labelled = cur[cur["labelled"] == 1]


def group_rates(attribute):
    g = labelled.groupby(attribute)
    selection = g["pred"].mean()
    positives = labelled[labelled["actual"] == 1].groupby(attribute)["pred"].mean()
    negatives = labelled[labelled["actual"] == 0].groupby(attribute)["pred"].mean()
    return selection, positives, negatives


def dp_difference(attribute):
    # Selection rates need no label: the evaluator takes them over every prediction of the window.
    selection = cur.groupby(attribute)["pred"].mean()
    return selection.max() - selection.min()


def eo_difference(attribute):
    _, tpr, fpr = group_rates(attribute)
    return max(tpr.max() - tpr.min(), fpr.max() - fpr.min())


timed("fairness.sex", lambda: dp_difference("sex"))
timed("fairness.race", lambda: eo_difference("race"))


def confusion():
    y = labelled["actual"].to_numpy().astype(bool)
    p = labelled["pred"].to_numpy().astype(bool)
    return (y & p).sum(), (~y & p).sum(), (~y & ~p).sum(), (y & ~p).sum()


def precision():
    tp, fp, _, _ = confusion()
    return tp / (tp + fp)


def recall():
    tp, _, _, fn = confusion()
    return tp / (tp + fn)


def f1():
    tp, fp, _, fn = confusion()
    return 2 * tp / (2 * tp + fp + fn)


def roc_auc():
    y = labelled["actual"].to_numpy() == 1
    ranks = stats.rankdata(labelled["score"].to_numpy())
    npos = y.sum()
    nneg = len(y) - npos
    return (ranks[y].sum() - npos * (npos + 1) / 2) / (npos * nneg)


timed("performance.accuracy", lambda: (labelled["pred"] == labelled["actual"]).mean())
timed("performance.precision", precision)
timed("performance.recall", recall)
timed("performance.f1", f1)
timed("performance.roc_auc", roc_auc)
timed("quality.missing_rate", lambda: cur["f11"].isna().mean())


def out_of_range():
    lo, hi = ref["f4"].min(), ref["f4"].max()
    c = cur["f4"].dropna()
    return ((c < lo) | (c > hi)).mean()


timed("quality.out_of_range_rate", out_of_range)
timed("quality.volume", lambda: len(cur))
seconds = time.perf_counter() - started

print(json.dumps({
    "seconds": seconds, "loadSeconds": load_seconds, "values": values,
    "perMetric": {k: round(v, 3) for k, v in per.items()},
    "versions": {"pandas": pd.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
}))
