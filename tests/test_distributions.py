"""Every distribution kind against scipy.stats: moments, quantiles, densities and draws, on its
whole support and truncated to a field's domain; its file syntax; its argument rules; the
registry of file keys."""

from __future__ import annotations

import inspect
import math
import pickle

import numpy as np
import pytest
from scipy import integrate, stats

from sim.params import DISTRIBUTIONS, Fixed, LogNormal, Normal, Param, ParamError, Triangular, Uniform

INF = math.inf
DRAWS = 20_000


class Conditioned:
    """A scipy distribution conditioned on ``[low, high]``."""

    def __init__(self, dist, low: float, high: float):
        self.dist, self.low, self.high = dist, low, high
        self.below = dist.cdf(low)
        self.mass = dist.cdf(high) - self.below

    def ppf(self, u):
        return self.dist.ppf(self.below + np.asarray(u) * self.mass)

    def logpdf(self, x):
        return self.dist.logpdf(x) - np.log(self.mass)

    def mean(self):
        return self.dist.expect(lambda v: v, lb=self.low, ub=self.high, conditional=True)

    def std(self):
        second = self.dist.expect(lambda v: v * v, lb=self.low, ub=self.high, conditional=True)
        return math.sqrt(second - self.mean() ** 2)


def truncated(p: Param, dist, low: float, high: float):
    """scipy's view of ``p`` on the domain ``[low, high]``."""
    lo, hi = p.bounds
    if low <= lo and hi <= high:
        return dist
    if isinstance(p, Normal):
        mu, sd = p.args
        return stats.truncnorm((low - mu) / sd, (high - mu) / sd, loc=mu, scale=sd)
    return Conditioned(dist, low, high)


# (distribution, the same in scipy, a domain it is drawn on)
CASES = [
    pytest.param(Uniform.of(0.1, 0.5), stats.uniform(0.1, 0.4), (0.0, 1.0), id="uniform"),
    pytest.param(Uniform.of(-3.0, 40.0), stats.uniform(-3.0, 43.0), (-INF, INF), id="uniform-wide"),
    pytest.param(Triangular.of(0.1, 0.2, 0.5), stats.triang(0.25, loc=0.1, scale=0.4), (0.0, 1.0), id="triangular"),
    pytest.param(Triangular.of(0.0, 0.0, 2.0), stats.triang(0.0, loc=0.0, scale=2.0), (0.0, 2.0), id="triangular-left"),
    pytest.param(
        Triangular.of(1.0, 4.0, 4.0), stats.triang(1.0, loc=1.0, scale=3.0), (0.0, 10.0), id="triangular-right"
    ),
    pytest.param(Normal.of(0.3, 0.05), stats.norm(0.3, 0.05), (-INF, INF), id="normal"),
    pytest.param(Normal.of(0.3, 0.5), stats.norm(0.3, 0.5), (0.0, 1.0), id="normal-on-0-1"),
    pytest.param(Normal.of(0.01, 0.05), stats.norm(0.01, 0.05), (0.0, 1.0), id="normal-cut-low"),
    pytest.param(Normal.of(0.98, 0.05), stats.norm(0.98, 0.05), (0.0, 1.0), id="normal-cut-high"),
    pytest.param(LogNormal.of(0.3, 0.4), stats.lognorm(0.4, scale=0.3), (-INF, INF), id="lognormal"),
    pytest.param(LogNormal.of(0.5, 1.0), stats.lognorm(1.0, scale=0.5), (0.0, 1.0), id="lognormal-on-0-1"),
    pytest.param(LogNormal.of(20.0, 0.8), stats.lognorm(0.8, scale=20.0), (5.0, 60.0), id="lognormal-on-5-60"),
]
U = np.array([0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0])


def inside(p: Param, low: float, high: float, n: int = 9) -> np.ndarray:
    """Points strictly inside the support on the domain (finite ends by the 0.1% quantiles)."""
    lo, hi = p.quantile(np.array([0.001, 0.999]), low, high)
    return np.linspace(lo, hi, n + 2)[1:-1]


# -- the registry -------------------------------------------------------------------------------


def _concrete(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= _concrete(sub)
        if not inspect.isabstract(sub):
            out.add(sub)
    return out


def test_the_registry_maps_every_file_key_to_its_class_and_covers_every_kind():
    assert {c.KEY: c for c in DISTRIBUTIONS.values()} == DISTRIBUTIONS
    assert _concrete(Param) == {Fixed, *DISTRIBUTIONS.values()}  # a plain number is the only other kind
    assert {type(c.values[0]) for c in CASES} == set(DISTRIBUTIONS.values())  # every kind is checked here


def test_param_of_a_kind_is_that_kind_s_class_and_stays_one_through_pickle():
    for kind, cls in [("fixed", Fixed), *DISTRIBUTIONS.items()]:
        args = (0.1, 0.2, 0.3)[: len(cls.ARGS)]
        p = Param(kind, args)
        assert type(p) is cls and p == cls.of(*args) and hash(p) == hash(cls.of(*args))
        assert (p.kind, p.args) == (kind, args)
        back = pickle.loads(pickle.dumps(p))
        assert type(back) is cls and back == p
    assert Param("uniform", (0, 1)).args == (0.0, 1.0)  # always floats
    assert Normal.of(0.1, 0.2) != LogNormal.of(0.1, 0.2)


# -- moments, quantiles, densities ----------------------------------------------------------------


@pytest.mark.parametrize(("p", "dist", "domain"), CASES)
def test_mean_and_variance_are_scipys(p, dist, domain):
    assert p.mean == pytest.approx(dist.mean(), rel=1e-12)
    assert p.variance == pytest.approx(dist.var(), rel=1e-12)


@pytest.mark.parametrize(("p", "dist", "domain"), CASES)
def test_quantiles_on_the_whole_support_and_on_the_domain_are_scipys(p, dist, domain):
    inner = U[1:-1]
    assert p.quantile(inner) == pytest.approx(dist.ppf(inner), rel=1e-9, abs=1e-12)
    ref = truncated(p, dist, *domain)
    want = ref.ppf(U)
    if p.is_unbounded:  # the ends of the truncated support are the domain's (clipped to it)
        want = np.clip(want, *p.support(*domain))
    assert p.quantile(U, *domain) == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("p", "dist", "domain"), CASES)
def test_log_densities_on_the_whole_support_and_on_the_domain_are_scipys(p, dist, domain):
    x = inside(p, -INF, INF)
    assert p.logpdf(x) == pytest.approx(dist.logpdf(x), rel=1e-9, abs=1e-9)
    x = inside(p, *domain)
    assert p.logpdf(x, *domain) == pytest.approx(truncated(p, dist, *domain).logpdf(x), rel=1e-9, abs=1e-9)
    lo, hi = p.support(*domain)
    off = [v for v in (lo - 1.0, hi + 1.0) if math.isfinite(v)]
    assert (p.logpdf(np.array(off), *domain) == -np.inf).all()


@pytest.mark.parametrize(("p", "dist", "domain"), CASES)
def test_the_density_on_the_domain_integrates_to_1(p, dist, domain):
    lo, hi = p.support(*domain)
    mode = float(p.quantile(0.5, *domain))  # helps quad find the mass of a narrow density
    total = sum(
        integrate.quad(lambda v: math.exp(p.logpdf(np.array([v]), *domain)[0]), a, b)[0]
        for a, b in ((lo, mode), (mode, hi))
    )
    assert total == pytest.approx(1.0, abs=1e-6)


def test_a_normal_truncated_to_0_1_is_scipys_truncnorm():
    p, ref = Normal.of(0.2, 0.3), stats.truncnorm(-0.2 / 0.3, 0.8 / 0.3, loc=0.2, scale=0.3)
    x = np.linspace(0.0, 1.0, 11)
    assert p.quantile(x, 0.0, 1.0) == pytest.approx(ref.ppf(x), rel=1e-12, abs=1e-15)
    assert p.logpdf(x, 0.0, 1.0) == pytest.approx(ref.logpdf(x), rel=1e-12)
    assert p.mass_in(0.0, 1.0) == pytest.approx(stats.norm.cdf(0.8 / 0.3) - stats.norm.cdf(-0.2 / 0.3), rel=1e-12)


# -- draws ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("p", "dist", "domain"), CASES)
def test_draws_on_the_domain_have_its_mean(p, dist, domain):
    x = p.sample(np.random.default_rng(2024), DRAWS, *domain)
    lo, hi = p.support(*domain)
    assert x.dtype == np.float64 and x.shape == (DRAWS,) and ((x >= lo) & (x <= hi)).all()
    ref = truncated(p, dist, *domain)
    # Within 4 standard errors of the exact mean: a correct sampler misses by more with
    # probability 6e-5, and the seed is fixed, so the test does not flicker.
    assert abs(x.mean() - ref.mean()) < 4 * ref.std() / math.sqrt(DRAWS)


def test_draws_use_the_generator_as_runs_always_have():
    def rng():
        return np.random.default_rng(5)

    n = 1000
    np.testing.assert_array_equal(Uniform.of(0.1, 0.5).sample(rng(), n), rng().uniform(0.1, 0.5, n))
    np.testing.assert_array_equal(Uniform.of(0.2, 0.2).sample(rng(), n), rng().uniform(0.2, 0.2, n))
    np.testing.assert_array_equal(Triangular.of(1.0, 2.0, 5.0).sample(rng(), n), rng().triangular(1.0, 2.0, 5.0, n))
    for p in (Normal.of(0.3, 0.5), LogNormal.of(0.5, 1.0)):
        np.testing.assert_array_equal(p.sample(rng(), n, 0.0, 1.0), p.quantile(rng().random(n), 0.0, 1.0))


@pytest.mark.parametrize(
    "p",
    [Fixed.of(0.3), Uniform.of(0.3, 0.3), Triangular.of(0.3, 0.3, 0.3), Normal.of(0.3, 0.0), LogNormal.of(0.3, 0.0)],
    ids=lambda p: p.kind,
)
def test_a_distribution_of_zero_width_is_its_value(p):
    assert p.bounds == (0.3, 0.3) and not p.is_unbounded
    assert p.mean == pytest.approx(0.3) and p.variance == 0.0
    assert (p.sample(np.random.default_rng(1), 5, 0.0, 1.0) == 0.3).all()
    assert (p.quantile(U, 0.0, 1.0) == 0.3).all()
    assert p.logpdf(np.array([0.3, 0.31]), 0.0, 1.0).tolist() == [0.0, -np.inf]
    p.check_domain(0.3, 0.3)
    with pytest.raises(ParamError, match=r"must lie in \[0.4, 1\]"):
        p.check_domain(0.4, 1.0)


def test_fixed_draws_nothing_from_the_generator():
    rng = np.random.default_rng(9)
    assert Fixed.of(2.5).sample(rng, 3).tolist() == [2.5] * 3 and Fixed.of(2.5).is_fixed
    assert rng.random() == np.random.default_rng(9).random()


# -- file syntax ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "yaml", "described"),
    [
        (3, Fixed, 3, "3"),
        (0.25, Fixed, 0.25, "0.25"),
        ({"uniform": [0.1, 0.5]}, Uniform, {"uniform": [0.1, 0.5]}, "uniform(0.1, 0.5)"),
        ({"low": 1000, "high": 2000}, Uniform, {"uniform": [1000, 2000]}, "uniform(1000, 2000)"),
        ({"triangular": [1, 2.5, 4]}, Triangular, {"triangular": [1, 2.5, 4]}, "triangular(1, 2.5, 4)"),
        ({"normal": [0.3, 0.05]}, Normal, {"normal": [0.3, 0.05]}, "normal(0.3, 0.05)"),
        ({"lognormal": [21, 0.4]}, LogNormal, {"lognormal": [21, 0.4]}, "lognormal(21, 0.4)"),
    ],
)
def test_parse_and_to_yaml_round_trip(text, kind, yaml, described):
    p = Param.parse(text)
    assert type(p) is kind and p.to_yaml() == yaml and p.describe() == described
    assert Param.parse(p.to_yaml()) == p and Param.parse(p) is p


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (True, "must be a number or a distribution, not true/false"),
        (math.nan, "must be a finite number"),
        (
            "0.3",
            "must be a number or a distribution ({uniform: [low, high]}, {low: L, high: H}, "
            "{triangular: [low, mode, high]}, {normal: [mean, sd]}, {lognormal: [median, sigma]})",
        ),
        ({"beta": [1, 2]}, "unknown distribution 'beta'; allowed: uniform, triangular, normal, lognormal, low/high"),
        (
            {"uniform": [0, 1], "normal": [0, 1]},
            "a distribution has exactly one of uniform, triangular, normal, "
            "lognormal, low/high; got keys ['normal', 'uniform']",
        ),
        ({"uniform": [0.5, 0.1]}, "uniform needs low <= high (got 0.5 > 0.1)"),
        ({"low": 5, "high": 1}, "uniform needs low <= high (got 5 > 1)"),
        ({"uniform": [1]}, "uniform takes a list of 2 numbers"),
        ({"uniform": 1}, "uniform takes a list of 2 numbers"),
        ({"triangular": [0, "a", 1]}, "triangular takes numbers only"),
        ({"triangular": [0, True, 1]}, "triangular takes numbers only"),
        ({"normal": [0, math.inf]}, "normal takes finite numbers only"),
        ({"triangular": [0, 2, 1]}, "triangular needs low <= mode <= high (got triangular(0, 2, 1))"),
        ({"normal": [0.3, -0.1]}, "normal needs sd >= 0 (got -0.1)"),
        ({"lognormal": [0, 0.5]}, "lognormal needs median > 0 and sigma >= 0 (got lognormal(0, 0.5))"),
        ({"lognormal": [2, -1]}, "lognormal needs median > 0 and sigma >= 0 (got lognormal(2, -1))"),
    ],
)
def test_bad_arguments_are_refused_with_the_rule(text, message):
    with pytest.raises(ParamError) as exc:
        Param.parse(text)
    assert str(exc.value) == message


def test_constructing_a_kind_in_code_checks_its_arguments_too():
    with pytest.raises(ParamError, match="uniform needs low <= high"):
        Param("uniform", (2.0, 1.0))
    with pytest.raises(ParamError, match="unknown distribution 'beta'"):
        Param("beta", (1.0, 2.0))
    with pytest.raises(ParamError, match="normal takes a list of 2 numbers"):
        Normal.of(1.0)
    with pytest.raises(ParamError, match="a Uniform has kind 'uniform', not 'normal'"):
        Uniform("normal", (0.0, 1.0))


def test_an_unbounded_distribution_the_domain_barely_holds_is_refused():
    Normal.of(0.9, 0.05).check_domain(0.0, 1.0)
    with pytest.raises(ParamError, match=r"normal\(0.9, 0.01\) puts under 1% of its mass in \[0, 0.5\]"):
        Normal.of(0.9, 0.01).check_domain(0.0, 0.5)
    with pytest.raises(ParamError, match=r"must lie in \[0, 1\] \(got triangular\(0, 0.5, 1.1\)\)"):
        Triangular.of(0.0, 0.5, 1.1).check_domain(0.0, 1.0)
