"""Deterministic synthetic data for the Tally encoder.

Each example is a desktop event (app, title, url-or-None) or a free-text pulse
comment, labelled with
  * character-span PII entities over the *text* (title / comment),
  * one of 8 categories, and
  * one of 3 sentiments.

Templates are grouped into *families* (ids like ``mail.inbox_from``).  The
UNSEEN evaluation split uses only held-out families AND held-out locales; the
training split and the in-template held-out split use neither.

The word lists, apps and sites, template families and held-out family sets are data
(``data/``, literals only); the modules beside it build the Faker pools, fill the slots
and draw the splits, and each says what it holds.

    python generate.py --out /root/.cache/tally-train/data --train 12000

Only Faker is needed (no torch).
"""
from .cli import main, meta
from .data.families import (HELD_OUT, HOLDOUT_FAMILIES, HOLDOUT_FAMILIES_V2, HOLDOUT_FAMILIES_V3, HOLDOUT_FAMILIES_V4,
                            HOLDOUT_FAMILIES_V5, HOLDOUT_FAMILIES_V6, HOLDOUT_FAMILIES_V7, HOLDOUT_FAMILIES_V8,
                            HOLDOUT_FAMILIES_V9, HOLDOUT_FAMILIES_V10, HOLDOUT_FAMILIES_V11, HOLDOUT_FAMILIES_V12)
from .data.labels import CATEGORIES, PII_LABELS, SENTIMENTS, TRAIN_LOCALES, UNSEEN_LOCALES
from .data.phrases import NAME_PARTICLES, NAME_PHRASES
from .data.pulse import PULSE_TOPICS
from .examples import context_string, make_example, recase
from .family import Family
from .pools import FAKER_NOW, LocalePool
from .slots import Ctx, expand, fill_slot
from .splits import ALL_HELD_OUT, EVAL_SPLITS, FAMILIES, FAMILY_BY_ID, generate, holdout_families

__all__ = [
    "ALL_HELD_OUT", "CATEGORIES", "Ctx", "EVAL_SPLITS", "FAKER_NOW", "FAMILIES", "FAMILY_BY_ID", "Family", "HELD_OUT",
    "HOLDOUT_FAMILIES", "HOLDOUT_FAMILIES_V2", "HOLDOUT_FAMILIES_V3", "HOLDOUT_FAMILIES_V4", "HOLDOUT_FAMILIES_V5",
    "HOLDOUT_FAMILIES_V6", "HOLDOUT_FAMILIES_V7", "HOLDOUT_FAMILIES_V8", "HOLDOUT_FAMILIES_V9", "HOLDOUT_FAMILIES_V10",
    "HOLDOUT_FAMILIES_V11", "HOLDOUT_FAMILIES_V12", "LocalePool", "NAME_PARTICLES", "NAME_PHRASES", "PII_LABELS",
    "PULSE_TOPICS", "SENTIMENTS", "TRAIN_LOCALES", "UNSEEN_LOCALES", "context_string", "expand", "fill_slot", "generate", "holdout_families", "main", "meta",
    "make_example", "recase",
]
