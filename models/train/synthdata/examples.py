"""One example from one family: app and URL, slots filled, sentiment marker, site suffix, casing, and the
character spans of its entities; and the context string the runtime builds from an event's app and URL."""
from __future__ import annotations

import random
import re

from .data.apps import BROWSERS, URL_PATHS
from .data.labels import CATEGORIES, SENTIMENTS
from .data.pulse import (PULSE_ADJ, PULSE_CHECKINS, PULSE_CHECKINS_V12, PULSE_EXTRA, PULSE_NEG, PULSE_NEU, PULSE_POS,
                         PULSE_TOPICS)
from .data.vocab import NEG_MARKERS, POS_MARKERS
from .family import Family
from .pools import LocalePool
from .slots import Ctx, _mix_template, expand


def _case(segs, variant):
    if variant == "lower":
        return [(t.lower(), l) for t, l in segs]
    if variant == "upper":
        return [(t.upper(), l) for t, l in segs]
    return segs


def recase(text: str, variant: str) -> str:
    """The whole text in lower or upper case ("orig": as it is), one character at a time.  A character whose
    case map is not one character long ("ß".upper() is "SS", "İ".lower() is "i̇") is left as it is, so the text
    keeps its length and every entity span keeps its offsets."""
    if variant == "orig":
        return text
    f = str.lower if variant == "lower" else str.upper
    return "".join(m if len(m := f(c)) == 1 else c for c in text)


def _join(segs):
    text, ents = "", []
    for t, l in segs:
        if l is not None and t.strip():
            # trim whitespace from the span
            lead = len(t) - len(t.lstrip())
            trail = len(t) - len(t.rstrip())
            ents.append({"start": len(text) + lead, "end": len(text) + len(t) - trail, "label": l})
        text += t
    return text, ents


def _add_marker(segs, kind, sentiment, ctx):
    pools = NEG_MARKERS if sentiment == "negative" else POS_MARKERS
    m = ctx.c(pools[kind] + pools["generic"]) if kind in pools else ctx.c(pools["generic"])
    form = ctx.rng.randrange(4)
    if form == 0:
        return [(m + ": ", None)] + segs
    if form == 1:
        return segs + [(f" ({m})", None)]
    if form == 2:
        return [(m + " - ", None)] + segs
    return segs + [(f" — {m}", None)]


def _pulse(fam: Family, ctx: Ctx):
    rng = ctx.rng
    cat = ctx.c(CATEGORIES)
    sent = rng.choices(SENTIMENTS, weights=[0.38, 0.24, 0.38])[0]
    tmpl = ctx.c(fam.templates)
    verdict = {"negative": PULSE_NEG, "positive": PULSE_POS, "neutral": PULSE_NEU}[sent]
    vals = {
        "topic": ctx.c(PULSE_TOPICS[cat]), "topic2": ctx.c(PULSE_TOPICS[cat]),
        "verdict": ctx.c(verdict), "verdict_noun": ctx.c(verdict),
        "adj": ctx.c(PULSE_ADJ[sent]), "adj2": ctx.c(PULSE_ADJ[sent]).lower(), "extra": ctx.c(PULSE_EXTRA[sent]),
    }
    if "{checkin" in tmpl:  # a free-text check-in: its sentiment is in its words, not in a verdict or marker
        vals["checkin"] = ctx.c(PULSE_CHECKINS[cat][sent])
        vals["checkin_v12"] = ctx.c(PULSE_CHECKINS_V12[cat][sent])
    # pre-substitute pulse-level slots, leaving entity slots for expand()
    text = re.sub(r"\{(topic2?|verdict|verdict_noun|adj2?|extra|checkin(?:_v12)?)\}", lambda m: vals[m.group(1)], tmpl)
    segs = expand(text, ctx)
    return segs, cat, sent


def make_example(fam: Family, locale: str, pool: LocalePool, rng: random.Random, idx: int, split: str):
    if fam.pulse:
        ctx = Ctx(rng, pool, "", None)
        segs, cat, sent = _pulse(fam, ctx)
        app, url = None, None
        tid = f"{fam.id}"
    else:
        use_web = bool(fam.web) and (not fam.apps or rng.random() < 0.6)
        if use_web:
            site, dom = rng.choice(fam.web)
            app = rng.choice(BROWSERS)
            path = rng.choice(URL_PATHS)
            url = f"https://{dom}{path}"
        else:
            site, dom = None, None
            app = rng.choice(fam.apps)
            url = None
        ctx = Ctx(rng, pool, app, site)
        ti = rng.randrange(len(fam.templates))
        tmpl = fam.templates[ti]
        tid = f"{fam.id}#{ti}"
        sent = "neutral"
        if isinstance(tmpl, tuple):
            tmpl, sent = tmpl
        if tmpl == "<composed>":
            tmpl = _mix_template(rng)
        segs = expand(tmpl, ctx)
        r = rng.random()
        if sent == "neutral" and r < 0.22:
            sent = "negative"
            segs = _add_marker(segs, fam.kind, sent, ctx)
        elif sent == "neutral" and r < 0.36:
            sent = "positive"
            segs = _add_marker(segs, fam.kind, sent, ctx)
        # site / app suffixes like real window titles
        if use_web and rng.random() < 0.5:
            segs = segs + [(ctx.c([f" - {site}", f" | {site}", f" · {site}", f" — {site}"]), None)]
        if use_web and rng.random() < 0.35:
            segs = segs + [(f" - {app}", None)]
        elif not use_web and rng.random() < 0.3 and not tmpl.endswith("{app}"):
            segs = segs + [(ctx.c([f" - {app}", f" — {app}"]), None)]
        cat = None if fam.category == "*" else fam.category  # composed: no category label
    variant = rng.choices(["orig", "lower", "upper"], weights=[0.6, 0.25, 0.15])[0]
    if fam.case:  # a family written for letter case: its own variants, the whole example cased at once
        variant = rng.choice(fam.case)
        text, ents = _join(segs)
        text = recase(text, variant)
    else:
        segs = _case(segs, variant)
        text, ents = _join(segs)
    return {
        "id": f"{split}-{idx}", "split": split, "family": fam.id, "template_id": tid, "locale": locale,
        "kind": "pulse" if fam.pulse else fam.kind, "variant": variant,
        "app": app, "url": url, "text": text, "entities": ents, "category": cat, "sentiment": sent,
    }


def context_string(app: str | None, url: str | None) -> str | None:
    """The sequence-B context the Rust runtime builds: "{app} {domain}" (domain = URL host without www.)."""
    dom = None
    if url:
        m = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/:?#]+)", url)
        if m:
            dom = m.group(1).lower()
            if dom.startswith("www."):
                dom = dom[4:]
    parts = [p for p in (app, dom) if p]
    return " ".join(parts) if parts else None
