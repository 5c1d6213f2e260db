"""The families in the order examples draw them, the splits' family and locale sets, and the splits."""
from __future__ import annotations

import random

from .data.families import EVENT_FAMILIES, HELD_OUT, HOME_TEMPLATES
from .data.labels import CATEGORIES, TRAIN_LOCALES, UNSEEN_LOCALES
from .data.pulse import PULSE_FAMILIES
from .examples import make_example
from .family import Family
from .pools import LocalePool, _seed

ALL_HELD_OUT = set().union(*HELD_OUT.values())
EVAL_SPLITS = ["heldout", *HELD_OUT]


def _home_families(fams: list[Family]) -> list[Family]:
    """One home.<category> family per category: HOME_TEMPLATES over the apps and sites of that category's
    training families (sorted)."""
    out = []
    for cat in CATEGORIES:
        fs = [f for f in fams if f.category == cat and not f.pulse and f.id not in ALL_HELD_OUT
              and not f.id.startswith("mix.") and f.home]
        apps = sorted({a for f in fs for a in f.apps})
        web = sorted({w for f in fs for w in f.web})
        out.append(Family(f"home.{cat}", cat, "generic", HOME_TEMPLATES, apps=apps, web=web))
    return out


# The window-title families as written, then the pulse families, then the home families.
FAMILIES: list[Family] = EVENT_FAMILIES + [Family(fid, "*", "pulse", tmpls, pulse=True)
                                           for fid, tmpls in PULSE_FAMILIES]
FAMILIES += _home_families(FAMILIES)
FAMILY_BY_ID = {f.id: f for f in FAMILIES}


def holdout_families() -> set[str]:
    """Families reserved for the UNSEEN split: per category (pulse counted as its own group),
    the families at sorted index 1, 5, 9, ...  Every category keeps >= 2 training families."""
    groups: dict[str, list[str]] = {}
    for f in FAMILIES:
        groups.setdefault("pulse" if f.pulse else f.category, []).append(f.id)
    held = set()
    for ids in groups.values():
        ids = sorted(ids)
        for i, fid in enumerate(ids):
            if i % 4 == 1:
                held.add(fid)
    return held


_POOL_CACHE: dict = {}


def _pool(locale, seed):
    key = (locale, seed)
    if key not in _POOL_CACHE:
        _POOL_CACHE[key] = LocalePool(locale, seed)
    return _POOL_CACHE[key]


def generate(split: str, n: int, seed: int = 13) -> list[dict]:
    """split: 'train' | 'heldout' (seen families+locales, fresh samples) | a key of HELD_OUT: 'unseen'
    (held-out families and locales) or 'unseenN' (the families one generator round held out, written before
    that round's training, with the unseen locales; a family with its own `locales`, such as unseen-12's
    Japanese, Chinese and Korean name families, draws from those instead)."""
    if split in HELD_OUT:
        fams = [f for f in FAMILIES if f.id in HELD_OUT[split]]
        locales = UNSEEN_LOCALES
    else:
        fams = [f for f in FAMILIES if f.id not in ALL_HELD_OUT]
        if split == "heldout":  # composed examples have no category label; keep the held-out split comparable
            fams = [f for f in fams if not f.id.startswith("mix.")]
        locales = TRAIN_LOCALES
    # pools: train uses seed, the evaluation splits other seeds so values differ as much as possible
    # (heldout and unseen share seed + 1000; unseenN for N >= 2 uses seed + N * 1000)
    offset = {"train": 0, "heldout": 1, "unseen": 1}.get(split)
    pool_seed = seed + 1000 * (int(split[len("unseen"):]) if offset is None else offset)
    rng = random.Random(_seed(seed, split))
    pulse_fams = [f for f in fams if f.pulse]
    mix_fams = [f for f in fams if f.id.startswith("mix.")]
    title_fams = [f for f in fams if not f.pulse and f not in mix_fams]
    out = []
    for i in range(n):
        loc = rng.choice(locales)
        # ~18% pulse comments; title families weighted so each category is ~equal
        if rng.random() < 0.18 and pulse_fams:
            fam = rng.choice(pulse_fams)
        elif mix_fams and rng.random() < 0.15:
            fam = rng.choice(mix_fams)
        else:
            cat = rng.choice(CATEGORIES)
            cands = [f for f in title_fams if f.category == cat] or title_fams
            fam = rng.choice(cands)
        if fam.locales:  # a family written in one language draws its values from that language's locales
            loc = rng.choice(fam.locales)
        out.append(make_example(fam, loc, _pool(loc, pool_seed), rng, i, split))
    return out
