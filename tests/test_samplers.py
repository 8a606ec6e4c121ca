"""The compiled samplers against scipy.stats: chi-square goodness of fit of their draws to the
exact probability function, their mean and variance, the hats and squeezes of their rejection
methods, their degenerate arguments, their argument checks and their use of the random stream.

Every case draws from a fixed seed, so each p-value is one fixed number and the tests cannot
flake; the thresholds (p > 1e-4, moments within 5 standard errors) are the ones a correct sampler
would pass with probability 0.9999 and 0.999999 for an arbitrary seed, and a change to a sampler
that reseeds them keeps that margin.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from numba import njit
from scipy import stats

from sim import samplers as S
from sim.streams import stream

DRAWS = 30_000
MIN_P = 1e-4
SE = 5.0


@njit(cache=True)
def _draw_binomial_prepared(rng, n, p, size):
    c = S.binomial_constants(p)
    out = np.empty(size, np.int64)
    for i in range(size):
        out[i] = S.binomial_prepared(rng, n, c)
    return out


@njit(cache=True)
def _draw_poisson(rng, lam, size):
    out = np.empty(size, np.int64)
    for i in range(size):
        out[i] = S.poisson(rng, lam)
    return out


@njit(cache=True)
def _draw_negative_binomial(rng, k, p, size):
    out = np.empty(size, np.int64)
    for i in range(size):
        out[i] = S.negative_binomial(rng, k, p)
    return out


@njit(cache=True)
def _draw_hypergeometric(rng, ngood, nbad, nsample, size):
    out = np.empty(size, np.int64)
    for i in range(size):
        out[i] = S.hypergeometric(rng, ngood, nbad, nsample)
    return out


def rng_for(*case) -> np.ndarray:
    """A fixed random stream per case."""
    return stream(np.random.SeedSequence(20_240_611, spawn_key=(zlib.crc32(repr(case).encode()),)))


def seeded(seed: int) -> np.ndarray:
    return stream(np.random.SeedSequence(seed))


def draw_binomial(rng, n, p, size=DRAWS):
    return S.binomial_array(rng, np.full(size, n, np.int64), np.full(size, float(p)), np.empty(size, np.int64))


def chi_square(draws: np.ndarray, dist) -> tuple[float, int]:
    """p-value of the chi-square test of ``draws`` against the discrete ``dist``, and the number
    of classes: one per value, the tails folded into the end classes, neighbours merged until each
    expects at least 5 draws."""
    lo = int(min(draws.min(), dist.ppf(1e-9)))
    hi = int(max(draws.max(), dist.isf(1e-9)))
    values = np.arange(lo, hi + 1)
    size = draws.size
    expected = dist.pmf(values) * size
    expected[0] += dist.cdf(lo - 1) * size
    expected[-1] += dist.sf(hi) * size
    observed = np.bincount(draws - lo, minlength=values.size).astype(float)
    exp_bins, obs_bins = [], []
    e = o = 0.0
    for ei, oi in zip(expected, observed, strict=True):
        e, o = e + ei, o + oi
        if e >= 5.0:
            exp_bins.append(e)
            obs_bins.append(o)
            e = o = 0.0
    if exp_bins:
        exp_bins[-1] += e
        obs_bins[-1] += o
    else:
        exp_bins, obs_bins = [e], [o]
    exp_a, obs_a = np.array(exp_bins), np.array(obs_bins)
    if exp_a.size < 2:
        return 1.0, int(exp_a.size)
    exp_a *= size / exp_a.sum()  # the pmf sums to 1 within round-off
    stat = float(((obs_a - exp_a) ** 2 / exp_a).sum())
    return float(stats.chi2.sf(stat, exp_a.size - 1)), int(exp_a.size)


def check_moments(draws: np.ndarray, dist) -> None:
    """Sample mean and variance within ``SE`` standard errors of the law's."""
    mean, var, kurt = (float(v) for v in dist.stats(moments="mvk"))
    size = draws.size
    assert abs(draws.mean() - mean) <= SE * math.sqrt(var / size) + 1e-12
    # Standard error of the sample variance: sqrt((mu4 - var^2 (N - 3) / (N - 1)) / N).
    mu4 = (kurt + 3.0) * var * var
    se_var = math.sqrt(max(mu4 - var * var * (size - 3) / (size - 1), 0.0) / size)
    assert abs(draws.var(ddof=1) - var) <= SE * se_var + 1e-12


def check(draws: np.ndarray, dist) -> float:
    pvalue, _ = chi_square(draws, dist)
    assert pvalue > MIN_P
    check_moments(draws, dist)
    return pvalue


# (n, p): inversion below n * min(p, 1 - p) = 10, BTRS from it on; p > 0.5 draws failures.
BINOMIAL = [
    (1, 0.3),
    (30, 0.01),
    (200, 0.02),
    (12, 0.5),
    (10_000, 1e-4),
    (1000, 0.0099),
    (1000, 0.0101),
    (50, 0.3),
    (400, 0.15),
    (10_000, 0.3),
    (100, 0.95),
    (400, 0.9),
    (2_000_000, 0.01),
    (3_000_000, 2e-6),
    (5_000_000, 0.5),
    (7_000_000, 0.9999),
]
POISSON = [0.05, 2.5, 9.99, 10.0, 35.0, 1000.0, 1e6]
# (k, p) as numpy: the engine's p = k / (k + mean).
NEGATIVE_BINOMIAL = [(0.5, 0.1), (0.8, 0.8 / 30.8), (2.0, 0.3), (5.0, 0.05), (1.5, 0.9), (50.0, 0.5), (20.0, 0.02)]
# (ngood, nbad, nsample): inversion when min(nsample, total - nsample) < 10, else HRUA.
HYPERGEOMETRIC = [
    (5, 15, 4),
    (1000, 9000, 9),
    (400, 600, 995),
    (10, 10, 10),
    (20, 30, 25),
    (9000, 1000, 3000),
    (3_000_000, 1_000_000, 200_000),
    (50, 2_000_000, 1_000_000),
    (2_000_000, 3, 1_999_000),
    (1_500_000, 2_500_000, 20),
]


def binomial_pvalue(n, p):
    draws = draw_binomial(rng_for("binomial", n, p), n, p)
    return check(draws, stats.binom(n, p))


def binomial_prepared_pvalue(n, p):
    draws = _draw_binomial_prepared(rng_for("prepared", n, p), n, p, DRAWS)
    return check(draws, stats.binom(n, p))


def poisson_pvalue(lam):
    return check(_draw_poisson(rng_for("poisson", lam), lam, DRAWS), stats.poisson(lam))


def negative_binomial_pvalue(k, p):
    return check(_draw_negative_binomial(rng_for("nbinom", k, p), k, p, DRAWS), stats.nbinom(k, p))


def hypergeometric_pvalue(ngood, nbad, nsample):
    draws = _draw_hypergeometric(rng_for("hypergeom", ngood, nbad, nsample), ngood, nbad, nsample, DRAWS)
    return check(draws, stats.hypergeom(ngood + nbad, ngood, nsample))


@pytest.mark.parametrize(("n", "p"), BINOMIAL)
def test_binomial_fits(n, p):
    binomial_pvalue(n, p)


@pytest.mark.parametrize(("n", "p"), [(100, 0.95), (200, 0.02), (10_000, 0.3), (2_000_000, 0.01)])
def test_binomial_prepared_fits(n, p):
    binomial_prepared_pvalue(n, p)


@pytest.mark.parametrize("lam", POISSON)
def test_poisson_fits(lam):
    poisson_pvalue(lam)


@pytest.mark.parametrize(("k", "p"), NEGATIVE_BINOMIAL)
def test_negative_binomial_fits(k, p):
    negative_binomial_pvalue(k, p)


@pytest.mark.parametrize(("ngood", "nbad", "nsample"), HYPERGEOMETRIC)
def test_hypergeometric_fits(ngood, nbad, nsample):
    hypergeometric_pvalue(ngood, nbad, nsample)


def test_the_check_rejects_near_misses():
    """The chi-square check has the power to see a slightly wrong law or an approximation."""
    rng = np.random.default_rng(7)
    assert chi_square(rng.binomial(10_000, 0.303, DRAWS), stats.binom(10_000, 0.3))[0] < MIN_P
    assert chi_square(rng.poisson(10.0, DRAWS), stats.binom(50, 0.2))[0] < MIN_P
    normal = np.rint(rng.normal(3.0, math.sqrt(3.0 * 0.99), DRAWS)).astype(np.int64)
    assert chi_square(normal, stats.binom(300, 0.01))[0] < MIN_P


def test_binomial_array_is_scalar_draws_in_order():
    n = np.array([0, 5, 100, 10_000, 3, 2_000_000, 40, 7])
    p = np.array([0.2, 1.0, 0.5, 0.3, 0.0, 0.01, 0.97, 1e-4])
    out = S.binomial_array(seeded(3), n, p, np.empty(n.size, np.int64))
    rng = seeded(3)
    assert out.tolist() == [S.binomial(rng, int(a), float(b)) for a, b in zip(n, p, strict=True)]
    assert out[0] == 0 and out[1] == 5 and out[4] == 0


def test_prepared_matches_plain_binomial():
    for n, p in [(200, 0.02), (10_000, 0.3), (400, 0.9)]:
        a, b = rng_for("same", n, p), rng_for("same", n, p)
        c = S.binomial_constants(p)
        assert [S.binomial_prepared(a, n, c) for _ in range(50)] == [S.binomial(b, n, p) for _ in range(50)]


def test_draws_advance_the_callers_stream_reproducibly():
    a, b = seeded(11), seeded(11)
    first = draw_binomial(a, 10_000, 0.3, 100)
    assert np.array_equal(first, draw_binomial(b, 10_000, 0.3, 100))
    assert np.array_equal(a, b)
    assert not np.array_equal(first, draw_binomial(a, 10_000, 0.3, 100))


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda r: S.binomial(r, 0, 0.3), 0),
        (lambda r: S.binomial(r, 25, 0.0), 0),
        (lambda r: S.binomial(r, 25, 1.0), 25),
        (lambda r: S.binomial_prepared(r, 25, S.binomial_constants(1.0)), 25),
        (lambda r: S.binomial_prepared(r, 25, S.binomial_constants(0.0)), 0),
        (lambda r: S.binomial_prepared(r, 0, S.binomial_constants(0.4)), 0),
        (lambda r: S.poisson(r, 0.0), 0),
        (lambda r: S.negative_binomial(r, 2.5, 1.0), 0),
        (lambda r: S.hypergeometric(r, 10, 20, 0), 0),
        (lambda r: S.hypergeometric(r, 0, 20, 7), 0),
        (lambda r: S.hypergeometric(r, 10, 0, 7), 7),
        (lambda r: S.hypergeometric(r, 10, 20, 30), 10),
    ],
)
def test_degenerate_arguments_are_exact_and_draw_nothing(call, expected):
    rng = seeded(5)
    before = rng.copy()
    assert call(rng) == expected
    assert np.array_equal(rng, before)


@pytest.mark.parametrize(
    "call",
    [
        lambda r: S.binomial(r, -1, 0.3),
        lambda r: S.binomial(r, 10, 1.5),
        lambda r: S.binomial(r, 10, -0.1),
        lambda r: S.binomial(r, 10, math.nan),
        lambda r: S.binomial_constants(math.nan),
        lambda r: S.binomial_array(r, np.array([1, 2]), np.array([0.1]), np.empty(2, np.int64)),
        lambda r: S.poisson(r, -1.0),
        lambda r: S.poisson(r, math.nan),
        lambda r: S.poisson(r, math.inf),
        lambda r: S.negative_binomial(r, 0.0, 0.5),
        lambda r: S.negative_binomial(r, 2.0, 0.0),
        lambda r: S.hypergeometric(r, -1, 5, 2),
        lambda r: S.hypergeometric(r, 3, 5, 9),
        lambda r: S.hypergeometric(r, 3, 5, -1),
    ],
)
def test_invalid_arguments_raise(call):
    with pytest.raises(ValueError):
        call(seeded(0))


# The rejection samplers are exact only if their hat dominates the probability function and their
# squeeze lies under it.  Checked on a grid of the uniform u: within the u-interval of one value
# the acceptance bound moves monotonically, by under 1e-4 relative between grid points, far less
# than the margins found over a wide sweep of arguments (0.2% at worst, BTRS near n = 23,
# p = 0.458; the cases below include the worst ones found).
GRID = (np.arange(1_000_000) + 0.5) / 1_000_000 - 0.5
US = 0.5 - np.abs(GRID)


def acceptance_bound(k, ok, logpmf, scale):
    """``exp(logpmf(k)) * scale`` where ``ok``, else 0, evaluating the pmf once per value."""
    values, index = np.unique(np.where(ok, k, k[ok][0]), return_inverse=True)
    return np.where(ok, np.exp(logpmf(values))[index] * scale, 0.0)


@pytest.mark.parametrize(
    ("n", "p"),
    [(1000, 0.0101), (20, 0.5), (23, 0.4583), (50, 0.3), (200, 0.05), (10_000, 0.3), (10_000, 0.001), (2_000_000, 0.01),
     (10_000_000, 0.357), (10_000_000, 0.0339), (100_000_000, 0.5)],
)  # fmt: skip
def test_btrs_hat_dominates_and_squeeze_lies_under(n, p):
    a, b, c, alpha, vr, m = S.btrs_constants(n, p)
    k = np.floor((2 * a / US + b) * GRID + c)
    ok = (k >= 0) & (k <= n)
    dist = stats.binom(n, p)
    bound = acceptance_bound(k, ok, lambda x: dist.logpmf(x) - dist.logpmf(m), (a / US**2 + b) / alpha)
    assert bound.max() <= 1.0
    assert bound[ok & (US >= 0.07)].min() >= vr


@pytest.mark.parametrize("lam", [10.0, 14.04, 20.0, 30.86, 50.0, 100.0, 1000.0, 1e6, 1e9])
def test_ptrs_hat_dominates_and_squeeze_lies_under(lam):
    a, b, invalpha, vr = S.ptrs_constants(lam)
    k = np.floor((2 * a / US + b) * GRID + lam + 0.43)
    ok = k >= 0
    bound = acceptance_bound(k, ok, stats.poisson(lam).logpmf, (a / US**2 + b) / invalpha)
    assert bound.max() <= S.PTRS_HAT
    assert bound[ok & (US >= 0.07)].min() >= vr
    small = ok & (US < 0.013)
    assert (bound[small] <= US[small]).all()  # the early rejection of v > us there


def test_published_ptrs_constants_are_not_exact():
    """Why :data:`PTRS_HAT` and :data:`PTRS_SQUEEZE` differ from 1."""
    a, b, invalpha, vr = S.ptrs_constants(14.04)
    k = np.floor((2 * a / US + b) * GRID + 14.04 + 0.43)
    assert acceptance_bound(k, k >= 0, stats.poisson(14.04).logpmf, (a / US**2 + b) / invalpha).max() > 1.005
    a, b, invalpha, vr = S.ptrs_constants(30.86)
    k = np.floor((2 * a / US + b) * GRID + 30.86 + 0.43)
    sq = (k >= 0) & (US >= 0.07)
    bound = acceptance_bound(k, k >= 0, stats.poisson(30.86).logpmf, (a / US**2 + b) / invalpha)
    assert bound[sq].min() < vr / S.PTRS_SQUEEZE


@pytest.mark.parametrize(
    ("ngood", "nbad", "nsample"),
    [(20, 30, 25), (10, 10, 10), (1, 100, 50), (9000, 1000, 3000), (1000, 1000, 1000), (3_000_000, 1_000_000, 200_000),
     (50, 2_000_000, 1_000_000), (2_581_442, 32_314_224, 17_248_202), (10**7, 10**7, 10**7)],
)  # fmt: skip
def test_hrua_region_lies_in_the_unit_square(ngood, nbad, nsample):
    total = ngood + nbad
    n, m = min(nsample, total - nsample), min(ngood, nbad)
    a, h, mode, b = S.hrua_constants(m, total, n)
    dist = stats.hypergeom(total, m, n)
    sd = math.sqrt(dist.var())
    # Beyond 40 standard deviations sqrt(P(k) / P(mode)) * |k - a| is below 1e-100.
    k = np.arange(max(0, n - (total - m), math.floor(a - 40 * sd)), min(n, m, math.ceil(a + 40 * sd)) + 1)
    g = np.exp(dist.logpmf(k) - dist.logpmf(mode))
    assert g.max() <= 1.0 + 1e-12
    assert (np.sqrt(g) * np.maximum(np.abs(k - a), np.abs(k + 1 - a))).max() <= h / 2
    assert dist.sf(b - 1) < 1e-40  # the mass HRUA never proposes


def test_log_factorial():
    ks = np.unique(np.concatenate([np.arange(300), np.geomspace(300, 1e12, 200).astype(np.int64)]))
    got = np.array([S.log_factorial(int(k)) for k in ks])
    want = np.array([math.lgamma(k + 1.0) for k in ks])
    assert np.allclose(got, want, rtol=4e-16 * 8, atol=1e-13)


# ---------------------------------------------------------------------------------------------
# The random stream


def _xoshiro_reference(state: list[int], n: int) -> list[int]:
    """xoshiro256++ written from its published definition with Python integers."""
    mask = 2**64 - 1
    s = list(state)

    def rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & mask

    out = []
    for _ in range(n):
        out.append((rotl((s[0] + s[3]) & mask, 23) + s[0]) & mask)
        t = (s[1] << 17) & mask
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


@njit(cache=True)
def _words(rng, n):
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = S.next_u64(rng)
    return out


@njit(cache=True)
def _doubles(rng, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = S.next_double(rng)
    return out


@njit(cache=True)
def _gammas(rng, shape, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = S.standard_gamma(rng, shape)
    return out


def test_the_stream_is_xoshiro256_plus_plus():
    rng = seeded(99)
    start = [int(w) for w in rng]
    assert _words(rng, 1000).tolist() == _xoshiro_reference(start, 1000)
    # A stream that is all zeros would stay so: seeding never gives one.
    assert seeded(0).any() and stream(np.random.SeedSequence(0)).dtype == np.uint64


def test_uniform_draws_are_uniform_on_the_unit_interval():
    u = _doubles(seeded(4), 200_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > MIN_P


@pytest.mark.parametrize("shape", [0.3, 1.0, 2.5, 40.0])
def test_standard_gamma_fits(shape):
    draws = _gammas(rng_for("gamma", shape), shape, DRAWS)
    assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > MIN_P
