"""simcommerce.unique.unique gives exactly what np.unique gives: values, first index, inverse, counts, dtypes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simcommerce.unique import rank_within, unique

FLAGS = list(itertools.product((False, True), repeat=3))  # return_index, return_inverse, return_counts
DTYPES = (np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64, np.uint64)


def assert_same(a, **flags) -> None:
    want = np.unique(a, **flags)
    got = unique(a, **flags)
    if not any(flags.values()):
        want, got = (want,), (got,)
    assert isinstance(got, tuple) and len(got) == len(want)
    for w, g in zip(want, got):
        assert g.dtype == w.dtype
        assert g.shape == w.shape
        np.testing.assert_array_equal(g, w)


def flags_of(index: bool, inverse: bool, counts: bool) -> dict:
    return {"return_index": index, "return_inverse": inverse, "return_counts": counts}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", FLAGS)
def test_random_inputs_of_every_integer_dtype(dtype, flags):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(7)
    for size in (1, 2, 17, 1000, 50_000):
        for width in (3, size, 40 * size, None):  # few values, as many as entries (dense table), wide, full dtype
            lo = max(info.min, -width // 2) if width else info.min
            hi = min(info.max, lo + width) if width else info.max
            a = rng.integers(lo, hi, size, dtype=dtype, endpoint=True)
            assert_same(a, **flags_of(*flags))


@pytest.mark.parametrize("flags", FLAGS)
def test_edge_cases(flags):
    kw = flags_of(*flags)
    for dtype in (np.int32, np.int64, np.uint64):
        assert_same(np.array([], dtype=dtype), **kw)  # empty
        assert_same(np.full(1000, 5, dtype=dtype), **kw)  # all equal
        assert_same(np.arange(1000, dtype=dtype), **kw)  # already sorted, all distinct
        assert_same(np.repeat(np.arange(100, dtype=dtype), 7), **kw)  # already sorted, runs
        assert_same(np.arange(1000, dtype=dtype)[::-1], **kw)  # reversed
    info = np.iinfo(np.int64)
    assert_same(np.array([info.max, info.min, 0, info.max, info.min], dtype=np.int64), **kw)  # span > int64
    assert_same(np.array([2**64 - 1, 0, 2**63, 2**64 - 1], dtype=np.uint64), **kw)
    assert_same(np.array([info.max - 3, info.max, info.max - 3], dtype=np.int64), **kw)  # near the top
    assert_same(np.array([info.min + 3, info.min, info.min + 3], dtype=np.int64), **kw)  # near the bottom
    assert_same(np.array([[3, 1, 3], [2, 2, 9]], dtype=np.int64), **kw)  # 2-D is flattened


def test_first_index_is_the_first_occurrence_and_inverse_rebuilds():
    a = np.array([5, 3, 5, 3, 9, 3, 5], dtype=np.int64)
    values, first, inverse, counts = unique(a, return_index=True, return_inverse=True, return_counts=True)
    assert values.tolist() == [3, 5, 9]
    assert first.tolist() == [1, 0, 4]
    assert counts.tolist() == [3, 3, 1]
    assert (values[inverse] == a).all()


def test_wide_keys_take_the_argsort_path():
    """Where (value - min) * size overflows int64 the stable argsort gives the same first indices."""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2**62, 10_000, dtype=np.int64)
    a[::3] = a[0]  # repeats, so that "first" is a real choice
    assert_same(a, return_index=True, return_inverse=True, return_counts=True)


def test_other_dtypes_go_to_numpy():
    f = np.array([0.5, np.nan, 0.5, -1.0, np.nan])
    assert_same(f, return_index=True, return_counts=True)
    assert_same(np.array([True, False, True]), return_inverse=True)
    assert unique([3, 1, 3]).tolist() == [1, 3]  # lists are taken as arrays


@pytest.mark.slow
def test_large_input_is_identical():
    """10^6 int64 with ~6·10^5 distinct values (the dense table, the sort and the key paths)."""
    a = np.random.default_rng(11).integers(0, 10**6, 10**6)
    for kw in ({}, {"return_index": True}, {"return_counts": True}, {"return_inverse": True}):
        assert_same(a, **kw)
        assert_same(a * 1000, **kw)  # a range wider than the array: sorted, not tabled


@pytest.mark.parametrize("dtype", DTYPES)
def test_rank_within_counts_the_equal_values_before_each(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(11)
    for size in (1, 2, 50, 3000):
        for hi in (3, size, int(info.max)):  # many repeats, some, hardly any (wide: the argsort fallback)
            a = rng.integers(0, min(hi, int(info.max)), size, endpoint=True, dtype=dtype)
            seen: dict[int, int] = {}
            want = np.empty(size, dtype=np.int64)
            for i, v in enumerate(a.tolist()):
                want[i] = seen.get(v, 0)
                seen[v] = want[i] + 1
            rank, values, counts = rank_within(a, return_counts=True)
            assert rank.dtype == np.int64
            np.testing.assert_array_equal(rank, want)
            np.testing.assert_array_equal(rank_within(a), want)
            w_values, w_counts = np.unique(a, return_counts=True)
            assert values.dtype == a.dtype
            np.testing.assert_array_equal(values, w_values)
            np.testing.assert_array_equal(counts, w_counts)
    rank, values, counts = rank_within(np.zeros(0, dtype=dtype), return_counts=True)
    assert len(rank) == len(values) == len(counts) == 0
