"""Plays ActivityWatch's window, AFK and web watchers against `tally serve` through the
real aw-client library. Usage: watchers.py PORT. tests/aw_api.rs checks the aggregates.

The day (seconds after 2026-11-05T09:00:00Z), heartbeats every 5 s, pulsetime 6 s as
aw-watcher-window uses (poll time + 1):
  window  code 0–600, firefox 600–1200, code 1200–1500, code 1507–1803 (after a 7 s
          gap, over pulsetime: a new event; its last beat comes exactly pulsetime after
          the one before and merges), slack 1803–1903
  web     profile   600–900, docs.rs 900–1050, an incognito tab 1050–1200
  afk     not-afk 0–300, afk 300–420, not-afk 420–1900
"""

import sys
from datetime import datetime, timedelta, timezone

import requests
from aw_client import ActivityWatchClient
from aw_core.models import Event

PORT = int(sys.argv[1])
HOST = "planted-host-qx7"
T0 = datetime(2026, 11, 5, 9, 0, tzinfo=timezone.utc)
PULSETIME = 6.0


def client(name):
    c = ActivityWatchClient(name, host="127.0.0.1", port=PORT)
    c.client_hostname = HOST
    return c


def beats(c, bucket, start, end, data, every=5, extra=()):
    """Heartbeats at start, start+every, ... up to end, then at `extra`, as a watcher polls."""
    for s in [*range(start, end + 1, every), *extra]:
        c.heartbeat(bucket, Event(timestamp=T0 + timedelta(seconds=s), duration=0, data=data), pulsetime=PULSETIME)


window, afk, web = client("aw-watcher-window"), client("aw-watcher-afk"), client("aw-watcher-web")
WB, AB, BB = f"aw-watcher-window_{HOST}", f"aw-watcher-afk_{HOST}", f"aw-watcher-web-firefox_{HOST}"

assert "hostname" in window.get_info()
window.create_bucket(WB, "currentwindow")
afk.create_bucket(AB, "afkstatus")
web.create_bucket(BB, "web.tab.current")
window.create_bucket(WB, "currentwindow")  # exists: 304, which aw-client accepts
assert set(window.get_buckets()) == {WB, AB, BB}, window.get_buckets()

code = {"app": "code", "title": "Offer_Letter_Quillonia.rs - qvxuser - Visual Studio Code"}
firefox = {"app": "firefox", "title": "Mozilla Firefox"}
slack = {"app": "slack", "title": "Zorbelle Quant | Acme - Slack"}
profile = {"url": "https://planted-example.org/u/qvxuser", "title": "Quillonia Vexmartin - Profile", "incognito": False}
docs = {"url": "https://docs.rs/tokio", "title": "tokio - Rust", "incognito": False}
private = {"url": "https://planted-example.org/private", "title": "qvx-pulse-phrase", "incognito": True}

# Watchers run side by side; here each sends its part of the day in time order.
beats(afk, AB, 0, 300, {"status": "not-afk"})
beats(afk, AB, 300, 420, {"status": "afk"})
beats(afk, AB, 420, 1900, {"status": "not-afk"})
beats(web, BB, 600, 900, profile)
beats(web, BB, 900, 1050, docs)
beats(web, BB, 1050, 1200, private)
beats(window, WB, 0, 600, code)
beats(window, WB, 600, 1200, firefox)
beats(window, WB, 1200, 1500, code)
beats(window, WB, 1507, 1797, code, extra=[1803])
beats(window, WB, 1803, 1903, slack)

# Raw events are not kept: the endpoints that would return them say so.
for path in [f"buckets/{WB}/events", "export", f"buckets/{WB}/export"]:
    r = requests.get(f"http://127.0.0.1:{PORT}/api/0/{path}")
    assert r.status_code == 501, (path, r.status_code)
    assert "aggregates" in r.json()["message"]
print("watchers: done")
