"""Sensitivity sweeps: designs, running points in batches on a pool or a Dask cluster,
results stored as they arrive, and analysis.  The entry point is :func:`sim.sweep`."""
