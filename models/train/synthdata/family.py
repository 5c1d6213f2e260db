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
