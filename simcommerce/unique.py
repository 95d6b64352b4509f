"""``unique``: the distinct values of an integer array, as ``np.unique`` gives them, but fast on large arrays.

numpy 2.3 and later find the distinct values of an integer array with a hash table when no index,
inverse or counts is asked for; with many distinct values that is far slower than a sort (numpy 2.5.5,
10^7 int64 with ~6·10^6 distinct values: 8.5–11 s against 0.17 s for a sort and a neighbour mask). Asked
for the first index or the inverse, numpy uses a stable argsort (1.5–2 s there). This module gives the
same results from:

- a boolean table over the value range when the range is no wider than the array (values only);
- ``np.sort`` and a mask of "differs from its left neighbour" otherwise (values and counts);
- for the first index and the inverse, a stable argsort of ``value - min`` as uint8/uint16 when the
  values span at most 2^16 (numpy sorts those by radix, in linear time); else one ``np.sort`` of
  ``(value - min) * size + position``, which orders by value and then by position (a stable argsort for
  the price of a sort), when that key fits in int64; otherwise a stable argsort. ``rank_within`` (each
  element's rank among the equal values before it) uses the same sort.

Only flattened (``axis=None``) use is supported, as at every call site in the package. Arrays that are
not integers (floats, bools, objects) go to ``np.unique`` unchanged.
"""

from __future__ import annotations

import numpy as np

# numpy 2.x gives the inverse the input's shape (axis=None); 1.26 gives it flat. Follow the installed one.
_INVERSE_KEEPS_SHAPE = np.unique(np.zeros((1, 2), dtype=np.int8), return_inverse=True)[1].ndim == 2


def unique(values, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False):
    """The sorted distinct values of ``values`` (flattened), and optionally: the index of each value's
    first occurrence, the inverse (``result[inverse]`` rebuilds the input) and the number of occurrences.

    Same values, dtypes and tuple layout as ``np.unique(values, return_index, return_inverse,
    return_counts)``; index, inverse and counts are ``np.intp``.
    """
    a = np.asarray(values)
    if a.dtype.kind not in "iu" or a.size == 0:
        return np.unique(a, return_index=return_index, return_inverse=return_inverse, return_counts=return_counts)
    flat = a.ravel()
    n = flat.size
    lo, hi = flat.min(), flat.max()
    span = int(hi) - int(lo) + 1
    if not (return_index or return_inverse):
        if not return_counts and span <= n:  # dense: a table of the values present
            present = np.zeros(span, dtype=bool)
            present[_offsets(flat, lo)] = True
            return _values_at(np.flatnonzero(present), lo, a.dtype)
        ordered = np.sort(flat)
        first = _run_starts(ordered)
        out = ordered[first]
        if not return_counts:
            return out
        return out, _run_lengths(first, n)

    order, first, out = _stable_runs(flat, lo, span)
    result = (out,)
    if return_index:
        result += (order[first],)
    if return_inverse:
        group = np.zeros(n, dtype=np.intp)
        group[first[1:]] = 1
        inverse = np.empty(n, dtype=np.intp)
        inverse[order] = np.cumsum(group, out=group)
        result += (inverse.reshape(a.shape) if _INVERSE_KEEPS_SHAPE else inverse,)
    if return_counts:
        result += (_run_lengths(first, n),)
    return result


def rank_within(values, return_counts: bool = False):
    """For each element of the 1-d integer array ``values``: how many earlier elements have the same value
    (0 for the first), as int64; with ``return_counts``, also the sorted distinct values and their numbers of
    occurrences (as ``unique(values, return_counts=True)``), from the same sort."""
    flat = np.asarray(values)
    n = flat.size
    if n == 0:
        rank = np.zeros(0, dtype=np.int64)
        return (rank, flat.copy(), np.zeros(0, dtype=np.intp)) if return_counts else rank
    lo = flat.min()
    order, first, distinct = _stable_runs(flat, lo, int(flat.max()) - int(lo) + 1)
    counts = _run_lengths(first, n)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(first, counts)
    return (rank, distinct, counts) if return_counts else rank


def _stable_runs(flat: np.ndarray, lo, span: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a stable argsort of ``flat``, where each run of equal values starts in that order, the distinct values
    in ``flat``'s dtype). A stable argsort of ``value - lo`` as uint8/uint16 (numpy's radix sort) when the span
    fits; else one ``np.sort`` of ``(value - lo) * size + position`` when that key fits in int64; otherwise a
    stable argsort."""
    n = flat.size
    if span <= 1 << 16:
        offsets = _offsets(flat, lo).astype(np.uint8 if span <= 1 << 8 else np.uint16)
        order = np.argsort(offsets, kind="stable")
        offsets = offsets[order]
        first = _run_starts(offsets)
        return order, first, _values_at(offsets[first].astype(np.intp), lo, flat.dtype)
    if span * n <= 2**63:  # the largest key, (span - 1) * n + (n - 1), fits in int64
        key = _offsets(flat, lo) * n
        key += np.arange(n, dtype=np.intp)
        key.sort()
        offsets = key // n
        order = key - offsets * n  # positions, by value and then by position
        del key
        first = _run_starts(offsets)
        return order, first, _values_at(offsets[first], lo, flat.dtype)
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    first = _run_starts(ordered)
    return order, first, ordered[first]


def _offsets(flat: np.ndarray, lo) -> np.ndarray:
    """``flat - lo`` as intp (0 .. span-1), without overflow in narrow or unsigned dtypes."""
    if flat.dtype.kind == "u":
        return (flat - lo).astype(np.intp, copy=False)  # flat >= lo, and the difference fits
    return flat.astype(np.intp) - np.intp(lo)


def _values_at(offsets: np.ndarray, lo, dtype) -> np.ndarray:
    """``offsets + lo`` in ``dtype`` (modular arithmetic in the dtype: exact, as the sum fits)."""
    return offsets.astype(dtype) + np.asarray(lo, dtype=dtype)


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """Positions in a sorted array where a new value starts (the first is 0)."""
    change = np.empty(len(ordered), dtype=bool)
    change[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=change[1:])
    return np.flatnonzero(change)


def _run_lengths(starts: np.ndarray, n: int) -> np.ndarray:
    return np.diff(starts, append=n)
