"""Exact discrete random samplers compiled with numba, for the compiled daily step.

Every sampler draws from a random stream passed in as its first argument: the four 64-bit
words of a xoshiro256++ generator (Blackman and Vigna, 2019), a ``uint64`` array that the draw
advances (:func:`sim.streams.stream` seeds one from a ``SeedSequence``).  A plain array keeps the compiled
loops free of Python objects: passing numpy's ``Generator`` into them instead costs a
reference count on every call of a sampler, several times the cost of the draw itself.

The samplers are exact, not approximations: each either inverts the distribution function with
the probability recurrence or uses a rejection method whose hat dominates the probability
function and whose squeeze lies under it (checked numerically by the tests, from the constants
that :func:`btrs_constants`, :func:`ptrs_constants` and :func:`hrua_constants` return), so the
only departures from the target law are floating-point round-off.

- :func:`binomial`: inversion (sequential search from 0) when ``n * min(p, 1 - p)`` is below
  :data:`INVERSION_MAX_MEAN`, else BTRS (Hörmann 1993, "The generation of binomial random
  variates", transformed rejection with squeeze); ``p > 0.5`` draws failures instead.
  :func:`binomial_constants` and :func:`binomial_prepared` split off the work that depends only
  on ``p``; :func:`binomial_array` draws a whole array.
- :func:`poisson`: inversion below :data:`INVERSION_MAX_MEAN`, else PTRS (Hörmann 1993,
  "The transformed rejection method for generating Poisson random variables") with its hat
  raised by 1% and its squeeze lowered by 1%, since the published constants fall short of
  exactness by up to 0.6% (see :data:`PTRS_HAT`).
- :func:`negative_binomial`: numpy's parameterisation (failures before ``k`` successes, real
  ``k > 0``) as a gamma-Poisson mixture, the gamma by :func:`standard_gamma` (Marsaglia and Tsang
  2000 for shape >= 1, boosted by ``U ** (1 / shape)`` below, normals by the polar method).
- :func:`hypergeometric`: inversion when the smaller of the sample and its complement is below
  10, else HRUA (Stadlober 1989, ratio of uniforms), as numpy does.

Degenerate arguments (``n = 0``, ``p = 0``, ``p = 1``, ``lam = 0``, ``nsample = 0``, an empty
class of the population) give their one possible value without drawing.  Invalid arguments
raise ``ValueError``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Inversion below this mean (binomial ``n * min(p, 1 - p)``, Poisson ``lam``), rejection from
#: it on.  The rejection methods are only valid from 10 on; inversion costs about one step per
#: unit of mean, and its starting probability ``exp(-mean)`` stays far from underflow.
INVERSION_MAX_MEAN = 20.0

#: PTRS with Hörmann's constants is not quite exact: at some means (10 to about 1400) its hat
#: falls up to 0.6% below the probability function (at one value about two standard deviations
#: above the mean), and at others its squeeze reaches up to 0.6% above it (one value below the
#: mean), biasing that value's probability by up to 3e-5 relative.  Drawing ``v`` on
#: ``[0, PTRS_HAT)`` raises the hat and ``PTRS_SQUEEZE`` lowers the squeeze enough to cover both,
#: at the cost of about 1% more rejections.
PTRS_HAT = 1.01
PTRS_SQUEEZE = 0.99

#: Largest Poisson mean accepted (numpy's limit: draws must fit an int64).
POISSON_LAM_MAX = float(np.iinfo(np.int64).max - 10 * np.sqrt(np.iinfo(np.int64).max))

_LOG_FACTORIAL_TABLE = 126
_LOG_FACTORIALS = np.array([math.lgamma(k + 1.0) for k in range(_LOG_FACTORIAL_TABLE)])
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# 1 / k for the inversion searches: a multiplication instead of a division on their critical path.
_RECIPROCALS_TABLE = 64
_RECIPROCALS = np.array([0.0] + [1.0 / k for k in range(1, _RECIPROCALS_TABLE)])


@njit(cache=True, nogil=True, _nrt=False)
def log_factorial(k):
    """``log(k!)`` for an integer ``k >= 0``.

    A table below 126, Stirling's series above (error below 2e-18 there); a little faster than
    ``math.lgamma``.
    """
    if k < _LOG_FACTORIAL_TABLE:
        return _LOG_FACTORIALS[k]
    x = float(k)
    r = 1.0 / (x * x)
    return (x + 0.5) * math.log(x) - x + _HALF_LOG_2PI + (1.0 / 12.0 - r * (1.0 / 360.0 - r / 1260.0)) / x


# ---------------------------------------------------------------------------------------------
# The random stream

_U64 = np.uint64


@njit(cache=True, nogil=True, _nrt=False)
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(cache=True, nogil=True, _nrt=False)
def next_u64(s):
    """The stream's next 64 random bits (xoshiro256++)."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    result = _rotl(s0 + s3, 23) + s0
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3
    return result


@njit(cache=True, nogil=True, _nrt=False)
def next_double(s):
    """A uniform draw on [0, 1) with 53 random bits."""
    return float(next_u64(s) >> _U64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True, _nrt=False)
def standard_normal(s):
    """A standard normal draw (Marsaglia's polar method; exact)."""
    while True:
        x = 2.0 * next_double(s) - 1.0
        y = 2.0 * next_double(s) - 1.0
        r2 = x * x + y * y
        if 0.0 < r2 < 1.0:
            return x * math.sqrt(-2.0 * math.log(r2) / r2)


@njit(cache=True, nogil=True, _nrt=False)
def standard_gamma(s, shape):
    """A ``Gamma(shape, 1)`` draw, ``shape > 0``: Marsaglia and Tsang's squeeze and rejection
    for ``shape >= 1``; below, ``Gamma(shape + 1) * U ** (1 / shape)``."""
    boost = 1.0
    if shape < 1.0:
        u = next_double(s)
        while u == 0.0:
            u = next_double(s)
        boost = u ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = standard_normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = next_double(s)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v * boost
        if u > 0.0 and math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v * boost


# ---------------------------------------------------------------------------------------------
# Binomial


@njit(cache=True, nogil=True, _nrt=False)
def _binomial_inversion(rng, n, s, r):
    """Binomial by sequential search from 0: ``s = p / (1 - p)``, ``r = (1 - p) ** n``."""
    a = (n + 1) * s
    while True:
        u = next_double(rng)
        px = r
        x = 0
        while True:
            if u < px:
                return x
            u -= px
            x += 1
            # P(x) / P(x - 1) = (n - x + 1) / x * p / q
            px *= a * (_RECIPROCALS[x] if x < _RECIPROCALS_TABLE else 1.0 / x) - s
            # Round-off left u beyond the computed total: redraw (probability ~1e-16).
            if x > n or px <= 0.0:
                break


@njit(cache=True, nogil=True, _nrt=False)
def btrs_constants(n, p):
    """BTRS's hat and squeeze for ``Binomial(n, p)``, ``p <= 0.5``, ``n * p >= 10``.

    Returns
    -------
    tuple
        ``(a, b, c, alpha, vr, m)``: a uniform ``u`` on ``(-0.5, 0.5)`` proposes
        ``k = floor((2 a / us + b) u + c)`` with ``us = 0.5 - |u|``, accepted with probability
        ``P(k) / P(m) * (a / us**2 + b) / alpha`` (at most 1: the hat dominates), and always when
        ``us >= 0.07`` and ``v <= vr`` (the squeeze lies under that probability).
    """
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    alpha = (2.83 + 5.1 / b) * spq
    vr = 0.92 - 4.2 / b
    m = math.floor((n + 1) * p)
    return a, b, c, alpha, vr, m


@njit(cache=True, nogil=True, _nrt=False)
def _binomial_btrs(rng, n, p):
    """Binomial by BTRS (Hörmann 1993) for ``p <= 0.5`` and ``n * p >= 10``."""
    q = 1.0 - p
    a, b, c, alpha, vr, m = btrs_constants(n, p)
    # Needed only when the squeeze fails: computed then, once per draw.
    h = math.nan
    lpq = 0.0
    while True:
        u = next_double(rng) - 0.5
        v = next_double(rng)
        us = 0.5 - abs(u)
        if us <= 0.0:
            continue
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= vr:
            return k
        if v <= 0.0:
            continue
        if math.isnan(h):
            h = log_factorial(m) + log_factorial(n - m)
            lpq = math.log(p / q)
        lv = math.log(v * alpha / (a / (us * us) + b))
        if lv <= h - log_factorial(k) - log_factorial(n - k) + (k - m) * lpq:
            return k


@njit(cache=True, nogil=True, _nrt=False)
def _check_binomial(n, p):
    if n < 0:
        raise ValueError("binomial: n must be >= 0")
    if not (0.0 <= p <= 1.0):
        raise ValueError("binomial: p must be in [0, 1]")


@njit(cache=True, nogil=True, _nrt=False)
def binomial(rng, n, p):
    """One exact binomial draw.

    Parameters
    ----------
    rng : numpy.ndarray
        The random stream (:func:`sim.streams.stream`), advanced by the draw.
    n : int
        Number of trials, ``>= 0``.
    p : float
        Success probability, in ``[0, 1]``.

    Returns
    -------
    int
        The number of successes.
    """
    _check_binomial(n, p)
    if n == 0 or p == 0.0:
        return 0
    if p == 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    if n * pp < INVERSION_MAX_MEAN:
        # exp(n log1p(-p)) rather than q ** n: 1 - p is rounded, and n amplifies that error.
        x = _binomial_inversion(rng, n, pp / (1.0 - pp), math.exp(n * math.log1p(-pp)))
    else:
        x = _binomial_btrs(rng, n, pp)
    return n - x if flip else x


@njit(cache=True, nogil=True, _nrt=False)
def binomial_constants(p):
    """Constants of :func:`binomial_prepared` for one success probability.

    Parameters
    ----------
    p : float
        Success probability, in ``[0, 1]``.

    Returns
    -------
    tuple
        ``(pp, flip, s, log_q)``: ``pp = min(p, 1 - p)``; ``flip`` if ``p > 0.5`` (failures are
        drawn); ``s = pp / (1 - pp)``; ``log_q = log(1 - pp)``.
    """
    _check_binomial(0, p)
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    return pp, flip, pp / (1.0 - pp), math.log1p(-pp)


@njit(cache=True, nogil=True, _nrt=False)
def binomial_prepared(rng, n, c):
    """One exact binomial draw with the constants of :func:`binomial_constants`.

    The same draws as :func:`binomial`, for a kernel drawing many counts with one probability.

    Parameters
    ----------
    rng : numpy.ndarray
        The random stream (:func:`sim.streams.stream`).
    n : int
        Number of trials, ``>= 0``.
    c : tuple
        ``binomial_constants(p)``.

    Returns
    -------
    int
        The number of successes.
    """
    pp, flip, s, log_q = c
    if n < 0:
        raise ValueError("binomial: n must be >= 0")
    if n == 0 or pp == 0.0:
        x = 0
    elif n * pp < INVERSION_MAX_MEAN:
        x = _binomial_inversion(rng, n, s, math.exp(n * log_q))
    else:
        x = _binomial_btrs(rng, n, pp)
    return n - x if flip else x


@njit(cache=True, nogil=True, _nrt=False)
def binomial_array(rng, n, p, out):
    """Exact binomial draws ``out[i] ~ Binomial(n[i], p[i])``, in order.

    Parameters
    ----------
    rng : numpy.ndarray
        The random stream (:func:`sim.streams.stream`).
    n : numpy.ndarray
        Trials, 1-D integers ``>= 0``.
    p : numpy.ndarray
        Success probabilities, 1-D, the length of ``n``.
    out : numpy.ndarray
        Receives the draws, 1-D integers, the length of ``n``.

    Returns
    -------
    numpy.ndarray
        ``out``.
    """
    if p.shape[0] != n.shape[0] or out.shape[0] != n.shape[0]:
        raise ValueError("binomial_array: n, p and out must have one length")
    for i in range(n.shape[0]):
        out[i] = binomial(rng, n[i], p[i])
    return out


# ---------------------------------------------------------------------------------------------
# Poisson and negative binomial


@njit(cache=True, nogil=True, _nrt=False)
def _poisson_inversion(rng, lam):
    """Poisson by sequential search from 0, for small ``lam``."""
    enlam = math.exp(-lam)
    while True:
        u = next_double(rng)
        px = enlam
        k = 0
        while True:
            if u < px:
                return k
            u -= px
            k += 1
            px *= lam * (_RECIPROCALS[k] if k < _RECIPROCALS_TABLE else 1.0 / k)
            # Round-off left u beyond the computed total: redraw (probability ~1e-16).
            if px <= 0.0:
                break


@njit(cache=True, nogil=True, _nrt=False)
def ptrs_constants(lam):
    """PTRS's hat and squeeze for ``Poisson(lam)``, ``lam >= 10``.

    Returns
    -------
    tuple
        ``(a, b, invalpha, vr)``: a uniform ``u`` on ``(-0.5, 0.5)`` proposes
        ``k = floor((2 a / us + b) u + lam + 0.43)`` with ``us = 0.5 - |u|``, accepted with
        probability ``P(k) * (a / us**2 + b) / (invalpha * PTRS_HAT)``, and always when
        ``us >= 0.07`` and ``v <= vr`` with ``v`` uniform on ``[0, PTRS_HAT)``.
    """
    b = 0.931 + 2.53 * math.sqrt(lam)
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = PTRS_SQUEEZE * (0.9277 - 3.6224 / (b - 2.0))
    return a, b, invalpha, vr


@njit(cache=True, nogil=True, _nrt=False)
def _poisson_ptrs(rng, lam):
    """Poisson by PTRS (Hörmann 1993), with the hat raised and the squeeze lowered to make it
    exact, for ``lam >= 10``."""
    loglam = math.log(lam)
    a, b, invalpha, vr = ptrs_constants(lam)
    log_invalpha = math.log(invalpha)
    while True:
        u = next_double(rng) - 0.5
        v = next_double(rng) * PTRS_HAT
        us = 0.5 - abs(u)
        if us <= 0.0:
            continue
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us) or v <= 0.0:
            continue
        if math.log(v) + log_invalpha - math.log(a / (us * us) + b) <= -lam + k * loglam - log_factorial(k):
            return k


@njit(cache=True, nogil=True, _nrt=False)
def poisson(rng, lam):
    """One exact Poisson draw.

    Parameters
    ----------
    rng : numpy.ndarray
        The random stream (:func:`sim.streams.stream`).
    lam : float
        Mean, in ``[0, POISSON_LAM_MAX]``.

    Returns
    -------
    int
        The count.
    """
    if not (0.0 <= lam <= POISSON_LAM_MAX):
        raise ValueError("poisson: lam must be in [0, POISSON_LAM_MAX]")
    if lam == 0.0:
        return 0
    if lam < INVERSION_MAX_MEAN:
        return _poisson_inversion(rng, lam)
    return _poisson_ptrs(rng, lam)


@njit(cache=True, nogil=True, _nrt=False)
def negative_binomial(rng, k, p):
    """One exact negative binomial draw, parameterised as numpy's.

    Parameters
    ----------
    rng : numpy.ndarray
        The random stream (:func:`sim.streams.stream`).
    k : float
        Number of successes, real ``> 0``.
    p : float
        Success probability, in ``(0, 1]``.

    Returns
    -------
    int
        The number of failures before the ``k``-th success: Poisson with a
        ``Gamma(k, scale=(1 - p) / p)`` mean.
    """
    if not (k > 0.0):
        raise ValueError("negative_binomial: k must be > 0")
    if not (0.0 < p <= 1.0):
        raise ValueError("negative_binomial: p must be in (0, 1]")
    if p == 1.0:
        return 0
    return poisson(rng, standard_gamma(rng, k) * ((1.0 - p) / p))


# ---------------------------------------------------------------------------------------------
# Hypergeometric

# Stadlober's constants: 2 * sqrt(2 / e) and 3 - 2 * sqrt(3 / e).
_HRUA_D1 = 1.7155277699214135
_HRUA_D2 = 0.8989161620588988


@njit(cache=True, nogil=True, _nrt=False)
def _hypergeometric_inversion(rng, m, total, n):
    """Draws from the smaller class ``m`` of ``total``, sample ``n < 10``, searching from 0.

    With ``n <= total / 2`` and ``m <= total / 2``, ``P(0) >= 1 / C(18, 9)``: no underflow, and
    the search takes at most ``n + 1`` steps.
    """
    rest = total - m
    p0 = 1.0
    for i in range(n):
        p0 *= (rest - i) / (total - i)
    top = min(n, m)
    while True:
        u = next_double(rng)
        px = p0
        x = 0
        while True:
            if u < px:
                return x
            u -= px
            if x >= top:
                break
            # P(x + 1) / P(x) = (m - x)(n - x) / ((x + 1)(rest - n + x + 1))
            px *= (m - x) * (n - x) / ((x + 1.0) * (rest - n + x + 1.0))
            x += 1


@njit(cache=True, nogil=True, _nrt=False)
def hrua_constants(m, total, n):
    """HRUA's hat for the hypergeometric law of good items in a sample of ``n`` from ``total``
    items of which ``m`` are good.

    Returns
    -------
    tuple
        ``(a, h, mode, b)``: uniforms ``u``, ``v`` propose ``x = a + h (v - 0.5) / u``, rejected
        at or beyond ``b``, and ``floor(x)`` is accepted when ``u**2 <= P(floor(x)) / P(mode)``.
        Exact when ``sqrt(P(k) / P(mode)) * |y - a| <= h / 2`` for every ``y`` in ``[k, k + 1)``
        (the ratio-of-uniforms region lies in the unit square).
    """
    p = m / total
    q = (total - m) / total
    a = n * p + 0.5
    var = (total - n) * n * p * q / (total - 1.0)
    c = math.sqrt(var + 0.5)
    h = _HRUA_D1 * c + _HRUA_D2
    mode = math.floor((n + 1.0) * (m + 1.0) / (total + 2.0))
    # Beyond 16 standard deviations the probabilities are below 1e-50.
    b = min(min(n, m) + 1.0, math.floor(a + 16.0 * c))
    return a, h, mode, b


@njit(cache=True, nogil=True, _nrt=False)
def _hypergeometric_hrua(rng, m, total, n):
    """Draws from the smaller class ``m`` of ``total``, sample ``10 <= n <= total / 2``, by HRUA
    (Stadlober's ratio of uniforms with a table-mountain hat)."""
    big = total - m
    a, h, mode, b = hrua_constants(m, total, n)
    g = log_factorial(mode) + log_factorial(m - mode) + log_factorial(n - mode) + log_factorial(big - n + mode)
    while True:
        u = next_double(rng)
        v = next_double(rng)
        if u <= 0.0:
            continue
        x = a + h * (v - 0.5) / u
        if x < 0.0 or x >= b:
            continue
        k = math.floor(x)
        t = g - (log_factorial(k) + log_factorial(m - k) + log_factorial(n - k) + log_factorial(big - n + k))
        if u * (4.0 - u) - 3.0 <= t:
            return k
        if u * (u - t) >= 1.0:
            continue
        if 2.0 * math.log(u) <= t:
            return k


@njit(cache=True, nogil=True, _nrt=False)
def hypergeometric(rng, ngood, nbad, nsample):
    """One exact hypergeometric draw: good items in ``nsample`` drawn without replacement.

    Parameters
    ----------
    rng : numpy.ndarray
        The random stream (:func:`sim.streams.stream`).
    ngood, nbad : int
        Good and bad items in the population, ``>= 0``.
    nsample : int
        Items drawn, in ``[0, ngood + nbad]``.

    Returns
    -------
    int
        The number of good items drawn.
    """
    if ngood < 0 or nbad < 0:
        raise ValueError("hypergeometric: ngood and nbad must be >= 0")
    total = ngood + nbad
    if nsample < 0 or nsample > total:
        raise ValueError("hypergeometric: nsample must be in [0, ngood + nbad]")
    if nsample == 0 or ngood == 0:
        return 0
    if nbad == 0:
        return nsample
    if nsample == total:
        return ngood
    # Draw the smaller class within the smaller of the sample and its complement, then map back.
    n = min(nsample, total - nsample)
    m = min(ngood, nbad)
    if n < 10:
        k = _hypergeometric_inversion(rng, m, total, n)
    else:
        k = _hypergeometric_hrua(rng, m, total, n)
    if ngood > nbad:
        k = n - k
    if n < nsample:
        k = ngood - k
    return k
