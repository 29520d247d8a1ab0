"""Strict nbval runs a notebook's cells as separate test items that share one kernel, so every
cell of a notebook must run on the same pytest-xdist worker, in order. xdist's default `-n`
scheduling ("load") hands items to whichever worker is free, which splits a notebook across
kernels (NameError in the second worker). Keep each file on one worker ("loadfile")."""


def pytest_configure(config):
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadfile"
