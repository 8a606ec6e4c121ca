"""What a calibration returns: the chain, its summary, posterior predictive runs and files."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..estimates import Estimates
from ..folders import staged, target_path
from ..measures import QUANTILE_COLUMNS, QUANTILES
from ..posterior import draws_from_frame, write_posterior
from ..runner import run
from ..scenario import Scenario
from ..streams import generator
from .observations import Observation, observation_of, reporter_leans
from .priors import Prior
from .sampler import ReportRecorder

#: Prior draws used to summarise each prior (its median and 90% interval).
PRIOR_DRAWS = 20_000
#: The quantiles given of each prior and posterior, by key: the 90% interval and the median (``q50``),
#: named as a run's daily quantiles are.
SUMMARY_QUANTILES = {c: QUANTILES[QUANTILE_COLUMNS.index(c)] for c in ("q05", "q50", "q95")}


def quantiles(x: np.ndarray, prefix: str = "") -> dict[str, float]:
    """The :data:`SUMMARY_QUANTILES` of ``x`` by key, each key after ``prefix`` (``prior_q05``)."""
    q = np.quantile(x, list(SUMMARY_QUANTILES.values()))
    return {f"{prefix}{k}": float(v) for k, v in zip(SUMMARY_QUANTILES, q, strict=True)}


@dataclass
class Calibration:
    """A fitted posterior over the chosen parameters, with what made it."""

    scenario: Scenario
    source: str
    estimates: Estimates
    estimates_source: str
    priors: list[Prior]
    observations: list[Observation]
    left_out: list[dict]
    until: dt.date
    seed: int
    walkers: int
    steps: int
    burn: int
    reps: int
    chain: np.ndarray  # (steps, walkers, parameters)
    log_prob: np.ndarray  # (steps, walkers)
    acceptance: np.ndarray  # (walkers,)
    version: str
    kinds: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    _runs: dict = field(default_factory=dict, repr=False, init=False)
    _inference: Any = field(default=None, repr=False, init=False)

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.priors]

    @cached_property
    def samples(self) -> pd.DataFrame:
        """The kept samples: one column per parameter path, plus walker, step and log_prob."""
        kept = self.chain[self.burn :]
        steps, walkers, _ = kept.shape
        frame = pd.DataFrame(kept.reshape(-1, len(self.paths)), columns=self.paths)
        frame["walker"] = np.tile(np.arange(walkers), steps)
        frame["step"] = np.repeat(np.arange(self.burn, self.steps), walkers)
        frame["log_prob"] = self.log_prob[self.burn :].reshape(-1)
        return frame

    def inference_data(self):
        """The kept samples as an ``arviz.InferenceData`` (made once, then the same object).

        ``posterior``: one variable per fitted parameter, named by its field path (a ``/`` in
        a unit name becomes ``|``; the ``parameter_paths`` attribute maps variables to paths),
        dims ``(chain, draw)`` = ``(walkers, kept steps)``, draws numbered by step;
        ``sample_stats``: ``lp``, the log posterior density.  Attributes: :meth:`info`.
        emcee's walkers are the chains, though they are not independent (see
        :mod:`sim.calibration.diagnostics`).
        """
        if self._inference is None:
            from .diagnostics import build_inference_data

            self._inference = build_inference_data(self.chain, self.log_prob, self.burn, self.paths, self.info())
        return self._inference

    @cached_property
    def parameters(self) -> pd.DataFrame:
        """Per parameter: the prior (``prior``, in words) and its 90% interval and median
        (``prior_q05, prior_q50, prior_q95``), the posterior's (``q05, q50, q95``), ``mean`` and
        ``sd``, ``interval_vs_prior`` (the posterior's 90% interval as a share of the prior's), and
        ArviZ's bulk and tail effective sample sizes and R-hat across walkers (``ess_bulk, ess_tail,
        r_hat``; NaN when ArviZ gives none: fewer than four kept steps, or a walker that never
        moved)."""
        from .diagnostics import convergence

        rng = generator(self.seed, "calibration.predictive")
        diagnostics = convergence(self.inference_data(), self.paths)
        rows = []
        for p in self.priors:
            x = self.samples[p.path].to_numpy()
            prior = quantiles(p.sample(rng, PRIOR_DRAWS), "prior_")
            post = quantiles(x)
            rows.append(
                {
                    "parameter": p.path,
                    "prior": p.describe(),
                    **prior,
                    **post,
                    "mean": float(x.mean()),
                    "sd": float(x.std()),
                    "interval_vs_prior": (post["q95"] - post["q05"])
                    / max(prior["prior_q95"] - prior["prior_q05"], 1e-300),
                    **diagnostics[p.path],
                }
            )
        return pd.DataFrame(rows).astype({"ess_bulk": float, "ess_tail": float, "r_hat": float})

    # -- predictive runs ------------------------------------------------------------------
    def draws(self, scenario: Scenario | None = None, reps: int = 1000, seed: int | None = None) -> dict:
        """Per-replication parameter values for ``sim.run(..., values=...)``: posterior rows
        drawn with replacement."""
        return draws_from_frame(self.samples, scenario or self.scenario, reps, self.seed if seed is None else seed)

    @property
    def plot_end(self) -> dt.date:
        """The last date worth plotting: a week after the cut-off or the last report of a fitted
        measure, whichever is later (at most the scenario's end)."""
        measures = {o.measure for o in self.observations}
        dates = [e.last_date for e in self.estimates.estimates if e.measure in measures]
        return min(self.scenario.end, max([self.until, *dates]) + dt.timedelta(days=7))

    def report_observations(self) -> list[Observation]:
        """Observations of every report of a fitted measure within the plotted dates (those
        after the cut-off too)."""
        measures = {o.measure for o in self.observations}
        out = []
        for e in self.estimates.estimates:
            if e.measure in measures and self.scenario.start <= e.first_date and e.last_date <= self.plot_end:
                out.append(
                    observation_of(e, self.scenario, self.estimates.default_relative_error, self.estimates.reporters)
                )
        return out

    def predictive(self, reps: int = 1000, posterior: bool = True):
        """A run (a :class:`sim.Result`) to :attr:`plot_end`, with parameters drawn from the
        posterior, or from the prior with ``posterior=False``."""
        return self._predictive(reps, posterior)[0]

    def report_figures(self, reps: int = 1000, posterior: bool = True) -> pd.DataFrame:
        """Each report's true figure (one column per report id) in each replication of
        :meth:`predictive`."""
        return self._predictive(reps, posterior)[1]

    def _predictive(self, reps: int, posterior: bool):
        key = (reps, posterior)
        if key not in self._runs:
            s = self.scenario.model_copy(update={"end": self.plot_end})
            obs = self.report_observations()
            rec = ReportRecorder(obs, reps)
            values = self.draws(s, reps) if posterior else None
            result = run(s, reps, self.seed, values=values, recorders=[rec])
            self._runs[key] = (result, pd.DataFrame(rec.values().T, columns=[o.id for o in obs]))
        return self._runs[key]

    def leans(self, reps: int = 1000) -> dict[str, dict[str, float]]:
        """Each reporter group's lean after the fit (see :func:`.observations.reporter_leans`):
        the factor's prior median (``prior_q50``), and its posterior median and 90% interval
        (``q50, q05, q95``) given the fitted reports and the posterior predictive figures."""
        if not any(o.reporter for o in self.observations):
            return {}
        figures = self.report_figures(reps)[[o.id for o in self.observations]].to_numpy()
        return reporter_leans(np.log1p(np.maximum(figures, 0.0)), self.observations)

    def report_check(self, reps: int = 1000) -> pd.DataFrame:
        """Each report beside the prior and posterior predictive of its true figure: their 90%
        intervals and medians (``posterior_q05, posterior_q50, posterior_q95``, ``prior_q05``...)
        and the share of the posterior's figures above the reported one."""
        post, prior = self.report_figures(reps), self.report_figures(reps, posterior=False)
        fitted = {o.id for o in self.observations}
        rows = []
        for o in self.report_observations():
            rows.append(
                {
                    "id": o.id,
                    "measure": o.measure,
                    "date": o.first + (o.last - o.first) / 2,
                    "reported": o.figure,
                    "low": o.low,
                    "high": o.high,
                    "lower_bound": o.lower_bound,
                    "fitted": o.id in fitted,
                    **quantiles(post[o.id].to_numpy(), "posterior_"),
                    **quantiles(prior[o.id].to_numpy(), "prior_"),
                    "posterior_share_above": float(np.mean(post[o.id] > o.figure)),
                }
            )
        return pd.DataFrame(rows)

    # -- summary and files ------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """How the samples were made (stored with them in the Parquet file)."""
        return {
            "scenario": self.scenario.name,
            "scenario_file": self.source,
            "estimates_file": self.estimates_source,
            "until": self.until.isoformat(),
            "kinds": list(self.kinds),
            "exclude": list(self.exclude),
            "fitted": self.paths,
            "seed": self.seed,
            "walkers": self.walkers,
            "steps": self.steps,
            "burn": self.burn,
            "reps_per_walker": self.reps,
            "version": self.version,
        }

    def summary(self, reps: int = 1000) -> dict[str, Any]:
        """A JSON-ready summary with provenance."""
        acc = self.acceptance
        return {
            **self.info(),
            "method": "emcee ensemble sampler, synthetic likelihood with common random numbers",
            "observation_model": "log(1 + reported) ~ Normal(log(1 + true) + log(lean of its reporter), sigma); "
            "sigma from a low/high range read as a 90% interval, else log(1 + default_relative_error), widened "
            "by the reporter's spread; a reporter's lean is log-normal (median bias, log sd bias_spread), one "
            "for all its reports, integrated out; lower bounds contribute P(reported > bound); a revised "
            "report is left out",
            "default_relative_error": self.estimates.default_relative_error,
            "acceptance_fraction": {"mean": float(acc.mean()), "min": float(acc.min()), "max": float(acc.max())},
            "samples_kept": int((self.steps - self.burn) * self.walkers),
            "diagnostics": "ess_bulk, ess_tail (arviz.ess) and r_hat (arviz.rhat) with emcee's walkers as "
            "chains; the walkers are not independent chains, so these are rough guides",
            "parameters": {
                r["parameter"]: {k: _json_number(v) for k, v in r.items() if k != "parameter"}
                for r in self.parameters.to_dict("records")
            },
            "reporter_leans": self.leans(reps),
            "reports_fitted": [o.row() for o in self.observations],
            "reports_left_out": self.left_out,
            "report_check": json.loads(self.report_check(reps).to_json(orient="records", date_format="iso")),
        }

    def plot(self, reps: int = 1000, axes=None):
        """Posterior predictive bands of each fitted measure against the reports."""
        # The chart sits a layer above (sim.calibration.charts) and needs matplotlib, which a
        # calibration used for its tables alone never loads.
        from .charts import fit_chart

        return fit_chart(self, reps=reps, axes=axes)

    def save(self, out_dir, plot: bool = True, reps: int = 1000) -> list[Path]:
        """Write ``posterior.parquet``, ``posterior.nc`` (:meth:`inference_data` as netCDF),
        ``summary.json`` and, with ``plot``, ``fit.png``, ``trace.png`` and ``pair.png`` (this
        one with two or more fitted parameters) into ``out_dir`` (a path or a checked
        :class:`~sim.folders.OutputFolder`) atomically; the folder must be new, empty or an
        earlier output of this tool (see :mod:`sim.folders`)."""
        shown = target_path(out_dir)
        summary = self.summary(reps)
        idata = self.inference_data()
        figures: dict[str, Any] = {}
        try:
            if plot:
                from .charts import pair_chart, trace_chart

                figures["fit.png"] = self.plot(reps)
                figures["trace.png"] = trace_chart(self)
                if len(self.paths) > 1:
                    figures["pair.png"] = pair_chart(self)

            def fill(d: Path) -> list[Path]:
                names = ["posterior.parquet", "posterior.nc", "summary.json", *figures]
                write_posterior(d / "posterior.parquet", self.samples, self.info())
                idata.to_netcdf(str(d / "posterior.nc"))
                summary["files"] = names
                text = json.dumps(summary, indent=2, default=str) + "\n"
                (d / "summary.json").write_text(text, encoding="utf-8")
                for name, figure in figures.items():
                    figure.savefig(d / name, dpi=120)
                return [shown / n for n in names]

            return staged(out_dir, fill, "calibrate")
        finally:
            if figures:
                import matplotlib.pyplot as plt

                for figure in figures.values():
                    plt.close(figure)


def _json_number(v: Any) -> Any:
    """NaN (a diagnostic ArviZ could not give) as None: JSON has no NaN."""
    return None if isinstance(v, float) and not np.isfinite(v) else v
