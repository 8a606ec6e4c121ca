#!/usr/bin/env python3
"""Command-line entry point: ``python simulate.py --help``."""

from sim.cli import main

if __name__ == "__main__":
    main()
