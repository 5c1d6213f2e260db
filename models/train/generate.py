"""Deterministic synthetic data for the Tally encoder: the command line, and the names other scripts import
(``import generate as g``, ``from generate import EVAL_SPLITS``).  The generator is the package
``synthdata/``: word lists and template families as data, slot filling and splits as code.

    python generate.py --out /root/.cache/tally-train/data --train 12000
"""
from synthdata import *  # noqa: F401,F403
from synthdata import main

if __name__ == "__main__":
    main()
