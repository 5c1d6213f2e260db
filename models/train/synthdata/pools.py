"""Locale value pools: Faker values drawn once per (locale, seed), deterministic whatever the date."""
from __future__ import annotations

import zlib

from faker import Faker
from freezegun import freeze_time


def _seed(*parts) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


# Faker draws some values relative to today (a PESEL or a Finnish HETU encodes a birth date, ru_RU
# company numbers a year), so the pools are built with the clock pinned: the same seed gives the same
# data on any day.
FAKER_NOW = "2026-11-30 12:00:00"
# Faker lists built from a set, whose order (and so what a seed draws from them) follows PYTHONHASHSEED;
# the pools sort them. test_generate.py finds any other by building every pool under two hash seeds.
_SET_ORDERED = {"it_IT": ("cities",)}


class LocalePool:
    """Pre-generated Faker values for one locale (deterministic, whatever the date)."""

    def __init__(self, locale: str, seed: int, n: int = 150):
        with freeze_time(FAKER_NOW):
            self._fill(locale, seed, n)

    def _fill(self, locale: str, seed: int, n: int):
        fk = Faker(locale)
        fk.seed_instance(_seed(seed, locale))
        for provider in fk.get_providers():
            for attr in _SET_ORDERED.get(locale, ()):
                if isinstance(getattr(provider, attr, None), list):
                    setattr(provider, attr, sorted(getattr(provider, attr)))
        en = Faker("en_US")
        en.seed_instance(_seed(seed, locale, "en"))
        self.locale = locale

        def many(fn, k=n):
            out = []
            for _ in range(k):
                try:
                    v = str(fn()).strip()
                except Exception:
                    v = ""
                if v:
                    out.append(v.replace("\n", ", "))
            return out or [str(en.name())]

        self.first = many(fk.first_name)
        self.last = many(fk.last_name)
        self.city = many(fk.city)
        self.street = many(fk.street_address)
        self.country = many(fk.country, 40)
        self.phone = many(fk.phone_number)
        try:
            fk.ssn()
            self.natid = many(fk.ssn)
        except Exception:
            self.natid = many(en.ssn)
        try:
            self.iban = many(fk.iban, 60)
        except Exception:
            self.iban = many(en.iban, 60)
        self.cc = many(en.credit_card_number, 60)
        self.company = many(fk.company, 60)
        # latin transliteration of names for handles / emails (Faker user_name is latin)
        self.user = many(fk.user_name) + many(en.user_name, 40)
        self.free_email_domain = many(fk.free_email_domain, 20)
        self.domain = many(fk.domain_name, 30)
        self.cjk = locale in ("ja_JP", "zh_CN", "ko_KR")
        # Whole addresses as they are written in Japanese, Chinese and Korean (postal code to building, no spaces
        # between the parts in Japanese and Chinese), for the {cjk_address} slot.  Drawn after every value
        # above, so those are the values drawn before this list was added.
        if self.cjk:
            self.cjk_address = _cjk_addresses(fk, locale, many, n)


def _cjk_addresses(fk, locale, many, n):
    if locale == "ja_JP":  # 〒 postal code, prefecture, city, ward, town, chome, ban, go (and a building)
        return many(lambda: f"〒{fk.zipcode()} {fk.address()}", n // 2) + many(fk.address, n - n // 2)
    if locale == "zh_CN":  # province, city, district, road, number
        def zh():
            district = fk.district()
            district += "" if district.endswith(("区", "县", "市")) else "区"
            return f"{fk.province()}{fk.city()}{district}{fk.street_name()}{fk.random_int(1, 999)}号"
        return many(zh)
    # ko_KR: province or metropolitan city, city or gu, road (로 / 길) and number; a postal code or a building
    return (many(lambda: f"({fk.postcode()}) {fk.address()}", n // 3) + many(fk.address, n // 3)
            + many(lambda: f"{fk.address()}, {fk.address_detail()}", n - 2 * (n // 3)))
