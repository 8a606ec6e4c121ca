"""The compiled daily step: every replication's day, in machine code, with exact draws.

:class:`sim.engine.Engine` owns the state arrays and the event calendar; the functions here
change the state.  :func:`run_days` runs days ``d0`` to ``d1 - 1`` of the replications
``lo`` to ``hi - 1`` (one block of random numbers, drawn from that block's ``Generator``), day
by day and replication by replication within a day, so the order of the draws depends neither
on how the days are cut into calls nor on which thread runs the block.  Each day of each
replication:

1. dispatches that a policy sent arrive, and recruits of a steady flow;
2. people leave care: back to duty (to the present unit with the most people on duty, or home
   with the rest when none is left), dead of wounds, or evacuated;
3. each present unit's posture's loss law takes its casualties (:data:`LAW_RATE`: a binomial
   draw per unit; :data:`LAW_PER_DAY`: a count for the posture, shared among its units by draws
   without replacement); then each mass-casualty event, when anyone is exposed to it, happens
   with its daily probability and hits its next size (at most everyone exposed), shared among
   the exposed units by draws without replacement, a binomial share of them killed;
4. the day's casualties of the loss laws are split as one multinomial, drawn as conditional
   binomials: killed, missing, wounded; the wounded of both sources together into those who
   will return, die of wounds or be evacuated;
5. disease among everyone on duty in present units, the sick returning or evacuated;
6. the day's measures (in the order of :data:`sim.scenario.MEASURES`, then the scenario's derived
   measures, each a sum of those), running peaks, policy triggers, first crossings and claims
   tested on the day; the measures go to the day's row of ``buf``.

Binomial probabilities arrive prepared (:func:`prepare`), so a draw with small ``n p`` is an
inversion from one ``exp`` and a few multiplications, and a large one is BTRS
(:mod:`sim.samplers`).  :func:`apply_events` applies the calendar's events (arrivals, units
leaving, phase changes) of a day; :func:`summarise` computes the day's quantiles by counting.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .samplers import (
    INVERSION_MAX_MEAN,
    _binomial_btrs,
    _binomial_inversion,
    binomial,
    hypergeometric,
    negative_binomial,
    next_double,
    poisson,
    standard_gamma,
)
from .scenario import FORCE_RATIO, MEASURES, SCALED

#: Rows of a day's measures (``buf[j]``), in the order of :data:`sim.scenario.MEASURES`.
M_ARRIVED = MEASURES.index("arrived")
M_DEPLOYED = MEASURES.index("deployed")
M_EFFECTIVE = MEASURES.index("effective")
M_WOUNDED_IN_CARE = MEASURES.index("wounded_in_care")
M_SICK_IN_CARE = MEASURES.index("sick_in_care")
M_KILLED = MEASURES.index("killed")
M_WOUNDED = MEASURES.index("wounded")
M_MISSING = MEASURES.index("missing")
M_CASUALTIES = MEASURES.index("casualties")
M_DIED_OF_WOUNDS = MEASURES.index("died_of_wounds")
M_EVACUATED = MEASURES.index("evacuated")
M_PERMANENT = MEASURES.index("permanent_losses")
M_RETURNED = MEASURES.index("returned_to_duty")
M_ROTATED = MEASURES.index("rotated_out")
N_MEASURES = len(MEASURES)

#: Columns of the per-replication counters (``cnt[r, side]``).
C_ARRIVED, C_KILLED, C_WOUNDED, C_MISSING, C_DOW, C_EVAC, C_RETURNED, C_ROTATED = range(8)
N_COUNTERS = 8

#: Care lines (first index of ``queue``, ``pool``, ``count``): wounded who will return,
#: sick who will return, wounded who will die of wounds, wounded who will be evacuated.
WOUND, SICK, DYING, LEAVING = range(4)

#: Loss laws (:attr:`sim.laws.Law.code`) and the noise of ``LAW_PER_DAY`` and ``LAW_LANCHESTER``
#: (``NOISE_NONE``: the expected count, the fraction carried over; ``NOISE_BINOMIAL``: a
#: binomial draw per unit).
LAW_NONE, LAW_RATE, LAW_PER_DAY, LAW_LANCHESTER = 0, 1, 2, 3
NOISE_NONE, NOISE_POISSON, NOISE_NEGATIVE_BINOMIAL, NOISE_BINOMIAL = 0, 1, 2, 3
#: Care lines of a side: side ``s``'s line ``WOUND`` is ``CARE_LINES * s + WOUND``.
CARE_LINES = 4
#: Thousandths in the recorded force ratio (:data:`sim.scenario.SCALED`).
RATIO_SCALE = SCALED[FORCE_RATIO]

#: Comparisons of conditions, and the reference code of ``peak_<measure>`` number ``k``
#: (``PEAK + k``; a measure's own index refers to it; -1: no reference).
BELOW, AT_MOST, ABOVE, AT_LEAST, BETWEEN = range(5)
COMPARISON_CODES = {"below": BELOW, "at_most": AT_MOST, "above": ABOVE, "at_least": AT_LEAST, "between": BETWEEN}
PEAK = 1000


def prepare(p: np.ndarray) -> np.ndarray:
    """Binomial constants for probabilities ``p`` (any shape): a trailing axis of four,
    ``(pp, flip, pp / (1 - pp), log(1 - pp))`` with ``pp = min(p, 1 - p)`` and ``flip`` 1.0 when
    ``p > 0.5`` (failures are drawn).  Every ``p`` must lie in [0, 1]."""
    p = np.asarray(p, dtype=float)
    if not ((p >= 0) & (p <= 1)).all():
        raise ValueError("binomial probabilities must lie in [0, 1]")
    flip = p > 0.5
    pp = np.where(flip, 1.0 - p, p)
    return np.stack([pp, flip.astype(float), pp / (1.0 - pp), np.log1p(-pp)], axis=-1)


@njit(cache=True, nogil=True, _nrt=False)
def draw_binomial(rng, n, c, i, j):
    """One exact ``Binomial(n, p)`` draw, ``c[i, j]`` being :func:`prepare` of ``p``."""
    if n <= 0:
        return 0
    pp = c[i, j, 0]
    if pp == 0.0:
        x = 0
    elif n * pp < INVERSION_MAX_MEAN:
        x = _binomial_inversion(rng, n, c[i, j, 2], math.exp(n * c[i, j, 3]))
    else:
        x = _binomial_btrs(rng, n, pp)
    return n - x if c[i, j, 1] > 0.5 else x


@njit(cache=True, nogil=True, _nrt=False)
def _leave_care(rng, line, r, d, lag, geometric, queue, pool, count, care_p):
    """Those of care line ``line`` whose wait ends on day ``d`` (taken out of the line)."""
    slot = d % lag[line]
    out = queue[line, r, slot]
    queue[line, r, slot] = 0
    if geometric[line]:
        pool[line, r] += out
        out = draw_binomial(rng, pool[line, r], care_p, line, r)
        pool[line, r] -= out
    count[line, r] -= out
    return out


@njit(cache=True, nogil=True, _nrt=False)
def _enter_care(line, r, d, n, lag, queue, count):
    queue[line, r, d % lag[line]] += n
    count[line, r] += n


@njit(cache=True, nogil=True, _nrt=False)
def _holds(i, m, peaks, r, measure, comparison, low, high, ref):
    """Whether condition ``i`` holds for replication ``r`` with the day's measures ``m``."""
    v = m[measure[i]]
    lo, hi = low[i], high[i]
    k = ref[i]
    if k >= 0:
        scale = peaks[r, k - PEAK] if k >= PEAK else m[k]
        lo, hi = lo * scale, hi * scale
    c = comparison[i]
    if c == BELOW:
        return v < lo
    if c == AT_MOST:
        return v <= lo
    if c == ABOVE:
        return v > lo
    if c == AT_LEAST:
        return v >= lo
    return lo <= v <= hi


@njit(cache=True, nogil=True, _nrt=False)
def run_days(rng, lo, hi, d0, d1, days, state, params, conditions, buf, m, g, w):
    """Days ``d0`` to ``d1 - 1`` of replications ``lo`` to ``hi - 1``; day ``d``'s measures go to
    ``buf[d - d0, :, r]``.  ``state``, ``params`` and ``conditions`` are the tuples
    :class:`sim.engine.Engine` builds (see there for each array); ``m`` (measures), ``g``
    (postures) and ``w`` (postures and twice the sides) are scratch space."""
    (duty, present, posture, cnt, queue, pool, count, carry, reserve) = state[:9]
    (due_day, due_amount, in_transit, sent, peaks, armed, first, holds_on, since) = state[9:18]
    mc_done, recruit_carry = state[18], state[19]
    (lag, geometric, care_p, law, noise, rate_p, mean, dispersion, split_p, sick_p, send) = params[:11]
    (policy_column, policy_delay, policy_max, sick_any, rate, log_trend, cv, varies) = params[11:19]
    (mc_chance, mc_killed, mc_size, mc_exposed) = params[19:23]
    (recruit_column, recruit_first, recruit_last, recruit_rate, recruit_reserve) = params[23:28]
    own = params[28]  # own[p, q]: posture q is posture p (a per_day count stays in its posture)
    (col_side, posture_side, coefficient, own_power, enemy_power) = params[29:34]
    (measure, comparison, low, high, ref, n_cross, snap_day, peak_measure, terms) = conditions
    n_cols = duty.shape[1]
    n_postures = law.shape[0]
    n_sides = cnt.shape[1]
    n_policies = policy_column.shape[0]
    n_snaps = snap_day.shape[0]
    n_mc = mc_chance.shape[1]
    any_varies, any_enemy = False, False
    for p in range(n_postures):
        any_varies = any_varies or varies[p]
        any_enemy = any_enemy or law[p] == LAW_LANCHESTER
    strength = n_postures  # w[strength + s]: side s's people on duty at the start of the fighting
    lost = n_postures + n_sides  # w[lost + s]: side s's casualties of the day's loss laws
    for d in range(d0, d1):
        row = d - d0
        for r in range(lo, hi):
            # 1. Dispatches arrive.
            for k in range(n_policies):
                if due_day[r, k] == d:
                    a = due_amount[r, k]
                    duty[r, policy_column[k]] += a
                    cnt[r, 0, C_ARRIVED] += a
                    in_transit[r, k] = False
                    sent[r, k] += 1
                    due_day[r, k] = -1
            # 1b. Recruits arrive, a little every day of their flow.
            for k in range(recruit_column.shape[0]):
                if recruit_first[k] <= d <= recruit_last[k]:
                    recruit_carry[r, k] += recruit_rate[r, k]
                    n = math.floor(recruit_carry[r, k] + 1e-9)
                    recruit_carry[r, k] -= n
                    if recruit_reserve[k] and reserve[r] >= 0:
                        n = min(n, reserve[r])
                        reserve[r] -= n
                    duty[r, recruit_column[k]] += n
                    cnt[r, 0, C_ARRIVED] += n
            # 2. Care: today's wounded are not back today.
            for side in range(n_sides):
                base = CARE_LINES * side
                back = _leave_care(rng, base + WOUND, r, d, lag, geometric, queue, pool, count, care_p)
                back += _leave_care(rng, base + SICK, r, d, lag, geometric, queue, pool, count, care_p)
                if back > 0:
                    cnt[r, side, C_RETURNED] += back
                    best, most = -1, -1
                    for c in range(n_cols):
                        if present[r, c] and col_side[c] == side and duty[r, c] > most:
                            best, most = c, duty[r, c]
                    if best < 0:
                        cnt[r, side, C_ROTATED] += back
                    else:
                        duty[r, best] += back
                if lag[base + DYING] > 0:
                    cnt[r, side, C_DOW] += _leave_care(
                        rng, base + DYING, r, d, lag, geometric, queue, pool, count, care_p
                    )
                if lag[base + LEAVING] > 0:
                    cnt[r, side, C_EVAC] += _leave_care(
                        rng, base + LEAVING, r, d, lag, geometric, queue, pool, count, care_p
                    )
            # 3. Combat losses by each posture's law, every side's from the strengths before any.
            for side in range(n_sides):
                w[lost + side] = 0
            if any_varies:
                for p in range(n_postures):
                    g[p] = -1.0  # the day's factor on the posture's rate: not drawn yet
            if any_enemy:
                for p in range(n_postures):
                    w[p] = 0
                for side in range(n_sides):
                    w[strength + side] = 0
                for c in range(n_cols):
                    if present[r, c]:
                        w[posture[r, c]] += duty[r, c]
                        w[strength + col_side[c]] += duty[r, c]
            for c in range(n_cols):
                pz = posture[r, c]
                if not present[r, c]:
                    continue
                h = 0
                if law[pz] == LAW_RATE:
                    if varies[pz]:
                        x = _vary(rng, r, c, pz, d, rate[r, pz], log_trend, cv, since, g)
                        h = binomial(rng, duty[r, c], x)
                    else:
                        h = draw_binomial(rng, duty[r, c], rate_p, r, pz)
                elif law[pz] == LAW_LANCHESTER and noise[pz] == NOISE_BINOMIAL and w[pz] > 0:
                    mu = _lanchester_mean(
                        r, pz, w[pz], w[strength + 1 - col_side[c]], coefficient, own_power, enemy_power
                    )
                    x = _vary(rng, r, c, pz, d, mu / w[pz], log_trend, cv, since, g)
                    h = binomial(rng, duty[r, c], x)
                duty[r, c] -= h
                w[lost + col_side[c]] += h
            for p in range(n_postures):
                if law[p] == LAW_PER_DAY:
                    mu = mean[r, p]
                elif law[p] == LAW_LANCHESTER and noise[p] == NOISE_NONE:
                    mu = _lanchester_mean(
                        r, p, w[p], w[strength + 1 - posture_side[p]], coefficient, own_power, enemy_power
                    )
                else:
                    continue
                w[lost + posture_side[p]] += _per_day(
                    rng, r, p, d, mu, duty, present, posture, carry, noise, dispersion, log_trend, since, own
                )
            # 3b. Mass-casualty events: their killed and wounded, apart from the split of step 4.
            hit_killed, hit_wounded = 0, 0
            for e in range(n_mc):
                hit = _mass_casualty(rng, r, e, duty, present, posture, mc_chance, mc_size, mc_exposed, mc_done)
                if hit > 0:
                    dead = binomial(rng, hit, mc_killed[r, e])
                    hit_killed += dead
                    hit_wounded += hit - dead
            # 4. The casualties' fates (no draw for a count of 0), side by side.
            for side in range(n_sides):
                total = w[lost + side]
                hk, hw = (hit_killed, hit_wounded) if side == 0 else (0, 0)
                if total > 0 or hk + hw > 0:
                    _fates(rng, r, d, side, total, hk, hw, split_p, lag, queue, count, cnt)
            # 5. Disease and non-battle injury.
            if sick_any:
                for side in range(n_sides):
                    sick = 0
                    for c in range(n_cols):
                        if present[r, c] and col_side[c] == side:
                            s = draw_binomial(rng, duty[r, c], sick_p, r, n_sides + posture[r, c])
                            duty[r, c] -= s
                            sick += s
                    if sick > 0:
                        recover = draw_binomial(rng, sick, sick_p, r, side)
                        _enter_care(CARE_LINES * side + SICK, r, d, recover, lag, queue, count)
                        cnt[r, side, C_EVAC] += sick - recover
            # 6. Measures, peaks, policies, crossings, claims on the day.
            _measures(m, r, duty, cnt, count, col_side)
            _derived(m, terms)
            for k in range(peak_measure.shape[0]):
                if m[peak_measure[k]] > peaks[r, k]:
                    peaks[r, k] = m[peak_measure[k]]
            for k in range(n_policies):
                i = n_cross + n_snaps + k
                if in_transit[r, k] or m[M_ARRIVED] <= 0 or (policy_max[k] >= 0 and sent[r, k] >= policy_max[k]):
                    continue
                if not _holds(i, m, peaks, r, measure, comparison, low, high, ref):
                    continue
                amount = send[r, k]
                if reserve[r] >= 0:
                    amount = min(amount, reserve[r])
                    reserve[r] -= amount
                if amount > 0:
                    in_transit[r, k] = True
                    if d + policy_delay[r, k] < days:
                        due_day[r, k] = d + policy_delay[r, k]
                        due_amount[r, k] = amount
            for i in range(n_cross):
                h = _holds(i, m, peaks, r, measure, comparison, low, high, ref)
                if h and armed[r, i] and first[r, i] < 0:
                    first[r, i] = d
                if not h:
                    armed[r, i] = True
            for s in range(n_snaps):
                if snap_day[s] == d:
                    holds_on[r, s] = _holds(n_cross + s, m, peaks, r, measure, comparison, low, high, ref)
            for i in range(m.shape[0]):
                buf[row, i, r] = m[i]


@njit(cache=True, nogil=True, _nrt=False)
def _fates(rng, r, d, side, total, hit_killed, hit_wounded, split_p, lag, queue, count, cnt):
    """Side ``side``'s casualties of the day: the ``total`` of the loss laws split as one
    multinomial (killed, missing, wounded), drawn as conditional binomials; the wounded, with
    those of mass-casualty hits, into those who will return, die of wounds or be evacuated."""
    j = CARE_LINES * side  # the side's split shares (``split_p[r, j + k]``) and care lines
    killed = draw_binomial(rng, total, split_p, r, j)
    rest = total - killed
    missing = draw_binomial(rng, rest, split_p, r, j + 1)
    wounded = rest - missing + hit_wounded
    killed += hit_killed
    rtd = draw_binomial(rng, wounded, split_p, r, j + 2)
    rest = wounded - rtd
    dow = draw_binomial(rng, rest, split_p, r, j + 3)
    cnt[r, side, C_KILLED] += killed
    cnt[r, side, C_MISSING] += missing
    cnt[r, side, C_WOUNDED] += wounded
    _enter_care(j + WOUND, r, d, rtd, lag, queue, count)
    if lag[j + DYING] > 0:
        _enter_care(j + DYING, r, d, dow, lag, queue, count)
    else:
        cnt[r, side, C_DOW] += dow
    if lag[j + LEAVING] > 0:
        _enter_care(j + LEAVING, r, d, rest - dow, lag, queue, count)
    else:
        cnt[r, side, C_EVAC] += rest - dow


@njit(cache=True, nogil=True, _nrt=False)
def _lanchester_mean(r, p, own, enemy, coefficient, own_power, enemy_power):
    """Posture ``p``'s expected casualties of the day under its Lanchester law, with ``own``
    people on duty in it and ``enemy`` people of the other side on duty."""
    if own <= 0:
        return 0.0
    mu = coefficient[r, p]
    if own_power[r, p] != 0.0:
        mu *= float(own) ** own_power[r, p]
    if enemy_power[r, p] != 0.0:
        mu *= float(enemy) ** enemy_power[r, p]
    return mu


@njit(cache=True, nogil=True, _nrt=False)
def _derived(m, terms):
    """The derived measures, after the built-in ones in ``m`` (``terms.shape[1]`` of them):
    ``m[terms.shape[1] + k]`` is the sum of the built-in measures ``i``, each ``terms[k, i]``
    times (0: not a term)."""
    n = terms.shape[1]
    for k in range(terms.shape[0]):
        total = 0
        for i in range(n):
            total += terms[k, i] * m[i]
        m[n + k] = total


@njit(cache=True, nogil=True, _nrt=False)
def _measures(m, r, duty, cnt, count, col_side):
    """The built-in measures of each side (side ``s``'s at ``N_MEASURES * s``), then with two
    sides the force ratio in thousandths (as if one person of the other side remained when none
    does)."""
    n_sides = cnt.shape[1]
    for side in range(n_sides):
        o = N_MEASURES * side
        j = CARE_LINES * side
        effective = 0
        for c in range(duty.shape[1]):
            if col_side[c] == side:
                effective += duty[r, c]
        m[o + M_ARRIVED] = cnt[r, side, C_ARRIVED]
        m[o + M_DEPLOYED] = cnt[r, side, C_ARRIVED] - cnt[r, side, C_ROTATED]
        m[o + M_EFFECTIVE] = effective
        m[o + M_WOUNDED_IN_CARE] = count[j + WOUND, r] + count[j + DYING, r] + count[j + LEAVING, r]
        m[o + M_SICK_IN_CARE] = count[j + SICK, r]
        m[o + M_KILLED] = cnt[r, side, C_KILLED]
        m[o + M_WOUNDED] = cnt[r, side, C_WOUNDED]
        m[o + M_MISSING] = cnt[r, side, C_MISSING]
        m[o + M_CASUALTIES] = cnt[r, side, C_KILLED] + cnt[r, side, C_WOUNDED] + cnt[r, side, C_MISSING]
        m[o + M_DIED_OF_WOUNDS] = cnt[r, side, C_DOW]
        m[o + M_EVACUATED] = cnt[r, side, C_EVAC]
        m[o + M_PERMANENT] = (
            cnt[r, side, C_KILLED] + cnt[r, side, C_DOW] + cnt[r, side, C_EVAC] + cnt[r, side, C_MISSING]
        )
        m[o + M_RETURNED] = cnt[r, side, C_RETURNED]
        m[o + M_ROTATED] = cnt[r, side, C_ROTATED]
    if n_sides == 2:
        theirs = m[N_MEASURES + M_EFFECTIVE]
        m[2 * N_MEASURES] = m[M_EFFECTIVE] * RATIO_SCALE // max(theirs, 1)


@njit(cache=True, nogil=True, _nrt=False)
def _vary(rng, r, c, p, d, x, log_trend, cv, since, g):
    """Posture ``p``'s per-person rate ``x`` for column ``c`` on day ``d``: times its trend since
    the posture began for the column, times the day's random factor (one gamma draw a day per
    posture, mean 1, its coefficient of variation ``cv``); at most 1."""
    if log_trend[r, p] != 0.0:
        x *= math.exp(log_trend[r, p] * (d - since[r, c]) / 30.0)
    if cv[r, p] > 0.0:
        if g[p] < 0.0:
            shape = 1.0 / (cv[r, p] * cv[r, p])
            g[p] = standard_gamma(rng, shape) / shape
        x *= g[p]
    return min(x, 1.0)


@njit(cache=True, nogil=True, _nrt=False)
def _per_day(rng, r, p, d, mu, duty, present, posture, carry, noise, dispersion, log_trend, since, own):
    """A count of mean ``mu`` for posture ``p`` (at most everyone on duty in it), shared among its
    present units by draws without replacement, one unit at a time; returns the count."""
    pool, first, last = 0, -1, -1
    for c in range(duty.shape[1]):
        if present[r, c] and posture[r, c] == p:
            pool += duty[r, c]
            last = c
            if first < 0:
                first = c
    if last < 0:
        return 0  # no unit in the posture: no draw, nothing carried over
    if log_trend[r, p] != 0.0:
        mu *= math.exp(log_trend[r, p] * (d - since[r, first]) / 30.0)
    if noise[p] == NOISE_NONE:
        carry[r, p] += mu
        n = math.floor(carry[r, p] + 1e-9)
        carry[r, p] -= n
    elif noise[p] == NOISE_POISSON:
        n = poisson(rng, mu)
    else:
        k = dispersion[r, p]
        n = negative_binomial(rng, k, k / (k + max(mu, 1e-12)))
    n = min(n, pool)
    _share_out(rng, r, n, pool, last, duty, present, posture, own, p)
    return n


@njit(cache=True, nogil=True, _nrt=False)
def _share_out(rng, r, n, pool, last, duty, present, posture, postures, k):
    """Take ``n`` casualties from the ``pool`` people on duty in the present units whose posture
    is one of ``postures[k]`` (the last such unit is ``last``): a draw without replacement, one
    unit at a time, the last unit taking what is left."""
    left = n
    for c in range(last + 1):
        if present[r, c] and postures[k, posture[r, c]]:
            here = duty[r, c]
            got = left if c == last else (hypergeometric(rng, here, pool - here, left) if left > 0 else 0)
            pool -= here
            left -= got
            duty[r, c] -= got


@njit(cache=True, nogil=True, _nrt=False)
def _mass_casualty(rng, r, e, duty, present, posture, chance, size, exposed, done):
    """Mass-casualty event ``e`` on one day of replication ``r``: when anyone is on duty in a
    present unit in an exposed posture, it happens with its daily chance and hits its next size
    (the last one again when they have run out), at most everyone exposed, shared among the
    exposed units by draws without replacement, one unit at a time; returns the people hit."""
    pool, last = 0, -1
    for c in range(duty.shape[1]):
        if present[r, c] and exposed[e, posture[r, c]]:
            pool += duty[r, c]
            last = c
    p = chance[r, e]
    if pool <= 0 or p <= 0.0:
        return 0
    if p < 1.0 and next_double(rng) >= p:
        return 0
    k = min(done[r, e], size.shape[2] - 1)
    done[r, e] += 1
    n = min(max(size[r, e, k], 0), pool)
    _share_out(rng, r, n, pool, last, duty, present, posture, exposed, e)
    return n


@njit(cache=True, nogil=True)
def posture_now(r, d, schedule, posture, since):
    """Set each column's posture for replication ``r`` on day ``d``: the latest phase entry on
    or before the day that applies to it (of one day, one naming units beats one for all, and
    otherwise the later entry wins); its side's start posture before any.  ``since`` gets the day that
    entry began (0 for the start posture)."""
    (entry_day, entry_posture, entry_specific, applies, start_posture) = schedule[3:]
    for c in range(posture.shape[1]):
        best_day, best_specific, p = -1, -1, start_posture[c]
        for e in range(entry_day.shape[1]):
            day = entry_day[r, e]
            if 0 <= day <= d and applies[e, c]:
                specific = entry_specific[e]
                if day > best_day or (day == best_day and specific >= best_specific):
                    best_day, best_specific, p = day, specific, entry_posture[e]
        posture[r, c] = p
        since[r, c] = max(best_day, 0)


@njit(cache=True, nogil=True)
def set_postures(d, schedule, posture, since):
    """:func:`posture_now` for every replication."""
    for r in range(posture.shape[0]):
        posture_now(r, d, schedule, posture, since)


@njit(cache=True, nogil=True)
def apply_events(d, state, schedule, slot_column, from_reserve, col_side):
    """The calendar's events of day ``d`` in every replication: arrivals (drawing on the
    reserve when the slot does), units leaving (everyone of them on duty rotated out), phase
    changes."""
    duty, present, posture, cnt = state[0], state[1], state[2], state[3]
    reserve = state[8]
    arrive, leave, size, entry_day = schedule[0], schedule[1], schedule[2], schedule[3]
    for r in range(duty.shape[0]):
        for s in range(arrive.shape[1]):
            c = slot_column[s]
            if arrive[r, s] == d:
                n = size[r, s]
                if from_reserve[s] and reserve[r] >= 0:
                    n = min(n, reserve[r])
                    reserve[r] -= n
                duty[r, c] += n
                cnt[r, col_side[c], C_ARRIVED] += n
                present[r, c] = True
            if leave[r, s] == d:
                cnt[r, col_side[c], C_ROTATED] += duty[r, c]
                duty[r, c] = 0
                present[r, c] = False
        for e in range(entry_day.shape[1]):
            if entry_day[r, e] == d:
                posture_now(r, d, schedule, posture, state[17])
                break


@njit(cache=True, nogil=True)
def summarise(buf, n_days, rows, qs, q_out, mean_out, d0):
    """Quantiles (linear interpolation, as ``numpy.quantile``) and means over replications of
    the measures ``rows`` on days ``d0`` to ``d0 + n_days - 1`` of ``buf``, into
    ``q_out[measure, day]`` and ``mean_out[measure, day]``.  Counts values when their range is
    not much wider than their number (head counts), sorts them otherwise."""
    n = buf.shape[2]
    nq = qs.shape[0]
    h = (n - 1) * qs
    k = np.floor(h).astype(np.int64)
    targets = np.empty(2 * nq, dtype=np.int64)
    for t in range(nq):
        targets[2 * t] = k[t]
        targets[2 * t + 1] = min(k[t] + 1, n - 1)
    found = np.empty(2 * nq, dtype=np.int64)
    for j in range(n_days):
        for i in rows:
            x = buf[j, i]
            lo, hi, total = x[0], x[0], 0.0
            for v in x:
                lo = min(lo, v)
                hi = max(hi, v)
                total += v
            mean_out[i, d0 + j] = total / n
            if hi - lo > 4 * n + 1024:
                s = np.sort(x)
                for t in range(2 * nq):
                    found[t] = s[targets[t]]
            else:
                counts = np.zeros(hi - lo + 1, dtype=np.int64)
                for v in x:
                    counts[v - lo] += 1
                t, seen = 0, 0
                for value in range(hi - lo + 1):
                    seen += counts[value]
                    while t < 2 * nq and targets[t] < seen:
                        found[t] = lo + value
                        t += 1
            for t in range(nq):
                a, b = found[2 * t], found[2 * t + 1]
                q_out[i, d0 + j, t] = a + (h[t] - k[t]) * (b - a)
