"""Slot filling: a template and a locale pool become text segments, each with its PII label or None."""
from __future__ import annotations

import random
import re
import string

from .data.mix import MIX_CLAUSES, MIX_FILLERS, MIX_JOIN
from .data.phrases import NAME_PHRASES, TR_BACK_VOWELS, TR_FRONT_VOWELS, TR_VOICELESS
from .data.vocab import (CHAT_MSGS, DOC_WORDS, EMAIL_DOMAINS, EXTS, NAME_TITLES, ORG_HANDLES, ORGS, PERSON_FILE_PREFIXES,
                         PROJECTS, QUARTERS, SUBJECTS, TECH, TICKET_PREFIXES, TOPICS, WORD_SLOTS)
from .pools import LocalePool

_TRANSLIT = str.maketrans("áàâäãåçéèêëíìîïñóòôöõøúùûüýÿšžčřďťňěůłśźżćńąęőűğışİœæß",
                          "aaaaaaceeeeiiiinoooooouuuuyyszcrdtneulszzcnaeouqisioas")


def _ascii_handle(s: str) -> str:
    s = s.lower().translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]", "", s)


def _rand_secret(rng: random.Random) -> str:
    al = string.ascii_letters + string.digits
    kind = rng.randrange(7)
    if kind == 0:
        return "sk-" + "".join(rng.choice(al) for _ in range(rng.randint(32, 48)))
    if kind == 1:
        return "ghp_" + "".join(rng.choice(al) for _ in range(36))
    if kind == 2:
        return "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    if kind == 3:
        return "xoxb-" + "-".join("".join(rng.choice(string.digits) for _ in range(12)) for _ in range(2)) + "-" + \
            "".join(rng.choice(al) for _ in range(24))
    if kind == 4:
        return "eyJhbGciOiJIUzI1NiJ9." + "".join(rng.choice(al) for _ in range(30))
    if kind == 5:
        return "".join(rng.choice(al + "!@#$%") for _ in range(rng.randint(10, 18)))
    return "glpat-" + "".join(rng.choice(al) for _ in range(20))


def _tr_suffix(name: str, case: str) -> str:
    """The Turkish case ending written after a name with an apostrophe, in vowel harmony with the name's last
    vowel: dative ('a / 'e, 'ya / 'ye after a vowel), ablative ('dan / 'den, 'tan / 'ten after a voiceless
    consonant) or comitative ('la / 'le, 'yla / 'yle after a vowel)."""
    low = name.lower()
    vowels = [c for c in low if c in TR_BACK_VOWELS or c in TR_FRONT_VOWELS]
    back = not vowels or vowels[-1] in TR_BACK_VOWELS
    a = "a" if back else "e"
    ends_vowel = bool(low) and (low[-1] in TR_BACK_VOWELS or low[-1] in TR_FRONT_VOWELS)
    if case == "dat":
        return ("'y" if ends_vowel else "'") + a
    if case == "abl":
        return ("'t" if low and low[-1] in TR_VOICELESS else "'d") + a + "n"
    return ("'yl" if ends_vowel else "'l") + a


def _ip(rng):
    if rng.random() < 0.15:
        return ":".join(f"{rng.randrange(65536):x}" for _ in range(8))
    first = rng.choice([10, 192, 172, 34, 52, 81, 95, 104, 203])
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class Ctx:
    def __init__(self, rng: random.Random, pool: LocalePool, app: str, site: str | None):
        self.rng = rng
        self.pool = pool
        self.app = app
        self.site = site
        self.topic_idx = {}

    def c(self, seq):
        return self.rng.choice(seq)

    # ---- people ----
    def first(self):
        return self.c(self.pool.first)

    def last(self):
        return self.c(self.pool.last)

    def full(self):
        f, l = self.first(), self.last()
        if self.pool.cjk:
            return (l + f) if self.rng.random() < 0.5 else f"{l} {f}"
        if self.pool.locale == "hi_IN" and self.rng.random() < 0.2:
            return f
        r = self.rng.random()
        if r < 0.08:
            return f"{f} {self.c(string.ascii_uppercase)}. {l}"
        if r < 0.14:
            return f"{f} {self.last()}-{l}"
        if r < 0.18:
            return f"{self.c(NAME_TITLES)} {f} {l}" if self.rng.random() < 0.5 else f"{f} {l}"
        return f"{f} {l}"

    def handle(self):
        r = self.rng.random()
        if r < 0.45:
            return self.c(self.pool.user)
        f, l = _ascii_handle(self.first()), _ascii_handle(self.last())
        if not f or not l:
            return self.c(self.pool.user)
        forms = [f"{f}.{l}", f"{f[0]}{l}", f"{f}{l[0]}", f"{f}_{l}", f"{f}{self.rng.randint(1, 99)}", f"{l}{f[0]}", f]
        return self.c(forms)

    def email(self):
        dom = self.c(self.pool.free_email_domain + self.pool.domain + EMAIL_DOMAINS)
        return f"{self.handle()}@{dom}"


def fill_slot(name: str, ctx: Ctx) -> list[tuple[str, str | None]]:
    rng = ctx.rng
    p = ctx.pool
    if name == "person":
        return [(ctx.full(), "PERSON")]
    if name == "first":
        return [(ctx.first(), "PERSON")]
    if name == "last":
        return [(ctx.last(), "PERSON")]
    if name == "first_last":
        return [(f"{ctx.first()} {ctx.last()}", "PERSON")]
    if name == "person_lf":
        if p.cjk:
            return [(ctx.last() + ctx.first(), "PERSON")]
        return [(f"{ctx.last()}, {ctx.first()}", "PERSON")]
    if name == "person_file":
        f, l = ctx.first(), ctx.last()
        sep = ctx.c(["_", "", "-", " ", "_"])
        return [(ctx.c([f"{f}{sep}{l}", f"{l}{sep}{f}"]), "PERSON")]
    if name == "email":
        return [(ctx.email(), "EMAIL")]
    if name == "phone":
        return [(ctx.c(p.phone), "PHONE")]
    if name == "city":
        return [(ctx.c(p.city), "LOCATION")]
    if name == "address":
        r = rng.random()
        if r < 0.5:
            return [(f"{ctx.c(p.street)}, {ctx.c(p.city)}", "LOCATION")]
        return [(ctx.c(p.street), "LOCATION")]
    if name == "country":
        return [(ctx.c(p.country), "LOCATION")]
    if name == "user":
        return [(ctx.handle(), "USERNAME")]
    if name == "ip":
        return [(_ip(rng), "IP_ADDRESS")]
    if name == "cc":
        return [(ctx.c(p.cc), "CREDIT_CARD")]
    if name == "cc_last4":
        return [(str(rng.randint(1000, 9999)), None)]
    if name == "iban":
        return [(ctx.c(p.iban), "IBAN")]
    if name == "natid":
        return [(ctx.c(p.natid), "NATIONAL_ID")]
    if name == "secret":
        return [(_rand_secret(rng), "SECRET")]
    if name in WORD_SLOTS:
        return [(ctx.c(WORD_SLOTS[name]), None)]
    if name == "topic_cap":
        t = ctx.c(TOPICS)
        return [(t[0].upper() + t[1:], None)]
    if name == "tech_lower":
        return [(ctx.c(TECH).lower().replace(" ", ""), None)]
    if name == "org":
        return [(ctx.c(ORGS), None)]
    if name == "org_handle":
        return [(ctx.c(ORG_HANDLES), None)]
    if name == "num":
        return [(str(rng.choice([rng.randint(1, 20), rng.randint(10, 999), rng.randint(1000, 99999)])), None)]
    if name == "year":
        return [(str(rng.randint(2019, 2027)), None)]
    if name == "time":
        return [(f"{rng.randint(7, 18)}:{rng.choice(['00', '15', '30', '45'])}", None)]
    if name == "ticket":
        return [(f"{ctx.c(TICKET_PREFIXES)}-{rng.randint(1, 9999)}", None)]
    if name == "doc_file":
        stem = ctx.c([f"{ctx.c(PROJECTS)}_{ctx.c(DOC_WORDS).replace(' ', '_')}",
                      f"{ctx.c(DOC_WORDS)} {ctx.c(QUARTERS)}", f"{ctx.c(PROJECTS).lower()}-{ctx.c(DOC_WORDS).lower().replace(' ', '-')}-v{rng.randint(1, 9)}"])
        return [(f"{stem}.{ctx.c(EXTS)}", None)]
    if name == "file":
        if rng.random() < 0.3:
            f, l = ctx.first(), ctx.last()
            return [(ctx.c(PERSON_FILE_PREFIXES), None),
                    (f"{f}_{l}", "PERSON"), (f".{ctx.c(EXTS)}", None)]
        return fill_slot("doc_file", ctx)
    if name == "subject":
        return expand(ctx.c(SUBJECTS), ctx)
    if name == "chat_msg":
        return expand(ctx.c(CHAT_MSGS), ctx)
    if name == "app":
        return [(ctx.site or ctx.app or "App", None)]
    if name == "cjk_address":  # a whole Japanese, Chinese or Korean address, one span
        if hasattr(p, "cjk_address"):
            return [(ctx.c(p.cjk_address), "LOCATION")]
        return [(f"{ctx.c(p.street)}, {ctx.c(p.city)}", "LOCATION")]
    if name == "meet_code":  # a Google Meet room code (abc-defg-hij)
        return [("-".join("".join(ctx.c(string.ascii_lowercase) for _ in range(k)) for k in (3, 4, 3)), None)]
    if name in ("tr_dat", "tr_abl", "tr_with"):  # a Turkish name and its case ending; the span is the name alone
        who = ctx.full() if name == "tr_dat" else ctx.first()
        return [(who, "PERSON"), (_tr_suffix(who, name[3:]), None)]
    if name in NAME_PHRASES:  # a name glued to a particle or honorific, in the example's language
        table = NAME_PHRASES[name]
        phrases = table.get(p.locale) or [x for v in table.values() for x in v]
        return expand(ctx.c(phrases), ctx)
    raise KeyError(name)


_SLOT_RE = re.compile(r"(\{[a-z_0-9]+\})")


def expand(template: str, ctx: Ctx) -> list[tuple[str, str | None]]:
    segs: list[tuple[str, str | None]] = []
    template = template.replace("{first} {last}", "{first_last}")  # one name, one span
    for part in _SLOT_RE.split(template):
        if not part:
            continue
        if part.startswith("{") and part.endswith("}"):
            segs.extend(fill_slot(part[1:-1], ctx))
        else:
            segs.append((part, None))
    return segs


def _mix_template(rng: random.Random) -> str:
    """A composed example's template: 1-3 typed clauses of MIX_CLAUSES and 0-2 fillers, shuffled and joined."""
    slot = {"PERSON": lambda: rng.choice(["{person}", "{person}", "{first}", "{person_lf}", "{first} {last}"]),
            "LOCATION": lambda: rng.choice(["{city}", "{city}", "{country}", "{address}"]),
            "USERNAME": lambda: "{user}"}
    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        lab = rng.choice(["PERSON", "PERSON", "LOCATION", "USERNAME"])
        c = rng.choice(MIX_CLAUSES[lab])
        c = re.sub(r"\{[PLU]\}", lambda m: slot[lab](), c)
        parts.append(c.replace("{C}", "{country}").replace("{H}", "{host}").replace("{Y}", "{year}"))
    parts += [rng.choice(MIX_FILLERS) for _ in range(rng.choice([0, 1, 1, 2]))]
    rng.shuffle(parts)
    out = parts[0]
    for p in parts[1:]:
        out += rng.choice(MIX_JOIN) + p
    return out
