"""bench/metrics, the scipy/numpy path: the same metrics on the same rows, timed per metric.

Run with Debian's interpreter (/usr/bin/python3, python3-scipy and python3-numpy); prints one JSON
line: seconds per metric and the values, which the runner checks against the TypeScript ones.
Usage: scipy_path.py ROWS_FILE N_ROWS N_BINS
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy import stats

path, n, n_bins = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = np.fromfile(path, dtype=np.dtype([("idx", "<u4"), ("x", "<f8"), ("grp", "u1"), ("pred", "u1"), ("actual", "u1")]), count=n)
# Contiguous columns, as the TypeScript path holds them (copied before any clock starts).
x = np.ascontiguousarray(rows["x"])
grp = np.ascontiguousarray(rows["grp"])
pred = np.ascontiguousarray(rows["pred"])
actual = np.ascontiguousarray(rows["actual"])
half = n // 2
ref, cur = x[:half], x[half:]
seconds = {}

t = time.perf_counter()
ks = stats.ks_2samp(ref, cur)  # method 'auto': asymptotic at this size
seconds["ks"] = time.perf_counter() - t

t = time.perf_counter()
# PSI over n_bins bins between reference quantiles (numpy 'linear'), open outer bins; empty bins as
# Evidently: a proportion of 0 becomes 0.0001.
inner = np.quantile(ref, np.arange(1, n_bins) / n_bins)
edges = np.concatenate(([-np.inf], inner, [np.inf]))
ref_p = np.histogram(ref, edges)[0] / len(ref)
cur_p = np.histogram(cur, edges)[0] / len(cur)
ref_p = np.where(ref_p == 0, 0.0001, ref_p)
cur_p = np.where(cur_p == 0, 0.0001, cur_p)
psi = float(np.sum((cur_p - ref_p) * np.log(cur_p / ref_p)))
seconds["psi"] = time.perf_counter() - t

t = time.perf_counter()
w = stats.wasserstein_distance(ref, cur)
seconds["wasserstein"] = time.perf_counter() - t

t = time.perf_counter()
# Confusion counts per group in one pass (the fastest numpy form), then the rates.
cells = np.bincount(grp.astype(np.int64) * 4 + actual * 2 + pred, minlength=4 * (int(grp.max()) + 1)).reshape(-1, 4)
fairness = {}
for g, (tn, fp, fn, tp) in enumerate(cells.tolist()):
    count = tn + fp + fn + tp
    if count == 0:
        continue
    fairness[str(g)] = {"count": count, "selectionRate": (tp + fp) / count, "tpr": tp / (tp + fn), "fpr": fp / (fp + tn)}
seconds["fairness"] = time.perf_counter() - t

print(json.dumps({
    "seconds": seconds,
    "total": sum(seconds.values()),
    "ks": {"statistic": float(ks.statistic), "pValue": float(ks.pvalue)},
    "psi": psi,
    "edges": [float(e) for e in inner],
    "wasserstein": float(w),
    "fairness": fairness,
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "python": sys.version.split()[0]},
}))
