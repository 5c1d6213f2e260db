"""A template family: the record the families of data/families.py are written as."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Family:
    id: str
    category: str
    kind: str                # marker pool / event kind
    templates: list          # list of str or (str, sentiment)
    apps: list = field(default_factory=list)   # desktop apps (names)
    web: list = field(default_factory=list)    # (site, domain)
    title_suffix: str = "auto"   # for web: append " - {site}" etc.
    pulse: bool = False
    url_paths: list = field(default_factory=lambda: ["/"])
    # Letter case written into the family: its examples are drawn in one of these variants ("lower", "upper",
    # "orig") and cased as a whole by examples.recase, instead of the 60/25/15 draw every other family takes.
    case: tuple = ()
    # Locales the family's values are drawn from, whatever the split's locales: a family whose templates are in
    # one language (Japanese honorifics, Korean particles, ...) takes names and places of that language.
    locales: tuple = ()
    # Whether the family's apps and sites also make its category's home screens (splits._home_families): off for
    # a family whose apps belong to another category (a chat app in a meeting, an IDE used for reading).
    home: bool = True
