"""Deterministic synthetic data for the Tally encoder.

Each example is a desktop event (app, title, url-or-None) or a free-text pulse
comment, labelled with
  * character-span PII entities over the *text* (title / comment),
  * one of 8 categories, and
  * one of 3 sentiments.

Templates are grouped into *families* (ids like ``mail.inbox_from``).  The
UNSEEN evaluation split uses only held-out families AND held-out locales; the
training split and the in-template held-out split use neither.

    python generate.py --out /root/.cache/tally-train/data --train 12000

Only Faker is needed (no torch).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import string
import zlib
from dataclasses import dataclass, field

from faker import Faker
from freezegun import freeze_time

PII_LABELS = ["PERSON", "EMAIL", "PHONE", "LOCATION", "CREDIT_CARD", "IBAN",
              "NATIONAL_ID", "IP_ADDRESS", "USERNAME", "SECRET"]
CATEGORIES = ["deep_work", "communication", "meetings", "planning", "research",
              "admin", "ai_tools", "non_work"]
SENTIMENTS = ["negative", "neutral", "positive"]

TRAIN_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "pt_BR", "it_IT",
                 "pl_PL", "tr_TR", "fi_FI", "ja_JP", "zh_CN", "ru_RU", "hi_IN",
                 "ar_AA", "ko_KR", "id_ID", "ro_RO",
                 # round 3: more scripts (Armenian, Georgian, Thai, Bengali, Persian, Tamil, Nepali, Traditional
                 # Chinese) and Latin-script languages; no close neighbour of an unseen locale (no nl_BE, el_CY,
                 # sk_SK, no_NO, es_* of the Americas, uk_*)
                 "hy_AM", "ka_GE", "th_TH", "bn_BD", "fa_IR", "ta_IN", "ne_NP", "zh_TW", "hu_HU", "hr_HR",
                 "sl_SI", "lt_LT", "az_AZ", "en_IN", "de_AT"]
UNSEEN_LOCALES = ["nl_NL", "sv_SE", "cs_CZ", "da_DK", "el_GR", "he_IL", "uk_UA",
                  "es_MX"]


def _seed(*parts) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


# --------------------------------------------------------------------------------------
# Locale value pools
# --------------------------------------------------------------------------------------
_TRANSLIT = str.maketrans("áàâäãåçéèêëíìîïñóòôöõøúùûüýÿšžčřďťňěůłśźżćńąęőűğışİœæß",
                          "aaaaaaceeeeiiiinoooooouuuuyyszcrdtneulszzcnaeouqisioas")


def _ascii_handle(s: str) -> str:
    s = s.lower().translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]", "", s)


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


# --------------------------------------------------------------------------------------
# Non-PII vocab (products, projects, tech) -- the model must leave these alone
# --------------------------------------------------------------------------------------
PROJECTS = ["Phoenix", "Atlas", "Orion", "Hermes", "Apollo", "Nimbus", "Falcon", "Zephyr", "Aurora",
            "Polaris", "Titan", "Mercury", "Helix", "Quartz", "Beacon", "Cobalt", "Nova", "Vega",
            "Lighthouse", "Bluebird", "Redwood", "Sequoia", "Everest", "Kilimanjaro", "Pegasus",
            "Jupiter", "Gemini", "Sirius", "Andromeda", "Catalyst", "Horizon", "Magnolia"]
TECH = ["Kubernetes", "Docker", "Terraform", "PostgreSQL", "Redis", "Kafka", "React", "Vue", "Svelte",
        "Django", "Flask", "FastAPI", "Rails", "Spring Boot", "GraphQL", "gRPC", "WebAssembly", "Rust",
        "Go", "TypeScript", "Python", "Java", "Kotlin", "Swift", "Jenkins", "Ansible", "Helm",
        "Prometheus", "Grafana", "Elasticsearch", "Nginx", "Tokio", "Serde", "ONNX Runtime", "PyTorch",
        "TensorFlow", "pandas", "NumPy", "Spark", "Airflow", "dbt", "Snowflake", "BigQuery", "SQLite",
        "Tauri", "Electron", "Next.js", "Tailwind", "Webpack", "Vite", "Babel", "Jest", "pytest",
        "Cargo", "OAuth", "SAML", "Linux", "macOS", "Windows", "Android", "iOS", "Julia", "Ruby",
        "Hugo", "Jasmine", "Cassandra", "Mocha", "Chef", "Puppet", "Sentry", "Datadog", "Splunk"]
TOPICS = ["async runtime", "memory leak", "borrow checker", "race condition", "connection pooling",
          "rate limiting", "cache invalidation", "database migration", "schema design", "unit testing",
          "CI pipeline", "code review", "dependency injection", "error handling", "logging",
          "feature flags", "load balancing", "event sourcing", "TLS certificates", "websocket reconnect",
          "pagination", "search ranking", "onboarding flow", "dark mode", "accessibility audit",
          "pricing page", "churn analysis", "cohort retention", "A/B test results", "OKR drafting",
          "tokenizer padding", "quantization", "vector search", "prompt design", "budget forecast",
          "release notes", "incident postmortem", "security review", "GDPR compliance", "SSO setup"]
DOC_WORDS = ["Roadmap", "Spec", "Proposal", "Design Doc", "RFC", "Postmortem", "Retro Notes",
             "Budget", "Forecast", "Report", "Plan", "Brief", "Strategy", "Playbook", "Runbook",
             "Requirements", "Analysis", "Deck", "Summary", "Handbook", "Checklist", "Policy"]
QUARTERS = ["Q1", "Q2", "Q3", "Q4", "H1", "H2", "FY25", "FY26", "2025", "2026", "Sprint 14", "Sprint 42"]
EXTS = ["pdf", "docx", "xlsx", "pptx", "md", "txt", "csv", "png", "jpg", "key", "pages", "odt"]
CODE_FILES = ["main.rs", "lib.rs", "mod.rs", "index.ts", "App.tsx", "server.py", "utils.py", "models.py",
              "handler.go", "Cargo.toml", "package.json", "README.md", "Dockerfile", "schema.sql",
              "config.yaml", "build.gradle", "pipeline.rs", "redact.rs", "api.ts", "store.js", "tests.rs",
              "main.cpp", "Makefile", "settings.py", "routes.rb", "Program.cs", "ViewController.swift"]
REPOS = ["tally", "backend", "frontend", "infra", "api-gateway", "billing-service", "mobile-app",
         "design-system", "data-pipeline", "ml-platform", "docs", "website", "auth-service", "sdk",
         "cli", "monorepo", "analytics", "search", "payments", "notifications"]
BRANCHES = ["main", "develop", "feature/login", "fix/flaky-test", "release/2.3", "feat/onnx-export",
            "chore/deps", "hotfix/crash", "refactor/pipeline", "feat/dark-mode"]
CHANNELS = ["general", "random", "engineering", "dev-backend", "frontend", "design", "product",
            "marketing", "sales", "support", "incidents", "deploys", "announcements", "team-platform",
            "ml", "data", "hiring", "social", "watercooler", "help-it", "releases", "oncall"]
MEETING_TOPICS = ["Weekly sync", "Standup", "Daily standup", "Sprint planning", "Sprint review",
                  "Retro", "1:1", "All hands", "Design review", "Architecture review", "Quarterly planning",
                  "Customer call", "Kickoff", "Interview", "Demo", "Town hall", "Budget review",
                  "Roadmap review", "Incident review", "Office hours", "Brainstorm", "Onboarding"]
TICKET_PREFIXES = ["JIRA", "PROJ", "ENG", "OPS", "SUP", "BUG", "WEB", "API", "INC", "HR", "IT", "FIN"]
HOSTS = ["prod-db-01", "staging", "build-server", "bastion", "web-03", "k8s-node-2", "gpu-box",
         "devbox", "ci-runner-7", "api-prod", "db-replica", "raspberrypi", "nas", "jump-host"]
SEARCH_TECH = ["rust async trait", "python dataclass default factory", "postgres index not used",
               "how to center a div", "docker compose healthcheck", "kubernetes pod crashloopbackoff",
               "git rebase interactive", "typescript generic constraints", "onnx runtime quantization",
               "regex lookbehind javascript", "sql window functions", "bash array loop",
               "react useEffect cleanup", "tokio spawn blocking", "pandas groupby agg",
               "excel vlookup vs xlookup", "gdpr data retention", "okr examples engineering"]
SEARCH_FUN = ["cheap flights", "best pizza near me", "football scores", "netflix new releases",
              "weather weekend", "cat videos", "funny memes", "concert tickets", "recipe lasagna",
              "running shoes sale", "ps5 restock", "champions league highlights"]


# --------------------------------------------------------------------------------------
# Apps / sites per category: (display name, domain or None)
# --------------------------------------------------------------------------------------
BROWSERS = ["Google Chrome", "Firefox", "Mozilla Firefox", "Safari", "Microsoft Edge", "Brave", "Arc",
            "Vivaldi", "Opera", "Chromium", "Zen Browser", "LibreWolf"]

IDES = ["Visual Studio Code", "Code", "IntelliJ IDEA", "PyCharm", "WebStorm", "CLion", "GoLand", "RustRover",
        "Rider", "Android Studio", "Xcode", "Sublime Text", "Neovim", "Vim", "Emacs", "Zed", "Cursor",
        "Eclipse", "NetBeans", "Notepad++", "Visual Studio", "Fleet", "Helix", "Kate", "Nova", "BBEdit"]
TERMINALS = ["Terminal", "iTerm2", "GNOME Terminal", "Konsole", "Windows Terminal", "PowerShell", "Alacritty",
             "kitty", "WezTerm", "Warp", "Tilix", "xterm", "Hyper", "Ghostty", "cmd.exe", "Tabby"]
DESIGN_APPS = ["Figma", "Sketch", "Adobe Photoshop", "Adobe Illustrator", "Adobe InDesign", "Blender",
               "Affinity Designer", "Affinity Photo", "Inkscape", "GIMP", "Adobe Premiere Pro",
               "Adobe After Effects", "DaVinci Resolve", "Final Cut Pro", "Logic Pro", "Ableton Live",
               "AutoCAD", "SolidWorks", "Fusion 360", "KiCad", "Unity", "Unreal Editor", "Godot", "Krita"]
OFFICE_APPS = ["Microsoft Word", "Word", "Microsoft Excel", "Excel", "Microsoft PowerPoint", "PowerPoint",
               "LibreOffice Writer", "LibreOffice Calc", "LibreOffice Impress", "Pages", "Numbers", "Keynote",
               "WPS Office", "OnlyOffice", "Scrivener", "Ulysses", "iA Writer", "Typora", "Obsidian",
               "Bear", "Overleaf", "TeXstudio", "Jupyter Lab", "RStudio", "MATLAB", "Tableau", "Power BI",
               "DBeaver", "DataGrip", "pgAdmin 4", "TablePlus", "Postman", "Insomnia", "GitKraken",
               "Sourcetree", "GitHub Desktop", "Docker Desktop", "Stata", "SPSS", "Looker Studio"]
DEEP_WEB = [("Google Docs", "docs.google.com"), ("Google Sheets", "docs.google.com"),
            ("Google Slides", "docs.google.com"), ("Overleaf", "www.overleaf.com"), ("Canva", "www.canva.com"),
            ("Figma", "www.figma.com"), ("GitHub", "github.com"), ("GitLab", "gitlab.com"),
            ("Bitbucket", "bitbucket.org"), ("CodeSandbox", "codesandbox.io"), ("Replit", "replit.com"),
            ("Google Colab", "colab.research.google.com"), ("Observable", "observablehq.com"),
            ("Word", "word.office.com"), ("Excel", "excel.office.com"), ("Quip", "quip.com"),
            ("Dropbox Paper", "paper.dropbox.com"), ("Coda", "coda.io"), ("Framer", "framer.com"),
            ("Webflow", "webflow.com"), ("Hex", "app.hex.tech"), ("Databricks", "databricks.com")]

MAIL_APPS = ["Outlook", "Microsoft Outlook", "Thunderbird", "Mail", "Apple Mail", "Spark", "Airmail",
             "Mailspring", "Evolution", "Geary", "eM Client", "Postbox", "Superhuman", "Mimestream",
             "Canary Mail", "KMail", "Claws Mail", "Hey"]
MAIL_WEB = [("Gmail", "mail.google.com"), ("Outlook", "outlook.office.com"), ("Outlook", "outlook.live.com"),
            ("Proton Mail", "mail.proton.me"), ("Fastmail", "app.fastmail.com"), ("Yahoo Mail", "mail.yahoo.com"),
            ("Zoho Mail", "mail.zoho.com"), ("iCloud Mail", "www.icloud.com"), ("Tuta", "app.tuta.com"),
            ("GMX", "www.gmx.net"), ("Web.de", "web.de"), ("Mail.ru", "e.mail.ru"), ("Yandex Mail", "mail.yandex.ru"),
            ("HEY", "app.hey.com"), ("Front", "app.frontapp.com"), ("Missive", "mail.missiveapp.com")]
CHAT_APPS = ["Slack", "Microsoft Teams", "Discord", "Telegram", "Telegram Desktop", "WhatsApp", "Signal",
             "Element", "Mattermost", "Rocket.Chat", "Zulip", "Google Chat", "Skype", "Viber", "WeChat",
             "LINE", "Messages", "Wire", "Threema", "Lark", "DingTalk", "Chanty", "Pumble", "Flock"]
CHAT_WEB = [("Slack", "app.slack.com"), ("Teams", "teams.microsoft.com"), ("Discord", "discord.com"),
            ("WhatsApp", "web.whatsapp.com"), ("Telegram", "web.telegram.org"), ("Google Chat", "chat.google.com"),
            ("Messenger", "www.messenger.com"), ("Element", "app.element.io"), ("Zulip", "chat.zulip.org"),
            ("LinkedIn", "www.linkedin.com")]

MEET_APPS = ["Zoom", "Zoom Meeting", "zoom.us", "Microsoft Teams", "Webex", "Cisco Webex Meetings",
             "GoTo Meeting", "Skype", "FaceTime", "Slack", "Discord", "BlueJeans", "Around", "Tuple",
             "Pop", "Jitsi Meet", "Lifesize", "RingCentral", "Dialpad", "Zoho Meeting", "Livestorm"]
MEET_WEB = [("Google Meet", "meet.google.com"), ("Jitsi Meet", "meet.jit.si"), ("Whereby", "whereby.com"),
            ("Zoom", "app.zoom.us"), ("Teams", "teams.microsoft.com"), ("Webex", "web.webex.com"),
            ("Gather", "app.gather.town"), ("Butter", "app.butter.us"), ("Riverside", "riverside.fm"),
            ("StreamYard", "streamyard.com"), ("Livestorm", "app.livestorm.co"), ("Daily", "daily.co")]

PLAN_APPS = ["Jira", "Asana", "Trello", "Linear", "ClickUp", "Notion", "Todoist", "Things", "Things 3",
             "TickTick", "OmniFocus", "Microsoft Project", "Microsoft To Do", "Calendar", "Fantastical",
             "Notion Calendar", "Outlook Calendar", "BusyCal", "Miro", "Microsoft Planner", "OmniPlan",
             "Reminders", "Taskwarrior", "Sunsama", "Akiflow", "Motion", "Height", "Plane"]
PLAN_WEB = [("Jira", "acme.atlassian.net"), ("Asana", "app.asana.com"), ("Trello", "trello.com"),
            ("Linear", "linear.app"), ("Monday.com", "acme.monday.com"), ("ClickUp", "app.clickup.com"),
            ("Notion", "www.notion.so"), ("Basecamp", "3.basecamp.com"), ("Smartsheet", "app.smartsheet.com"),
            ("Wrike", "www.wrike.com"), ("Airtable", "airtable.com"), ("Shortcut", "app.shortcut.com"),
            ("YouTrack", "acme.youtrack.cloud"), ("Azure DevOps", "dev.azure.com"), ("Miro", "miro.com"),
            ("Google Calendar", "calendar.google.com"), ("Calendly", "calendly.com"), ("Productboard", "app.productboard.com"),
            ("Aha!", "acme.aha.io"), ("Teamwork", "acme.teamwork.com"), ("Zoho Projects", "projects.zoho.com"),
            ("Hive", "app.hive.com"), ("Taiga", "tree.taiga.io"), ("GitHub", "github.com"), ("FigJam", "www.figma.com"),
            ("Lucidchart", "lucid.app"), ("Whimsical", "whimsical.com"), ("Roadmunk", "app.roadmunk.com")]

RESEARCH_WEB = [("Google Search", "www.google.com"), ("DuckDuckGo", "duckduckgo.com"), ("Bing", "www.bing.com"),
                ("Kagi", "kagi.com"), ("Stack Overflow", "stackoverflow.com"), ("MDN Web Docs", "developer.mozilla.org"),
                ("Docs.rs", "docs.rs"), ("Wikipedia", "en.wikipedia.org"), ("arXiv", "arxiv.org"),
                ("Google Scholar", "scholar.google.com"), ("Medium", "medium.com"), ("DEV Community", "dev.to"),
                ("Read the Docs", "readthedocs.io"), ("Python docs", "docs.python.org"), ("The Rust Book", "doc.rust-lang.org"),
                ("Confluence", "acme.atlassian.net"), ("Coursera", "www.coursera.org"), ("Udemy", "www.udemy.com"),
                ("edX", "www.edx.org"), ("Khan Academy", "www.khanacademy.org"), ("Pluralsight", "app.pluralsight.com"),
                ("O'Reilly", "learning.oreilly.com"), ("W3Schools", "www.w3schools.com"), ("GeeksforGeeks", "www.geeksforgeeks.org"),
                ("Baeldung", "www.baeldung.com"), ("Microsoft Learn", "learn.microsoft.com"), ("AWS Documentation", "docs.aws.amazon.com"),
                ("pkg.go.dev", "pkg.go.dev"), ("npm", "www.npmjs.com"), ("PyPI", "pypi.org"), ("crates.io", "crates.io"),
                ("Semantic Scholar", "www.semanticscholar.org"), ("ResearchGate", "www.researchgate.net"),
                ("PubMed", "pubmed.ncbi.nlm.nih.gov"), ("Nature", "www.nature.com"), ("YouTube", "www.youtube.com"),
                ("Reddit", "www.reddit.com"), ("GitHub", "github.com"), ("Hacker News", "news.ycombinator.com"),
                ("LinkedIn Learning", "www.linkedin.com"), ("Papers with Code", "paperswithcode.com"),
                ("Hugging Face", "huggingface.co"), ("Kaggle", "www.kaggle.com"), ("Statista", "www.statista.com"),
                ("Gartner", "www.gartner.com"), ("Investopedia", "www.investopedia.com")]
READER_APPS = ["Adobe Acrobat Reader", "Preview", "Okular", "Evince", "Zotero", "Mendeley", "Kindle",
               "Calibre", "Readwise Reader", "Foxit Reader", "SumatraPDF", "Books", "Dash", "Zeal", "DevDocs"]

ADMIN_WEB = [("Workday", "wd5.myworkday.com"), ("BambooHR", "acme.bamboohr.com"), ("Personio", "acme.personio.de"),
             ("SuccessFactors", "performancemanager.successfactors.eu"), ("ADP", "workforcenow.adp.com"),
             ("Gusto", "app.gusto.com"), ("Rippling", "app.rippling.com"), ("Deel", "app.deel.com"),
             ("Expensify", "www.expensify.com"), ("SAP Concur", "www.concursolutions.com"), ("Navan", "app.navan.com"),
             ("ServiceNow", "acme.service-now.com"), ("Jira Service Management", "acme.atlassian.net"),
             ("Zendesk", "acme.zendesk.com"), ("Freshdesk", "acme.freshdesk.com"), ("Salesforce", "acme.lightning.force.com"),
             ("HubSpot", "app.hubspot.com"), ("Pipedrive", "acme.pipedrive.com"), ("Zoho CRM", "crm.zoho.com"),
             ("Harvest", "acme.harvestapp.com"), ("Toggl Track", "track.toggl.com"), ("Clockify", "app.clockify.me"),
             ("QuickBooks", "qbo.intuit.com"), ("Xero", "go.xero.com"), ("DocuSign", "app.docusign.com"),
             ("Okta", "acme.okta.com"), ("Google Drive", "drive.google.com"), ("OneDrive", "onedrive.live.com"),
             ("Dropbox", "www.dropbox.com"), ("Box", "app.box.com"), ("Google Admin", "admin.google.com"),
             ("Microsoft 365 admin", "admin.microsoft.com"), ("Intercom", "app.intercom.com"), ("Greenhouse", "app.greenhouse.io"),
             ("Lever", "hire.lever.co"), ("Ashby", "app.ashbyhq.com"), ("HiBob", "app.hibob.com"), ("Brex", "dashboard.brex.com"),
             ("Ramp", "app.ramp.com"), ("Pleo", "app.pleo.io"), ("Remote", "employ.remote.com")]
ADMIN_APPS = ["System Settings", "System Preferences", "Settings", "Control Panel", "Finder", "File Explorer",
              "Nautilus", "Files", "Dolphin", "Thunar", "Dropbox", "Google Drive", "OneDrive", "Activity Monitor",
              "Task Manager", "Software Update", "Windows Update", "Company Portal", "Keychain Access",
              "1Password", "Bitwarden", "KeePassXC", "LastPass", "Disk Utility", "Printers & Scanners",
              "Synaptic", "GNOME Software", "Cisco AnyConnect", "GlobalProtect", "Tunnelblick", "WireGuard",
              "Self Service", "Microsoft Intune", "Time Machine", "Archive Utility", "7-Zip", "Console"]

AI_WEB = [("ChatGPT", "chatgpt.com"), ("ChatGPT", "chat.openai.com"), ("Claude", "claude.ai"), ("Gemini", "gemini.google.com"),
          ("Copilot", "copilot.microsoft.com"), ("Perplexity", "www.perplexity.ai"), ("Poe", "poe.com"),
          ("Le Chat", "chat.mistral.ai"), ("DeepSeek", "chat.deepseek.com"), ("Grok", "grok.com"),
          ("HuggingChat", "huggingface.co"), ("Midjourney", "www.midjourney.com"), ("Runway", "app.runwayml.com"),
          ("ElevenLabs", "elevenlabs.io"), ("Phind", "www.phind.com"), ("You.com", "you.com"), ("Jasper", "app.jasper.ai"),
          ("Copy.ai", "app.copy.ai"), ("Writesonic", "app.writesonic.com"), ("Google AI Studio", "aistudio.google.com"),
          ("OpenAI Playground", "platform.openai.com"), ("Anthropic Console", "console.anthropic.com"),
          ("Suno", "suno.com"), ("Ideogram", "ideogram.ai"), ("Leonardo.Ai", "app.leonardo.ai"), ("Kimi", "kimi.moonshot.cn"),
          ("Qwen Chat", "chat.qwen.ai"), ("NotebookLM", "notebooklm.google.com"), ("v0", "v0.dev"), ("Bolt", "bolt.new"),
          ("Lovable", "lovable.dev")]
AI_APPS = ["ChatGPT", "Claude", "Copilot", "Microsoft Copilot", "Perplexity", "Ollama", "LM Studio", "Jan",
           "GPT4All", "Msty", "Raycast AI", "MacGPT", "BoltAI", "Gemini", "DiffusionBee", "Draw Things"]

FUN_WEB = [("YouTube", "www.youtube.com"), ("Netflix", "www.netflix.com"), ("Spotify", "open.spotify.com"),
           ("Twitch", "www.twitch.tv"), ("Reddit", "www.reddit.com"), ("Facebook", "www.facebook.com"),
           ("Instagram", "www.instagram.com"), ("X", "x.com"), ("TikTok", "www.tiktok.com"), ("LinkedIn", "www.linkedin.com"),
           ("Amazon", "www.amazon.com"), ("Amazon.de", "www.amazon.de"), ("eBay", "www.ebay.com"), ("AliExpress", "www.aliexpress.com"),
           ("Etsy", "www.etsy.com"), ("Zalando", "www.zalando.de"), ("IKEA", "www.ikea.com"), ("BBC News", "www.bbc.co.uk"),
           ("CNN", "edition.cnn.com"), ("The Guardian", "www.theguardian.com"), ("The New York Times", "www.nytimes.com"),
           ("Le Monde", "www.lemonde.fr"), ("DER SPIEGEL", "www.spiegel.de"), ("ESPN", "www.espn.com"),
           ("Disney+", "www.disneyplus.com"), ("Prime Video", "www.primevideo.com"), ("Hulu", "www.hulu.com"),
           ("Max", "play.max.com"), ("Apple Music", "music.apple.com"), ("Deezer", "www.deezer.com"),
           ("SoundCloud", "soundcloud.com"), ("Pinterest", "www.pinterest.com"), ("Tumblr", "www.tumblr.com"),
           ("9GAG", "9gag.com"), ("Booking.com", "www.booking.com"), ("Airbnb", "www.airbnb.com"),
           ("Tripadvisor", "www.tripadvisor.com"), ("Zillow", "www.zillow.com"), ("Rightmove", "www.rightmove.co.uk"),
           ("Idealista", "www.idealista.com"), ("Wordle", "www.nytimes.com"), ("Chess.com", "www.chess.com"),
           ("lichess.org", "lichess.org"), ("Goodreads", "www.goodreads.com"), ("IMDb", "www.imdb.com"),
           ("Rotten Tomatoes", "www.rottentomatoes.com"), ("Yelp", "www.yelp.com"), ("Steam", "store.steampowered.com"),
           ("Crunchyroll", "www.crunchyroll.com"), ("Bilibili", "www.bilibili.com"), ("Weibo", "weibo.com"),
           ("VK", "vk.com"), ("Niconico", "www.nicovideo.jp"), ("Mercado Libre", "www.mercadolibre.com"),
           ("Allegro", "allegro.pl"), ("Rakuten", "www.rakuten.co.jp"), ("Bluesky", "bsky.app"), ("Threads", "www.threads.net")]
FUN_APPS = ["Spotify", "Steam", "Epic Games Launcher", "Minecraft", "League of Legends", "VLC media player",
            "Apple TV", "Music", "Netflix", "Battle.net", "Solitaire", "Podcasts", "Kodi", "Plex", "mpv",
            "Counter-Strike 2", "Dota 2", "Fortnite", "Roblox", "Stardew Valley", "Tetris", "Hearthstone"]

# --------------------------------------------------------------------------------------
# Sentiment markers (shared by families of a kind)
# --------------------------------------------------------------------------------------
NEG_MARKERS = {
    "dev": ["Build failed", "❌ Tests failing", "ERROR", "FAILED", "Pipeline failed", "Merge conflict",
            "panic", "Segmentation fault", "CI red", "Deploy failed", "Exception", "500 Internal Server Error",
            "Not Responding", "crashed", "timeout exceeded", "broken build", "Compilation error"],
    "mail": ["URGENT", "Re: Complaint", "Action required", "Escalation", "Overdue", "Payment failed",
             "Final reminder", "Service outage", "Re: Unacceptable delay", "Problem with", "Account suspended",
             "Delivery failure", "Undeliverable", "Customer is unhappy", "Missed deadline"],
    "chat": ["urgent!!", "prod is down", "anyone else seeing errors?", "this is broken again", "ugh",
             "blocked", "outage", "help needed asap", "still failing", "not working", "so frustrating"],
    "generic": ["Error", "Not Responding", "Connection lost", "Access denied", "Failed", "Something went wrong",
                "Crash report", "Unable to connect", "Session expired", "Problem loading page", "Overdue",
                "Warning", "Critical", "Rejected", "Declined", "Cancelled"],
}
POS_MARKERS = {
    "dev": ["✅ Build succeeded", "All checks passed", "Merged", "Deployed successfully", "Tests passed",
            "🎉 Released", "Approved", "green build", "LGTM", "Shipped"],
    "mail": ["Thank you!", "Congratulations", "Great work", "Kudos", "Offer accepted", "Welcome aboard",
             "Thanks so much", "Well done", "Approved", "Happy to confirm"],
    "chat": ["🎉", "great job!", "awesome work", "thanks a lot!", "nice, it works", "congrats!!", "love it",
             "shipped it 🚀", "you rock"],
    "generic": ["Success", "Completed", "Approved", "Done ✅", "Congratulations", "Welcome", "Thank you",
                "Resolved", "Accepted"],
}


# --------------------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------------------
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


def F(*a, **k):
    return Family(*a, **k)


FAMILIES: list[Family] = [
    # ---------------- communication: mail ----------------
    F("mail.inbox_from", "communication", "mail", [
        "{subject} - {person} - Inbox", "Inbox - {email} - {app}", "{person}: {subject}",
        "RE: {subject} - Message ({person})", "Inbox (3) - {email}", "From {person} — {subject}",
        "{subject} — {person} <{email}>", "FW: {subject} from {person}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("mail.compose", "communication", "mail", [
        "New Message to {person}", "Draft: {subject} - To: {email}", "Reply to {first} - {subject}",
        "Compose: {subject}", "Re: {subject} (to {person_lf})", "Message to {person} and {person}",
        "Sending to {email}, cc {email}", "Forward: {subject} - {person}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("mail.noperson", "communication", "mail", [
        "Inbox - {app}", "Sent Items", "{subject} - Inbox", "Drafts (2)", "Newsletter: {project} weekly digest",
        "Re: {subject}", "Archive - {project}", "Inbox (127)", "{tech} release notes - Inbox", "Spam",
        "Fwd: {project} {doc_word} {quarter}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("mail.signature", "communication", "mail", [
        "{subject} | {person} | {phone}", "Re: call me at {phone} - {first}", "{person} — office {city}, {phone}",
        "Visit at {address} - {subject}", "Re: shipping address {address}", "{first} {last} ({city}) - {subject}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("mail.i18n", "communication", "mail", [
        "AW: {subject} - {person}", "Antwort an {person}", "Réponse à {person} : {subject}", "Nachricht von {person}",
        "Mensaje de {person} - Bandeja de entrada", "Posta in arrivo - {person}", "Wiadomość od {person}",
        "{person}さんからのメール", "来自{person}的邮件", "Письмо от {person}", "Caixa de entrada - {person}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    # ---------------- communication: chat ----------------
    F("chat.dm", "communication", "chat", [
        "{person} (DM) - {org} - Slack", "{person} | Microsoft Teams", "Chat with {person}", "{person}",
        "{first}", "{person} - Direct message", "Slack | {person} | {org}", "@{user} - Discord",
        "{person}, {person} - Group chat", "{first} is typing…", "{person} (away)",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("chat.channel", "communication", "chat", [
        "#{channel} - {org} - Slack", "{channel} (Channel) - Teams", "# {channel} | {org}",
        "#{channel} - {person}: {chat_msg}", "Thread in #{channel}", "#{channel} - 4 new messages",
        "{org} - #{channel}", "general | {org} | Mattermost", "#{channel}: {chat_msg}",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("chat.mention", "communication", "chat", [
        "@{user} mentioned you in #{channel}", "{person} replied: {chat_msg}", "New message from {person}",
        "{first}: {chat_msg}", "@{user}: {chat_msg}", "{user} reacted to your message",
        "{person} sent you a file: {file}", "Message from {first} ({phone})",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("chat.group", "communication", "chat", [
        "{person}, {person} and 3 others", "Group: {project} squad", "{first}, {first}, {first}",
        "{org} team chat", "{project} launch - {person} and {first}", "Telegram: {person}", "WhatsApp - {person}",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("chat.linkedin_msg", "communication", "chat", [
        "Messaging | LinkedIn", "(2) {person} sent you a message | LinkedIn", "Conversation with {person}",
        "InMail from {person} - Recruiter at {org}", "{person} | Messaging", "Reply to {person}'s message",
    ], web=[("LinkedIn", "www.linkedin.com")]),
    # ---------------- meetings ----------------
    F("meet.call", "meetings", "generic", [
        "Zoom Meeting", "{meeting} - Zoom", "Meeting with {person}", "{person}'s Personal Meeting Room",
        "Call with {person}", "{meeting} | Microsoft Teams", "Meet - {meeting}", "{meeting} with {person} and {person}",
        "Huddle with {person}", "Webex meeting - {person}", "{person} is presenting", "{person} (Host) - Zoom",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("meet.topic", "meetings", "generic", [
        "{meeting} – {project}", "{project} {meeting}", "{meeting} ({quarter})", "Meeting in progress",
        "{meeting} - {org}", "Screen sharing - {meeting}", "Waiting for host to start this meeting",
        "Breakout room 2 - {meeting}", "{meeting} | Recording", "Huddle in #{channel}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("meet.interview", "meetings", "generic", [
        "Interview: {person} - {role}", "Candidate interview {person_lf}", "{role} interview with {first}",
        "Panel: {person} / {person}", "Phone screen - {person} ({phone})", "Onsite loop: {person}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("meet.i18n", "meetings", "generic", [
        "Besprechung mit {person}", "Réunion avec {person}", "Reunión con {person}", "Riunione con {person}",
        "Spotkanie z {person}", "{person}さんとの会議", "与{person}的会议", "Встреча с {person}", "Reunião com {person}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("meet.location", "meetings", "generic", [
        "{meeting} @ {city} office", "Onsite meeting {city} - {person}", "{meeting} — Room {city}",
        "Customer visit {org}, {address}", "Offsite in {city}", "{meeting} ({city} / remote)",
    ], apps=MEET_APPS, web=MEET_WEB),
    # ---------------- planning ----------------
    F("plan.ticket", "planning", "dev", [
        "[{ticket}] {topic_cap} - Jira", "{ticket}: {topic_cap}", "{ticket} {topic_cap} - assigned to {person}",
        "Board - {project} - Jira", "Backlog - {project}", "{project} Sprint board", "{ticket} · {topic_cap} · Linear",
        "My issues - {project}", "Roadmap - {project} {quarter}", "Epic: {topic_cap}",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("plan.assign", "planning", "dev", [
        "{person} assigned {ticket} to you", "Tasks for {person}", "{first}'s tasks - Asana",
        "{ticket} reassigned from {person} to {person}", "Workload: {person}", "@{user} moved {ticket} to Done",
        "{person_lf} - Capacity {quarter}", "Owner: {person} - {project} milestones",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("plan.calendar", "planning", "generic", [
        "Calendar - Week {num}", "{meeting} with {person} - Calendar", "Google Calendar - {month} {year}",
        "Event: {meeting} at {city}", "Invitation: {meeting} @ {weekday} {time} ({email})", "Schedule - {first}",
        "Book a time with {person} - Calendly", "{person}'s calendar", "Accepted: {meeting}", "Today - Fantastical",
        "Out of office: {person} ({month})", "Find a time: {person}, {person}",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("plan.board", "planning", "generic", [
        "{project} Roadmap {quarter}", "OKRs {quarter} - {org}", "{project} - Kanban", "Todoist: Today",
        "Inbox - Things", "{project} planning board", "Milestones - {project}", "Release {num}.0 plan",
        "Gantt chart - {project}", "Priorities for {quarter}", "{project} / Timeline", "Sprint {num} goals",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("plan.github_projects", "planning", "dev", [
        "Projects · {org_handle}/{repo}", "{repo} roadmap · GitHub", "Milestone v{num}.0 · {org_handle}/{repo}",
        "Issues assigned to {user} · {repo}", "Project board · {project}",
    ], web=[("GitHub", "github.com")]),
    # ---------------- deep work ----------------
    F("dev.editor", "deep_work", "dev", [
        "{code_file} - {repo} - {app}", "● {code_file} — {repo}", "{repo} [{branch}] - {code_file}",
        "{code_file} ({repo}) - {app}", "{code_file} - {repo} [WSL: Ubuntu]", "Untitled-1", "{repo} – {code_file}",
        "{code_file} — Modified", "{repo} [SSH: {host}] - {code_file}", "Diff: {code_file} (Working Tree)",
    ], apps=IDES),
    F("dev.paths", "deep_work", "dev", [
        "/home/{user}/src/{repo}/{code_file}", "~/projects/{repo}/{code_file}", "/Users/{user}/Code/{repo}",
        "C:\\Users\\{user}\\source\\repos\\{repo}\\{code_file}", "\\\\fileserver\\home\\{user}\\{repo}",
        "/Users/{user}/Documents/{doc_file}", "{code_file} - /home/{user}/work/{repo} - {app}",
    ], apps=IDES + OFFICE_APPS),
    F("dev.terminal", "deep_work", "dev", [
        "{user}@{host}: ~/{repo}", "{user}@{host}:~$", "ssh {user}@{ip}", "{user}@{ip}: /var/log",
        "cargo test -p {repo}", "npm run dev — {repo}", "git push origin {branch}", "python manage.py migrate",
        "docker compose up - {repo}", "kubectl logs -f {repo}-7d9f", "ping {ip}", "vim {code_file}",
        "ssh -i ~/.ssh/id_ed25519 {user}@{host}", "scp report.csv {user}@{ip}:/tmp", "htop - {host}",
        "sudo -u {user} psql", "mysql -u {user} -h {ip}",
    ], apps=TERMINALS),
    F("dev.secrets", "deep_work", "dev", [
        "export API_KEY={secret}", ".env - {repo} - OPENAI_API_KEY={secret}", "token: {secret}",
        "curl -H 'Authorization: Bearer {secret}'", "AWS_SECRET_ACCESS_KEY={secret} - {app}",
        "password={secret} - config.yaml",
    ], apps=IDES + TERMINALS),
    F("dev.review", "deep_work", "dev", [
        "Pull request #{num}: {topic_cap} by {user} · {org_handle}/{repo}", "Review requested: {topic_cap} · PR #{num}",
        "{user}/{repo}: {topic_cap}", "Merge request !{num} · {repo} · GitLab", "Files changed · {topic_cap} · #{num}",
        "Commits · {org_handle}/{repo}", "{repo}/{code_file} at {branch} · {org_handle}/{repo}",
        "Compare {branch}...main · {repo}", "Actions · run #{num} · {repo}",
    ], web=[("GitHub", "github.com"), ("GitLab", "gitlab.com"), ("Bitbucket", "bitbucket.org"), ("Gitea", "git.acme.dev")]),
    F("dev.design", "deep_work", "generic", [
        "{project} – Figma", "{project} landing page v{num} - {app}", "Untitled - {app}", "{doc_file} - {app}",
        "{project}_logo_final.psd @ 66.7% (RGB/8)", "{project}.blend", "Storyboard {project} - {app}",
        "{person_file}_portrait_edit.psd", "{project} design system / Components", "Export - {project} mockups",
    ], apps=DESIGN_APPS, web=[("Figma", "www.figma.com"), ("Canva", "www.canva.com")]),
    F("doc.writing", "deep_work", "generic", [
        "{doc_file} - {app}", "{project} {doc_word} {quarter} - Google Docs", "{doc_word}_{project}_v{num}.docx",
        "{project} {doc_word} (Draft) - Word", "Untitled document", "Thesis - Chapter {num}.tex - Overleaf",
        "{doc_word} — {project} — edited", "{project} {doc_word}.md - Obsidian", "Notes on {topic}",
        "{person_file}_{doc_word}.docx - Word", "{doc_word} by {person} - Google Docs", "Comments from {person} - {doc_file}",
    ], apps=OFFICE_APPS, web=DEEP_WEB),
    F("doc.sheets", "deep_work", "generic", [
        "{project}_model_{quarter}.xlsx - Excel", "{doc_word} {quarter} - Google Sheets", "Pivot - {project} metrics.xlsx",
        "{project} KPIs dashboard - Tableau", "Cohort analysis - {project}.ipynb", "Untitled spreadsheet",
        "{project}_data.csv - LibreOffice Calc", "Query 3 - {project} - DBeaver", "analysis.R - RStudio",
        "{quarter} pipeline by {person} - Excel",
    ], apps=OFFICE_APPS, web=DEEP_WEB),
    F("doc.files", "deep_work", "generic", [
        "/home/{user}/Documents/{doc_file}", "/Users/{user}/Desktop/{doc_file}", "C:\\Users\\{user}\\Documents\\{doc_file}",
        "~/Documents/{project}/{doc_file}", "D:\\Projects\\{project}\\{doc_file}", "{doc_file} — /Users/{user}/Drafts",
    ], apps=OFFICE_APPS),
    # ---------------- research ----------------
    F("res.search", "research", "generic", [
        "{search_tech} - Google Search", "{search_tech} at DuckDuckGo", "{search_tech} - Bing", "{search_tech} - Kagi Search",
        "{tech} {topic} - Google Search", "how to {topic} in {tech} - Google Search", "{tech} vs {tech} - Search",
        "{search_tech} - Stack Overflow", "\"{topic}\" {tech} - Search",
    ], web=[w for w in RESEARCH_WEB if w[0] in ("Google Search", "DuckDuckGo", "Bing", "Kagi", "Stack Overflow")]),
    F("res.docs", "research", "generic", [
        "{tech} documentation", "{topic_cap} — {tech} docs", "{tech} {num}.x Reference", "Getting started - {tech}",
        "{tech} - Wikipedia", "{topic_cap} · The Rust Programming Language", "API reference: {tech}",
        "{tech} tutorial for beginners", "Chapter {num}: {topic_cap}", "{tech} | MDN", "{tech} changelog",
        "{topic_cap} - {tech} Guide",
    ], web=RESEARCH_WEB, apps=READER_APPS),
    F("res.papers", "research", "generic", [
        "[{num}.0{num}] {topic_cap} with {tech}", "{person} et al. - {topic_cap}.pdf", "{topic_cap} - arXiv",
        "{person_lf} ({year}). {topic_cap}", "{person} - Google Scholar", "{topic_cap}.pdf - {app}",
        "Survey of {topic} ({year})", "Reading: {topic_cap} by {person}",
    ], web=RESEARCH_WEB, apps=READER_APPS),
    F("res.forum", "research", "generic", [
        "r/{tech_lower} - {topic_cap}?", "{topic_cap} : r/programming", "Ask HN: {topic_cap}",
        "{topic_cap} - {tech} Forum", "Question by {user}: {topic_cap}", "{topic_cap} answered by {user} - Stack Overflow",
        "Issue #{num}: {topic_cap} · {org_handle}/{repo}", "{tech} tutorial: {topic} - YouTube", "Learn {tech} - Coursera",
        "{topic_cap} - {tech} crash course - YouTube",
    ], web=RESEARCH_WEB),
    F("res.wiki", "research", "generic", [
        "{project} - Confluence", "{project} wiki / Onboarding", "{topic_cap} - Engineering Handbook",
        "Architecture overview - {project} - Notion", "How we do {topic} - Wiki", "{tech} guidelines - Confluence",
        "Page by {person} - {project} space", "{city} - Wikipedia",
    ], web=RESEARCH_WEB),
    # ---------------- admin ----------------
    F("adm.hr", "admin", "generic", [
        "Time off request - {person}", "Workday - Home", "Payslip {month} {year} - {person}", "Benefits enrollment",
        "Offer_Letter_{person_file}.pdf", "{person_lf} - Employee profile", "Performance review: {person}",
        "Onboarding checklist - {person}", "Contract_{person_file}_{year}.pdf", "Org chart - {person}",
        "Emergency contact: {person}, {phone}", "Address change: {address}", "SSN {natid} - employee record",
        "Payroll - bank {iban}",
    ], web=ADMIN_WEB),
    F("adm.expense", "admin", "generic", [
        "Expense report - {month} {year}", "Receipt_{project}_{num}.pdf", "New expense - {city} trip",
        "Card ending {cc_last4} - Expensify", "Reimbursement for {person}", "Invoice #{num} - {org}",
        "Payment card {cc} - Billing", "Travel booking {city} - Navan", "Mileage claim {city} to {city}",
        "Corporate card {cc}", "Wire transfer to {iban}",
    ], web=ADMIN_WEB),
    F("adm.it", "admin", "generic", [
        "INC{num}{num} - Laptop not booting", "IT ticket: VPN access for {user}", "Reset password - {email}",
        "ServiceNow - My requests", "Software request: {tech}", "Okta - Sign in", "MFA setup - {email}",
        "Device {host} - Intune", "Access request {ticket} for {person}", "Printer queue - Floor {num}",
        "Firewall rule for {ip}", "Account locked: {user}",
    ], web=ADMIN_WEB, apps=ADMIN_APPS),
    F("adm.crm", "admin", "generic", [
        "{org} - Account - Salesforce", "Contact: {person} - HubSpot", "Lead: {person} ({org})",
        "Deal: {org} renewal - Pipedrive", "Ticket #{num}: {person} - Zendesk", "Customer {person} · {email}",
        "{person} - {phone} - Contact details", "Opportunity {org} {quarter}", "Shipping to {address}",
        "Case {num} - {person_lf}",
    ], web=ADMIN_WEB),
    F("adm.system", "admin", "generic", [
        "System Settings", "Wi-Fi", "Software Update", "Downloads", "Finder", "Documents", "Task Manager",
        "Disk Utility", "/home/{user}/Downloads", "C:\\Users\\{user}\\Downloads", "Keychain Access",
        "1Password - {email}", "Bitwarden vault - {user}", "Network - {ip}", "Trash", "Activity Monitor",
        "Printers & Scanners", "Users & Groups - {user}",
    ], apps=ADMIN_APPS),
    F("adm.timesheet", "admin", "generic", [
        "Timesheet week {num} - {person}", "Harvest - Time", "Toggl Track - Timer", "Timesheet_{person_file}_{month}.xlsx",
        "Approve timesheets ({num})", "Clockify - {project}", "Hours {month} {year}",
    ], web=ADMIN_WEB),
    # ---------------- ai tools ----------------
    F("ai.chat", "ai_tools", "generic", [
        "ChatGPT", "{tech} {topic} - ChatGPT", "New chat - Claude", "{topic_cap} - Claude", "Gemini",
        "Copilot", "Perplexity - {search_tech}", "{topic_cap} | Le Chat", "Chat - {app}", "New conversation",
        "Explain {topic} in {tech}", "Summarize {doc_file}", "Draft email to {person}",
    ], web=AI_WEB, apps=AI_APPS),
    F("ai.image", "ai_tools", "generic", [
        "Midjourney - Create", "Imagine: {project} logo", "Runway - Gen-3", "ElevenLabs - Voice Lab",
        "Image generation - {project} banner", "Prompt: {topic}", "Suno - {project} jingle",
    ], web=AI_WEB),
    F("ai.prompt_pii", "ai_tools", "generic", [
        "Write a reply to {person} about {topic}", "Rewrite this email from {email}", "Translate message from {person}",
        "Summarize call with {person} - ChatGPT", "Cover letter for {person} - Claude", "Resume review: {person_file}_CV.pdf",
        "Plan a trip to {city} - Gemini",
    ], web=AI_WEB, apps=AI_APPS),
    # ---------------- non-work ----------------
    F("fun.video", "non_work", "generic", [
        "{fun_video} - YouTube", "(3) YouTube", "{fun_video} | Netflix", "Watch {fun_video} | Prime Video",
        "{user} - Twitch", "{fun_video} - Twitch", "Netflix", "{fun_video} - Disney+", "Home - YouTube",
    ], web=FUN_WEB, apps=FUN_APPS),
    F("fun.social", "non_work", "generic", [
        "(5) Facebook", "Instagram", "{person} (@{user}) / X", "{person} (@{user}) • Instagram photos",
        "Home / X", "r/{fun_sub} - Reddit", "{person} | Facebook", "{fun_video} : r/{fun_sub}", "Feed | LinkedIn",
        "{person} posted: {fun_video} | LinkedIn", "TikTok - Make Your Day", "@{user} on TikTok",
    ], web=FUN_WEB),
    F("fun.shopping", "non_work", "generic", [
        "Amazon.com: {product}", "{product} | eBay", "{product} - AliExpress", "Shopping cart", "Your order {num}",
        "Checkout - deliver to {address}", "{product} for sale in {city}", "Order confirmation - {person}",
        "Apartments in {city} - Airbnb", "Hotels in {city} - Booking.com", "Flights to {city}",
    ], web=FUN_WEB),
    F("fun.news", "non_work", "generic", [
        "{headline} - BBC News", "{headline} | The Guardian", "{headline} - CNN", "Breaking: {headline}",
        "{city}: {headline}", "Weather in {city}", "Live scores - ESPN", "{headline} - DER SPIEGEL",
    ], web=FUN_WEB),
    F("fun.media", "non_work", "generic", [
        "Spotify - {song}", "{song} · {artist}", "Spotify Premium", "Steam", "Minecraft 1.21", "Solitaire",
        "{song} - Apple Music", "VLC media player", "Chess.com - Play vs {user}", "Wordle", "Discover Weekly",
    ], web=FUN_WEB, apps=FUN_APPS),
    F("fun.search", "non_work", "generic", [
        "{search_fun} - Google Search", "{search_fun} {city} - Google Search", "{search_fun} at DuckDuckGo",
        "restaurants in {city} - Bing", "{product} reviews - Google",
    ], web=[w for w in RESEARCH_WEB if w[0] in ("Google Search", "DuckDuckGo", "Bing")]),
    # ---------------- extra diversity (usernames, locations) ----------------
    F("dev.ops", "deep_work", "dev", [
        "git log --author={user}", "{user} committed {num} files", "chown {user}:staff {code_file}",
        "Remote: git@github.com:{user}/{repo}.git", "psql -U {user} -h {host} {repo}", "Last login: {weekday} from {ip}",
        "{user}@{host} - tmux", "sudo su - {user}", "blame: {code_file} ({user})", "{user} pushed to {branch}",
    ], apps=TERMINALS + IDES),
    F("fun.maps", "non_work", "generic", [
        "{address} - Google Maps", "Directions to {city}", "{city} → {city} - Google Maps", "Restaurants near {address}",
        "{city}, {country} - Maps", "Trip to {city} - Tripadvisor", "Things to do in {city}", "{country} travel guide",
    ], web=[("Google Maps", "www.google.com"), ("Apple Maps", "maps.apple.com"), ("OpenStreetMap", "www.openstreetmap.org"),
            ("Tripadvisor", "www.tripadvisor.com")], apps=["Maps", "Google Earth"]),
    F("adm.travel", "admin", "generic", [
        "Trip: {city} ({month})", "Hotel booking {city} - confirmation", "Flight {city} - {city}", "Per diem {country}",
        "Visa application - {country}", "Relocation to {city} - {person}", "Office move to {address}",
    ], web=ADMIN_WEB),
    F("chat.handles", "communication", "chat", [
        "@{user} replied to you", "DM from @{user}", "{user} started following you", "Conversation with @{user}",
        "{person} (@{user}) sent a message", "{user} joined #{channel}", "Invite {user} to {org}",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    # ---------------- more training-only diversity (added in round 2) ----------------
    F("comm.contacts", "communication", "chat", [
        "{person} – Contact card", "Call {person}", "{person_lf}", "Missed call from {person}", "{person} ({phone})",
        "Voicemail from {first}", "{person} · Online", "{first} {last}", "Contacts - {person}", "{person} is calling…",
    ], apps=CHAT_APPS + ["Contacts", "Phone Link", "FaceTime"], web=CHAT_WEB),
    F("mail.thread", "communication", "mail", [
        "Conversation: {subject} ({num} messages) - {person}, {person}", "{subject} — {first}, you and {num} others",
        "Inbox • {person} • {subject}", "Meeting request from {person}", "{person} via {org}: {subject}",
        "{subject} [{person_lf}]", "Out of office: {person}", "Read receipt: {subject} ({email})",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("meet.people", "meetings", "generic", [
        "{meeting} - {person} <> {person}", "{first} / {first} 1:1", "Coffee chat with {first}",
        "{person} has joined the meeting", "Recording of {meeting} with {person}", "Call from {person}",
        "{person} - Video call", "Presentation by {person} - {project}", "You are viewing {person}'s screen",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("dev.issue_people", "deep_work", "dev", [
        "{user} opened issue #{num} · {org_handle}/{repo}", "Comment by {user} on {ticket}",
        "{person} commented on {ticket}", "@{user} requested your review on #{num}", "Blame: {code_file} — {person}",
        "Co-authored-by: {person} <{email}>", "{user} approved these changes",
    ], web=[("GitHub", "github.com"), ("GitLab", "gitlab.com")], apps=IDES),
    F("adm.people", "admin", "generic", [
        "{person} - Leave balance", "Welcome {first}! - Onboarding", "Reference check: {person}", "Exit interview {person_lf}",
        "{person} — {city} office - Directory", "Badge request for {person}", "Background check {person} ({natid})",
        "New hire: {person}, starting {month} in {city}",
    ], web=ADMIN_WEB),
    F("plan.agenda", "planning", "generic", [
        "1:1 {first} / {first} agenda", "Agenda: {meeting} with {person}", "Action items for {person}",
        "{project} plan — owner {person}", "Follow-ups from {meeting} ({city})", "Delegated to {first}: {ticket}",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("fun.places", "non_work", "generic", [
        "Weather in {city} - 10 day forecast", "Commute to {address}", "Flats to rent in {city}", "{city} vs {city} live",
        "Best cafés in {city}", "Moving to {country}?", "Events in {city} this weekend",
    ], web=FUN_WEB),
    F("dev.config", "deep_work", "dev", [
        "GITHUB_TOKEN={secret} - .bashrc", "docker login -p {secret}", "Settings > Tokens: {secret}",
        "secrets.toml — api_key = \"{secret}\"", "git clone https://{user}:{secret}@github.com/{org_handle}/{repo}",
        "SLACK_BOT_TOKEN: {secret}", "mysql -u {user} -p{secret} -h {ip}",
    ], apps=IDES + TERMINALS),
    F("adm.billing", "admin", "generic", [
        "Pay with card {cc}", "Billing details - IBAN {iban}", "Update payment method ({cc})", "SEPA mandate {iban} - {person}",
        "Refund to card {cc} - {org}", "Vendor bank account: {iban}", "Card {cc} declined", "Tax ID {natid} - {person}",
    ], web=ADMIN_WEB),
    F("chat.i18n", "communication", "chat", [
        "Chat mit {person}", "Rozmowa z {person}", "Conversa com {person}", "Chat con {person}", "Discussion avec {person}",
        "Conversación con {person} - WhatsApp", "{person}とのチャット", "与{person}的聊天", "Чат с {person}", "{person} ile sohbet",
        "Keskustelu: {person}", "Sohbet: {first} ve {first}",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("dev.by_user", "research", "generic", [
        "Answer by {user} · {topic_cap}", "Solution from {user} - {tech} forum", "{topic_cap} (asked by {user})",
        "Gist by {user} · {topic_cap}", "{user}/{repo}: {topic_cap} - Discussions", "Blog post by {person}: {topic_cap}",
        "Talk: {topic_cap} — {person} ({city} {year})",
    ], web=RESEARCH_WEB),
]

# ---------------- round 3: multilingual work words, handles first, places in routes, acronyms ----------------
# Everyday work words in 24 languages (vocabulary only: no PII).  Used as non-PII context around names,
# places and handles so that a foreign word in the first position is not taken for a name.
I18N_WORK = [
    # de
    "Besprechung", "Termin", "Rechnung", "Bericht", "Entwurf", "Urlaubsantrag", "Teamrunde", "Protokoll", "Angebot",
    # fr
    "Réunion", "Rendez-vous", "Facture", "Rapport", "Brouillon", "Compte rendu", "Point hebdo", "Devis", "Congés",
    # es
    "Reunión", "Cita", "Factura", "Informe", "Borrador", "Acta", "Presupuesto", "Vacaciones", "Entrevista",
    # it
    "Riunione", "Appuntamento", "Fattura", "Relazione", "Bozza", "Verbale", "Preventivo", "Ferie", "Colloquio",
    # pt
    "Reunião", "Fatura", "Relatório", "Rascunho", "Ata", "Orçamento", "Férias", "Entrevista", "Chamada",
    # pl
    "Spotkanie", "Faktura", "Raport", "Szkic", "Notatka", "Urlop", "Rozmowa", "Oferta", "Zebranie",
    # nl-free cognates are avoided on purpose; tr / fi / ro / id
    "Toplantı", "Fatura", "Rapor", "Taslak", "Palaveri", "Lasku", "Raportti", "Luonnos", "Ședință", "Factură",
    "Raport", "Ciornă", "Rapat", "Laporan", "Faktur", "Draf",
    # ru / bg (Cyrillic)
    "Встреча", "Совещание", "Счёт", "Отчёт", "Черновик", "Созвон", "Отпуск", "Собеседование", "Среща", "Фактура",
    "Доклад", "Чернова",
    # ja / zh / ko
    "会議", "打ち合わせ", "請求書", "報告書", "下書き", "面接", "会议", "发票", "报告", "草稿", "面试", "회의", "보고서",
    "초안", "면접", "청구서",
    # hu / hr / sl / lt / az
    "Megbeszélés", "Számla", "Jelentés", "Sastanak", "Račun", "Izvješće", "Sestanek", "Poročilo", "Susitikimas",
    "Sąskaita", "Görüş", "Hesabat",
    # ar / fa / hi / bn / th / hy / ka
    "اجتماع", "فاتورة", "تقرير", "جلسه", "گزارش", "बैठक", "रिपोर्ट", "সভা", "প্রতিবেদন", "การประชุม", "รายงาน",
    "Հանդիպում", "Հաշվետվություն", "შეხვედრა", "ანგარიში",
]
I18N_WITH = ["mit", "avec", "con", "com", "z", "с", "ile", "kanssa", "cu", "dengan", "with", "és", "sa", "s", "su",
             "ilə", "مع", "با", "के साथ", "กับ", "հետ", "თან", "と", "与", "와"]
ACRONYMS = ["HN", "TIL", "PSA", "FYI", "WIP", "RFC", "EOD", "ETA", "OOO", "AMA", "NBA", "NFL", "FAQ", "CEO", "CTO",
            "HR", "QA", "UX", "UI", "API", "SDK", "KPI", "OKR", "ROI", "SLA", "MVP", "POC", "TBD", "ASAP", "IPO",
            "GPU", "CPU", "LLM", "RAG", "SEO", "CRM", "ERP", "B2B", "SaaS", "DevOps", "NASA", "BBC", "EU", "UN"]
FAMILIES += [
    F("i18n.work", "communication", "mail", [
        "{i18n_word}: {subject}", "{i18n_word} - {project} {quarter}", "{i18n_word} {num} - {app}", "{i18n_word} ({month})",
        "Re: {i18n_word} {project}", "{i18n_word} / {i18n_word} - {org}", "{i18n_word}_{project}_{year}.pdf",
        "{i18n_word} {i18n_with} {person}", "{i18n_word} {i18n_with} {first} ({weekday})", "{i18n_word}: {person_lf}",
        "{person} — {i18n_word} {quarter}", "{i18n_word} {city} {month}", "{i18n_word} · {first} · {i18n_word}",
    ], apps=MAIL_APPS + OFFICE_APPS + CHAT_APPS, web=MAIL_WEB + CHAT_WEB),
    F("i18n.meet", "meetings", "generic", [
        "{i18n_word}: {meeting}", "{i18n_word} {project} - {app}", "{i18n_word} ({time}) - {person}",
        "{first} - {i18n_word} {weekday} {time}", "{i18n_word} {city} / remote", "{person}: {i18n_word} {quarter}",
        "{i18n_word} {num} {i18n_with} {first} {last}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("acro.titles", "research", "generic", [
        "{acro}: {topic_cap}", "Show {acro}: {project}", "{acro} - {tech} {topic}", "[{acro}] {topic_cap}",
        "{acro} thread: {topic}", "r/{acro} - {topic_cap}", "{acro} {quarter} notes", "{topic_cap} ({acro})",
        "{acro}/{acro} review - {project}", "Ask {acro}: {topic_cap} - {person}", "{acro} by {user}: {topic}",
    ], web=RESEARCH_WEB + PLAN_WEB),
    F("social.handles", "non_work", "generic", [
        "{user} liked your post", "{user} is live now", "{user} shared a video", "Challenge from {user}",
        "{user} commented: {chat_msg}", "New follower: {user}", "{user} posted a story", "Match vs {user} - {app}",
        "{user} tagged you in a photo", "{person} (@{user}) liked your reply", "Game with {user} — your turn",
        "{user} and {num} others liked this", "{user} retweeted you", "Watching {user} on Twitch",
    ], web=FUN_WEB, apps=FUN_APPS),
    F("chat.events", "communication", "chat", [
        "{user} added you to #{channel}", "{user} pinned a message", "{user} edited a message in #{channel}",
        "{user} left the conversation", "{user} shared {file}", "{user}: {chat_msg}", "Reply from {user}",
        "{user} is away", "{user} invited {user} to {org}", "{first} reacted 👍 to “{chat_msg}”",
        "{user} started a huddle", "Thread: {user} and {num} others",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("travel.routes", "admin", "generic", [
        "Train {city} → {city} - {weekday}", "{city}–{city} return, {month}", "Taxi receipt {city} to {city}",
        "Km allowance: {city} - {city}", "Bus tickets from {city} to {city}", "Trip from {city} to {city} ({num} km)",
        "Per diem for {city}", "Route: {address} → {city}", "{city} office visit - {person}",
        "Hotel in {city}, {country}", "Parking at {address}", "Invoice: transfer {city} airport",
    ], web=ADMIN_WEB + [("Google Maps", "www.google.com"), ("Trainline", "www.thetrainline.com"),
                        ("Deutsche Bahn", "www.bahn.de"), ("Uber", "riders.uber.com")]),
    F("places.plain", "non_work", "generic", [
        "{city}", "{city}, {country}", "{country}", "Photos from {city}", "{city} Airport - Departures",
        "Live from {city}", "{city} marathon results", "Moving from {city} to {city}", "{address}",
        "Flat at {address} - {app}", "Weekend in {city}?", "{city} - {country} - map",
    ], web=FUN_WEB, apps=["Maps", "Google Earth", "Photos"]),
    F("names.plain", "communication", "chat", [
        "{person}", "{first}", "{person_lf}", "{first} {last}", "{person} - {app}", "{person} | {org}",
        "{first} ({role})", "{person}, {role} at {org}", "{person} & {person}", "{first} + {first}",
        "{person}: {chat_msg}", "To: {person}; Cc: {person}",
    ], apps=CHAT_APPS + MAIL_APPS, web=CHAT_WEB + MAIL_WEB),
]

# ---------------- round-3 UNSEEN-2 families: written before training, never trained on -------------------------
FAMILIES += [
    F("v2.invites", "planning", "generic", [  # was "meetings" in 1.1's card
        "Accepted: {meeting} with {person}", "{person} proposed a new time for {meeting}", "Declined: {first} / {first}",
        "Tentative: {project} sync ({city})", "Updated invitation: {meeting} - {person_lf}", "{first} can't make it to {meeting}",
    ], apps=MEET_APPS + PLAN_APPS, web=MEET_WEB),
    F("v2.support", "admin", "generic", [
        "Ticket from {person} in {city}: {subject}", "Callback requested - {phone} - {person_lf}",
        "Refund request by {user}", "Escalated to {first} — {ticket}", "Customer {person} replied ({city})",
        "SLA breach: {ticket} ({person})",
    ], web=ADMIN_WEB),
    F("v2.git", "deep_work", "dev", [
        "Merge pull request #{num} from {user}/{branch}", "{person} <{email}> authored {num} days ago",
        "Signed-off-by: {person}", "{user} force-pushed to {branch}", "Revert \"{topic_cap}\" by {user}",
        "git blame {code_file}: {first} {last}",
    ], apps=IDES + TERMINALS, web=[("GitHub", "github.com"), ("GitLab", "gitlab.com")]),
    F("v2.market", "non_work", "generic", [
        "{first} liked your photo", "Message from {person} about your listing in {city}", "{user} is live",
        "Item for sale near {city} - {product}", "{person} wants to buy {product}", "Seller {user} · {city}",
    ], web=FUN_WEB),
    F("v2.travel_docs", "admin", "generic", [  # was "planning" in 1.1's card
        "Itinerary: {city} → {city}, {weekday}", "Boarding pass - {person_lf}", "Hotel near {address}",
        "{person}'s trip to {city}", "Team offsite {city} - packing list", "Visa letter for {person}",
    ], apps=PLAN_APPS, web=PLAN_WEB),
]
HOLDOUT_FAMILIES_V2 = {"v2.invites", "v2.support", "v2.git", "v2.market", "v2.travel_docs", "pulse.v2"}

# ---------------- round 4: compositional clauses (the entity's type must come from its form and cue) --------
# Each example joins 1-3 typed clauses and 0-2 non-PII fillers in random order.  The cue words overlap across
# types on purpose ("by", "from", "to"), so a name, a place and a handle in the same position differ only by
# their own form.  These examples carry no category label (the loss ignores it); sentiment stays neutral
# unless a marker is added.
MIX_CLAUSES = {
    "PERSON": ["with {P}", "by {P}", "from {P}", "for {P}", "to {P}", "cc {P}", "{P} wrote", "{P} said", "{P}'s",
               "ask {P}", "thanks {P}", "{P} and {P}", "{P} (you)", "owner: {P}", "assignee {P}", "reviewer {P}",
               "host: {P}", "{P} invited you", "dear {P}", "hi {P}", "{P} shared", "{P} is out", "{P} joined",
               "{P} left", "call {P}", "{P} approved", "{P} declined", "{P} needs", "met {P}", "{P}, {P}"],
    "LOCATION": ["in {L}", "at {L}", "near {L}", "to {L}", "from {L}", "via {L}", "{L} office", "{L} → {L}",
                 "{L} – {L}", "{L} branch", "{L} site", "{L} HQ", "weather {L}", "{L} airport", "trip to {L}",
                 "based in {L}", "located in {L}", "{L}, {C}", "moving to {L}", "back from {L}", "around {L}",
                 "{L} station", "visit to {L}", "{L} warehouse", "delivery to {L}", "{L} store"],
    "USERNAME": ["@{U}", "user {U}", "login {U}", "by {U}", "from {U}", "{U} commented", "{U} pushed", "{U} reacted",
                 "{U} joined", "u/{U}", "~{U}", "{U}@{H}", "{U} wrote", "to {U}", "{U} approved", "for {U}",
                 "account {U}", "handle {U}", "{U} (you)", "ping {U}"],
}
# ---------------- round 5: handles and names in the same cues, names in file names, places after prepositions ---
MIX_CLAUSES["PERSON"] += ["{P} + {P}", "{P} & {P}", "{P}.docx", "{P}.pdf", "CV - {P}.pdf", "{P}_{Y}.xlsx", "{P} (guest)",
                          "{P} is presenting", "{P} reviewed", "with {P} and {P}", "{P} on leave", "signed by {P}"]
MIX_CLAUSES["USERNAME"] += ["with {U}", "{U} and {U}", "{U} + {U}", "{U} & {U}", "{U} is presenting", "{U} reviewed",
                            "signed in as {U}", "{U} on chat", "invite {U}", "{U} (guest)"]
MIX_CLAUSES["LOCATION"] += ["в {L}", "à {L}", "en {L}", "w {L}", "na {L}", "i {L}", "em {L}", "{L}'da", "{L}で",
                            "in {L} ({C})", "{L} depot", "{L} campus", "{L} hub", "to {L} and back", "from {L} to {L}"]

# ---------------- round 6: where a place or a name ends (", floor 7", a tech word before a town, " - " between) ---
MIX_CLAUSES["LOCATION"] += ["{L}, floor {num}", "{L}, room {num}", "{L} office, floor {num}", "{tech} {L}",
                            "{tech} meetup {L}", "{L} - {num}", "{L} ({phone})", "{acro} {L}"]
MIX_CLAUSES["PERSON"] += ["{P} ({phone})", "{tech} {P}", "{P}, desk {num}", "{P} - {city}"]

# ---------------- round 7: lists of names, key = value, places as modifiers and in file names, from … to … people ---
MIX_CLAUSES["PERSON"] += ["from {P} to {P}", "handover to {P}", "{P} → {P}", "assigned to {P}", "{first} {last}, {first}",
                          "{first}, {first} {last}", "{P}, {P} and {P}", "owner = {P}", "name: {P}", "{first} {last}, {first} {last}"]
MIX_CLAUSES["LOCATION"] += ["the {L} rollout", "the {L} launch", "the {L} team", "region = {L}", "city: {L}", "location={L}",
                            "{L}_{Y}.csv", "sales_{L}.xlsx", "{L}-report.pdf", "{L} region", "{L} vs {L}", "{L} / {L}"]
MIX_CLAUSES["USERNAME"] += ["assigned to {U}", "user = {U}", "owner={U}", "from {U} to {U}", "{U} → {U}", "{U}, {U} and {U}"]
# ---------------- round 9 (from 1.6's errors on unseen-8): handles where names usually stand, role words before
# names, places after "from" and before plain nouns, in brackets and in environment names ---
MIX_CLAUSES["USERNAME"] += ["{U}'s", "{U}'s notes", "shoutout {U}!", "thanks {U}!", "kudos to {U}", "{U} helped",
                            "ask {U}", "{U} owns this", "{U} tagged", "{U} merged", "enrolment {U}", "{U} / {U}"]
MIX_CLAUSES["PERSON"] += ["recruiter {P}", "manager {P}", "{role} {P}", "candidate {P}", "coach {P}", "intern {first}",
                          "{first} / {first}", "{P} / {P}", "{P} ({role})", "{role}: {P}", "{P} moved", "{P} tagged"]
MIX_CLAUSES["LOCATION"] += ["candidate from {L}", "greetings from {L}", "shipped from {L}", "{L} expansion", "{L} milestone",
                            "{L} market", "{L} budget", "{L} pilot", "({L})", "{L}-prod", "{L}-staging", "{L} headcount"]
MIX_NOUNS = ["rota", "roster", "schedule", "checklist", "summary", "overview", "plan", "notes", "agenda", "queue", "form",
             "sheet", "log", "map", "guide", "request", "update", "review", "draft", "list", "badge", "parcel", "locker"]

MIX_FILLERS = ["{meeting}", "{project} {doc_word}", "{ticket}", "{topic_cap}", "{i18n_word}", "{acro}", "{tech}",
               "{doc_file}", "{quarter}", "{weekday} {time}", "{product}", "{chat_msg}", "{subject}", "{month} {year}",
               "{channel}", "{repo}", "{org}", "floor {num}", "room {num}", "building {num}", "{phone}",
               *MIX_NOUNS, *MIX_NOUNS]
MIX_JOIN = [" ", " - ", " | ", ": ", ", ", " · ", " — ", " / ", "; ", " ", " "]


def _mix_template(rng: random.Random) -> str:
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


FAMILIES += [F("mix.clauses", "*", "generic", ["<composed>"], apps=CHAT_APPS + MAIL_APPS + PLAN_APPS + IDES,
               web=MAIL_WEB + PLAN_WEB + ADMIN_WEB + FUN_WEB)]

# ---------------- round-4 UNSEEN-3 families: written before round 4's training, never trained on -------------
FAMILIES += [
    F("v3.hr_docs", "admin", "generic", [
        "Reference letter - {person_lf}.docx", "Payroll correction for {first} {last} ({city})", "Parental leave: {person}",
        "Relocation package {city} – {first}", "Probation review {person} - {month}", "Work permit {person} ({country})",
    ], web=ADMIN_WEB),
    F("v3.pairing", "deep_work", "dev", [
        "Pair programming: {user} + {user}", "Live Share session with {person}", "{person} is editing {code_file}",
        "Co-editing {doc_file} with {first}", "{user} left a suggestion in {code_file}", "Mob session ({person}, {first})",
    ], apps=IDES + OFFICE_APPS),
    F("v3.rooms", "meetings", "generic", [
        "Conference bridge {city} - {meeting}", "Dial-in {phone} ({city})", "{person} started recording",
        "Boardroom {city} HQ - {meeting}", "Webinar hosted by {person}", "{first} muted you",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("v3.delivery", "non_work", "generic", [
        "Package from {city} out for delivery", "Your courier {first} is nearby", "Pickup point: {address}",
        "Rate your driver {first}", "Parcel for {person} held at {city} depot", "Gift from {first} - order {num}",
    ], web=FUN_WEB),
    F("v3.talks", "research", "generic", [
        "Reply from {user} in the {tech} forum", "{person}'s talk at {tech}Conf {city}", "Notes from {person}'s workshop",
        "{tech} meetup {city} - slides", "Paper by {person_lf} on {topic}", "Thread by @{user}: {topic_cap}",
    ], web=RESEARCH_WEB),
]
HOLDOUT_FAMILIES_V3 = {"v3.hr_docs", "v3.pairing", "v3.rooms", "v3.delivery", "v3.talks", "pulse.v3"}

# ---------------- round-5 UNSEEN-4 families: written before round 5's training, never trained on -------------
FAMILIES += [
    F("v4.hiring", "admin", "generic", [
        "Offer approval: {person}", "Onboarding laptop for {first} - {city} office", "Recruiter note: {user} applied",
        "{person_lf} - interview feedback form", "Reference from {person} for {first}", "Start date for {first} {last}",
    ], web=ADMIN_WEB),
    F("v4.code_review", "deep_work", "dev", [
        "Suggested change from {user} on {code_file}", "{person} resolved {num} conversations", "Approved by {user} and {user}",
        "CODEOWNERS: @{user}", "Review thread with {first} on #{num}", "{user} dismissed a stale review",
    ], apps=IDES, web=[("GitHub", "github.com"), ("GitLab", "gitlab.com")]),
    F("v4.social_news", "non_work", "generic", [
        "{person} posted from {city}", "Photos by {user} · {city}", "{first}'s birthday is today", "Event near {city}: {headline}",
        "{first} {last} shared a memory", "Trending in {city}",
    ], web=FUN_WEB),
    F("v4.project", "planning", "generic", [
        "Assign {ticket} to {first}", "{person} moved {num} cards", "Standup notes, owner {user}", "Milestone review in {city}",
        "Due {weekday}: {topic_cap} ({person})", "{user} created {ticket}",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("v4.support_chat", "communication", "chat", [
        "Chat with {first} from {org} support", "{person} ({city}) is waiting", "Transfer to {user}", "Visitor from {city} - {app}",
        "{first} rated the conversation", "New chat: {person} <{email}>",
    ], apps=CHAT_APPS, web=CHAT_WEB),
]
HOLDOUT_FAMILIES_V4 = {"v4.hiring", "v4.code_review", "v4.social_news", "v4.project", "v4.support_chat", "pulse.v4"}

# ---------------- UNSEEN-5 families: written after 1.3, before any model trained with them held out ------------
FAMILIES += [
    F("v5.visits", "admin", "generic", [
        "Visitor badge for {person} ({org})", "Guest wifi for {first} - {city} office", "Reception: {person} is here",
        "Parking permit {person_lf}", "Host {first} {last} - arrival {time}", "Desk booking {city}, floor {num}",
    ], web=ADMIN_WEB),
    F("v5.notebook", "deep_work", "dev", [
        "{user}/{repo} - analysis.ipynb", "Notebook shared by {person}", "Cell output - {first}'s model run",
        "Kernel on {host} started by {user}", "Dataset from {city} branch - {doc_file}", "{person_lf} - experiment log",
    ], apps=OFFICE_APPS + IDES),
    F("v5.forums", "research", "generic", [
        "{user} asked: {topic_cap}?", "Accepted answer by {person}", "{topic_cap} - posted by u/{user}",
        "Meetup group {tech} {city}", "{person} recommends {tech}", "Mentioned by {user} in {topic}",
    ], web=RESEARCH_WEB),
    F("v5.streams", "non_work", "generic", [
        "{user} went live: {fun_video}", "Clip by {user} - Twitch", "{person} is watching {fun_video}",
        "Watch party with {first}", "Concert in {city} - tickets", "{first} sent you a song",
    ], web=FUN_WEB, apps=FUN_APPS),
    F("v5.calls", "meetings", "generic", [
        "Huddle: {first} and {first}", "{person} raised a hand", "Breakout with {person_lf}", "Call from {city} ({phone})",
        "{user} joined from the lobby", "{person} is sharing a whiteboard",
    ], apps=MEET_APPS, web=MEET_WEB),
]
HOLDOUT_FAMILIES_V5 = {"v5.visits", "v5.notebook", "v5.forums", "v5.streams", "v5.calls", "pulse.v5"}

# ---------------- UNSEEN-6 families: written after 1.4, before reading its errors on unseen-5 ------------
FAMILIES += [
    F("v6.facilities", "admin", "generic", [
        "Mail room: parcel for {person}", "Key card request - {person_lf}", "Office move to {city} - checklist",
        "First aid officers: {first} {last}, {first}", "Cleaning rota {city} site", "Locker {num} assigned to {first}",
    ], web=ADMIN_WEB, apps=ADMIN_APPS),
    F("v6.data", "deep_work", "dev", [
        "Query by {user} on {host}", "Dashboard filter: region = {city}", "Dataframe from {person}",
        "{person} - SQL review", "Pipeline owner @{user}", "sales_{city}_{year}.csv",
    ], apps=IDES + OFFICE_APPS),
    F("v6.mentoring", "meetings", "generic", [
        "1:1 {first} / {first}", "Mentoring with {person}", "Coffee chat - {first} ({city})",
        "Skip-level: {person_lf}", "Retro hosted by {first}", "Office hours with {user}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("v6.digest", "communication", "mail", [
        "Digest from {user}: {num} new posts", "Update from the {city} team", "Fwd: {first}'s notes",
        "Message from {first} {last} ({org})", "Reply needed - {person}", "Out of office: {person} until {weekday}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("v6.offsite", "planning", "generic", [
        "Offsite in {city} - agenda draft", "Handover from {person} to {first}", "Capacity: {first} out {weekday}",
        "Goals for {quarter} ({user})", "{city} launch timeline", "{person} owns the {city} rollout",
    ], apps=PLAN_APPS, web=PLAN_WEB),
]
HOLDOUT_FAMILIES_V6 = {"v6.facilities", "v6.data", "v6.mentoring", "v6.digest", "v6.offsite", "pulse.v6"}

# ---------------- UNSEEN-7 families: written after 1.5, before reading its errors on unseen-6 ------------
FAMILIES += [
    F("v7.onboarding", "admin", "generic", [
        "Laptop shipped to {person} ({city})", "Welcome pack - {first} starts {weekday}", "Buddy for {person_lf}",
        "Access request: {user} → {repo}", "Equipment return {person}", "Badge photo for {first} {last}",
    ], web=ADMIN_WEB, apps=ADMIN_APPS),
    F("v7.incident", "deep_work", "dev", [
        "On-call: {user} paged at {time}", "Incident commander {person}", "Postmortem draft by {first}",
        "Outage in {city} region", "{user} acknowledged alert on {host}", "Runbook edits by {person}",
    ], apps=IDES, web=[("GitHub", "github.com"), ("GitLab", "gitlab.com")]),
    F("v7.townhall", "meetings", "generic", [
        "Town hall Q&A - {person} answering", "AMA with {first} {last}", "Regional sync {city} / {city}",
        "Panel: {first}, {first} and {first}", "{person} is presenting now", "Live from the {city} studio",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("v7.threads", "communication", "chat", [
        "Thread started by {user}", "{first} reacted to your message", "Reply from {person} in #{channel}",
        "{person} shared a file", "Ping from {first} ({city})", "Unread: {user}, {user} and {num} more",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("v7.weekend", "non_work", "generic", [
        "Flights to {city} this weekend", "{first}'s wedding playlist", "Match tickets {city} vs {city}",
        "Dinner with {person} - reservation", "Recipe from {user}", "Weather in {city}",
    ], web=FUN_WEB, apps=FUN_APPS),
]
HOLDOUT_FAMILIES_V7 = {"v7.onboarding", "v7.incident", "v7.townhall", "v7.threads", "v7.weekend", "pulse.v7"}

# ---------------- UNSEEN-8 families: written after 1.6, before round 8 ------------
FAMILIES += [
    F("v8.payroll", "admin", "generic", [
        "Payslip {month} - {person}", "Bonus approval for {first} {last}", "Tax form ({city}) - {person_lf}",
        "Salary review: {first}", "Benefits enrolment {user}", "Pension transfer {person} → {org}",
    ], web=ADMIN_WEB),
    F("v8.deploys", "deep_work", "dev", [
        "Deploy to {city}-prod by {user}", "Rollback requested by {person}", "{user} merged {branch}",
        "Canary in {city}: healthy", "Release notes by {first} {last}", "{person} tagged v{num}.0",
    ], apps=IDES, web=[("GitHub", "github.com"), ("GitLab", "gitlab.com")]),
    F("v8.interviews", "meetings", "generic", [
        "Interview loop: {first} {last}", "Debrief with {first} and {first}", "Candidate from {city} - round 2",
        "{person} (panel) - system design", "Hiring sync, {person_lf}", "Call with recruiter {first}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("v8.roadmap", "planning", "generic", [
        "Roadmap owner {user}", "{city} expansion plan", "Quarterly plan draft - {person}",
        "Dependencies: {first} / {first}", "{person} moved the {city} milestone", "Backlog triage with {person_lf}",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("v8.reading", "research", "generic", [
        "Paper by {first} {last} et al.", "{user}'s notes on {tech}", "Blog: {topic_cap} by {person}",
        "Conference in {city} - talks", "Citation: {person_lf} ({year})", "Thread by @{user} on {tech}",
    ], web=RESEARCH_WEB, apps=READER_APPS),
]
HOLDOUT_FAMILIES_V8 = {"v8.payroll", "v8.deploys", "v8.interviews", "v8.roadmap", "v8.reading", "pulse.v8"}

# ---------------- UNSEEN-9 families: written after 1.6, before reading its errors on unseen-8 ------------
# One family per category (eight, not five) and a 3,000-example split, so that one odd family moves the
# figures less than on unseen-6..8.
FAMILIES += [
    F("v9.travel", "admin", "generic", [
        "Trip request: {person} → {city}", "Hotel booking confirmation - {first} {last}", "Visa letter for {person_lf}",
        "Per diem {city} ({month})", "Car rental pickup, {city} airport - {user}", "Expense #{num} approved by {first}",
    ], web=ADMIN_WEB, apps=ADMIN_APPS),
    F("v9.review", "deep_work", "dev", [
        "Review requested: {user} on {repo}", "{first} {last} approved these changes", "Suggested change by {person}",
        "blame: {user} ({num} days ago)", "Pairing with {first} - {code_file}", "{repo}: {person} pushed to {branch}",
    ], apps=IDES, web=[("GitHub", "github.com"), ("GitLab", "gitlab.com")]),
    F("v9.standup", "meetings", "generic", [
        "Daily standup - {first}, {first}, {first}", "{person} is sharing their screen",
        "Waiting for {first} {last} to join", "Breakout room 2 ({person}, {person})", "Recording started by {user}",
        "Client call - {org} ({city})",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("v9.dm", "communication", "chat", [
        "DM: {first} {last}", "{user} is typing…", "Voice message from {person}", "{first} mentioned you in #{channel}",
        "Call ended with {person} - {num} min", "New message from {person} ({city} office)",
    ], apps=CHAT_APPS, web=CHAT_WEB),
    F("v9.okr", "planning", "generic", [
        "OKR owner: {person_lf}", "Headcount plan {city} {year}", "{first}'s capacity next sprint",
        "Assigned to {user}: {ticket}", "Launch checklist - {city} market", "RACI: {person} (A), {first} (R)",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("v9.lookup", "research", "generic", [
        "{person} - Google Scholar", "Who is {first} {last}? - Search", "{city} population - Wikipedia",
        "Profile of @{user}", "Talk by {person} at {tech} Summit", "Map of {city} districts",
    ], web=RESEARCH_WEB, apps=READER_APPS),
    F("v9.assist", "ai_tools", "generic", [
        "Summarise the email from {person}", "Draft a reply to {first} about {topic}", "Translate note for {person_lf}",
        "Explain {user}'s commit", "Prompt: itinerary for {city}", "Meeting recap with {first} {last}",
    ], web=AI_WEB, apps=AI_APPS),
    F("v9.leisure", "non_work", "generic", [
        "{first} {last} - photos", "Running club {city}", "Birthday gift for {first}", "Concert in {city} tonight",
        "{user} went live", "Apartment for rent, {city} centre",
    ], web=FUN_WEB, apps=FUN_APPS),
]
HOLDOUT_FAMILIES_V9 = {"v9.travel", "v9.review", "v9.standup", "v9.dm", "v9.okr", "v9.lookup", "v9.assist",
                       "v9.leisure", "pulse.v9"}

# ---------------- UNSEEN-10 families: written after round 9 was built, before reading any model's errors on
# unseen-9; one per category again, 3,000 examples ------------
FAMILIES += [
    F("v10.security", "admin", "generic", [
        "Password reset for {user}", "MFA enrolment - {person}", "Device lost: {first}'s laptop ({city})",
        "Access review {person_lf}", "VPN login from {city} blocked ({user})", "Security training overdue: {first} {last}",
    ], web=ADMIN_WEB, apps=ADMIN_APPS),
    F("v10.notebook", "deep_work", "dev", [
        "{first}'s analysis.ipynb", "Kernel started by {user}", "Notebook shared by {person}",
        "Experiment {num} ({first} {last})", "plot_{city}_sales.py", "{person} commented on cell {num}",
    ], apps=IDES + OFFICE_APPS),
    F("v10.webinar", "meetings", "generic", [
        "Webinar: {person} on {topic}", "{first} {last} has joined the lobby", "Host {user} muted all",
        "Speaker notes - {person_lf}", "Attendees from {city}: {num}", "Q&A moderated by {first}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("v10.mailing", "communication", "mail", [
        "Newsletter from {first} at {org}", "{person} <{email}> - Re: {subject}", "Sent to {first}, {first} and {first}",
        "Auto-reply: {person} is travelling to {city}", "Mailing list digest ({user})", "Invitation from {person_lf}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("v10.sprint", "planning", "generic", [
        "Sprint {num} - {first} on leave", "Story points for {user}", "Epic owner {person}", "{city} go-live checklist",
        "Estimate by {first} {last}", "Blocked by {person} ({ticket})",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("v10.wiki", "research", "generic", [
        "{person} - Wikipedia", "History of {city}", "Interview with {first} {last} - podcast", "Docs edited by {user}",
        "{city} travel guide", "Review of {tech} by {person}",
    ], web=RESEARCH_WEB, apps=READER_APPS),
    F("v10.chatbot", "ai_tools", "generic", [
        "Ask AI: who is {person}?", "Rewrite my message to {first}", "Generate a slide about {city}",
        "Summarize the thread with {user}", "Cover letter for {first} {last}", "Plan a trip from {city} to {city}",
    ], web=AI_WEB, apps=AI_APPS),
    F("v10.sports", "non_work", "generic", [
        "{first} {last} transfer news", "{city} marathon results", "Fantasy league - {user}'s team",
        "{city} vs {city} highlights", "Tickets for {person}'s show", "Gym class with coach {first}",
    ], web=FUN_WEB, apps=FUN_APPS),
]
HOLDOUT_FAMILIES_V10 = {"v10.security", "v10.notebook", "v10.webinar", "v10.mailing", "v10.sprint", "v10.wiki",
                        "v10.chatbot", "v10.sports", "pulse.v10"}

# ---------------- UNSEEN-11 families: written on 2026-11-30, before reading any model's errors on
# unseen-10; one per category again, 3,000 examples ------------
FAMILIES += [
    F("v11.hr", "admin", "generic", [
        "Onboarding {first} {last} - day 1", "Leave request ({user}): {month}", "Relocation package {person_lf}",
        "Badge photo - {first}", "Payslip {month} {year} | {person}", "Office move to {city} - seating plan",
    ], web=ADMIN_WEB, apps=ADMIN_APPS),
    F("v11.terminal", "deep_work", "dev", [
        "{user}@{host}: ~/{repo}", "git log --author={user}", "ssh {user}@{ip}", "Co-authored-by: {person}",
        "tail -f /var/log/{repo}.log - {first}", "fixtures/{city}_orders.json",
    ], apps=TERMINALS + IDES),
    F("v11.interview", "meetings", "generic", [
        "Interview: {first} {last} (backend)", "Panel with {person} and {person}", "Debrief - candidate {person_lf}",
        "{first} left the meeting", "Onsite in {city} - {weekday}", "Coffee chat with {user}",
    ], apps=MEET_APPS, web=MEET_WEB),
    F("v11.support", "communication", "mail", [
        "Ticket #{num} from {person}", "Customer {first} {last} replied", "Escalation: {org} ({city})",
        "{person} rated the conversation", "Follow-up with {first} re: refund", "Assigned to {user} - {subject}",
    ], apps=MAIL_APPS, web=MAIL_WEB),
    F("v11.release", "planning", "generic", [
        "Release {num}.{num} - owner {first}", "{person} moved {ticket} to Done", "Rollout plan {city} region",
        "Milestone review with {person_lf}", "{user}'s backlog", "Dependencies: {first} {last}, {ticket}",
    ], apps=PLAN_APPS, web=PLAN_WEB),
    F("v11.news", "research", "generic", [
        "Interview: {person} on {tech}", "{city} startup scene - article", "Paper by {first} {last} et al.",
        "Thread by @{user}", "Weather in {city} - forecast", "Obituary: {person}",
    ], web=RESEARCH_WEB, apps=READER_APPS),
    F("v11.copilot", "ai_tools", "generic", [
        "Fix the bug {user} reported", "Write a toast for {first}'s farewell", "Compare offices in {city} and {city}",
        "Bio for {person}", "Email {first} {last} a summary", "Chat: onboarding plan for {person_lf}",
    ], web=AI_WEB, apps=AI_APPS),
    F("v11.hobby", "non_work", "generic", [
        "Flights to {city}", "{first} {last} - Instagram", "Recipe from {first}'s blog", "{user} on Twitch",
        "Restaurants in {city}", "Wedding of {first} and {first} - album",
    ], web=FUN_WEB, apps=FUN_APPS),
]
HOLDOUT_FAMILIES_V11 = {"v11.hr", "v11.terminal", "v11.interview", "v11.support", "v11.release", "v11.news",
                        "v11.copilot", "v11.hobby", "pulse.v11"}

# ---------------- pulse comments (free text; no app/url) ----------------
PULSE_TOPICS = {
    "deep_work": ["coding the new parser", "debugging the flaky test", "refactoring {project}",
                  "writing the {doc_word} for {project}", "the {topic} work", "designing the {project} mockups",
                  "building the {tech} pipeline", "the spreadsheet model", "fixing the {tech} build",
                  "deep focus on {topic}"],
    "communication": ["answering emails", "catching up on Slack", "the endless pings", "replying to {person}",
                      "the email thread with {person}", "chat notifications", "messages from {first}",
                      "the inbox backlog"],
    "meetings": ["back-to-back meetings", "the {meeting} with {person}", "the {meeting}", "calls with {first}",
                 "the all-hands", "too many calls", "the meeting with the team in {city}", "the customer call"],
    "planning": ["sprint planning", "grooming the backlog", "the {project} roadmap", "writing OKRs",
                 "re-prioritising {project}", "scheduling with {person}", "updating the Jira board"],
    "research": ["reading docs on {tech}", "researching {topic}", "the {tech} tutorial", "reading papers",
                 "learning {tech}", "looking into {topic}"],
    "admin": ["expense reports", "the timesheets", "IT tickets", "the VPN setup", "the HR paperwork",
              "the laptop setup", "filling in forms for {person}", "the travel booking to {city}"],
    "ai_tools": ["using ChatGPT for {topic}", "prompting Claude", "the AI assistant", "Copilot suggestions",
                 "pairing with an LLM on {topic}", "generating images for {project}"],
    "non_work": ["a long lunch break", "scrolling Reddit", "watching YouTube", "the football game",
                 "shopping online", "planning my holiday in {city}", "music and coffee"],
}
PULSE_NEG = ["was frustrating", "was exhausting", "kept me blocked", "was a mess", "drained me",
             "went badly", "was so annoying", "wasted hours", "left me overwhelmed", "was stressful",
             "totally broke my focus", "put us behind schedule", "was painful", "was a disaster",
             "made me angry", "kept failing", "was really tiring", "was awful"]
PULSE_POS = ["was great", "went really well", "was super productive", "was fun", "felt amazing",
             "was a big win", "was smooth", "made me happy", "was really helpful", "was excellent",
             "went better than expected", "was energizing", "was fantastic", "paid off", "was awesome"]
PULSE_NEU = ["was okay", "was normal", "took most of the day", "was as usual", "was fine",
             "happened", "was routine", "was average", "took some time", "was uneventful"]
PULSE_FAMILIES = [
    ("pulse.simple", ["{topic} {verdict}.", "Today {topic} {verdict}", "{topic} {verdict}!", "honestly {topic} {verdict}"]),
    ("pulse.first_person", ["I think {topic} {verdict}.", "For me {topic} {verdict}, {extra}",
                            "I spent the morning on {topic}; it {verdict_noun}.", "Mostly {topic}. It {verdict_noun}."]),
    ("pulse.with_person", ["{topic} {verdict} - thanks {first}!", "{first} and I: {topic} {verdict}",
                           "With {person}, {topic} {verdict}.", "{topic} {verdict}, {person} helped a lot"]),
    ("pulse.short", ["{adj} day: {topic}", "{adj}. {topic}.", "{topic} — {adj}", "{adj} {adj2} afternoon, {topic}"]),
    ("pulse.compare", ["Better than yesterday: {topic} {verdict}", "Same as last week, {topic} {verdict}",
                       "Compared to Monday {topic} {verdict}"]),
    ("pulse.note", ["Note to self — {topic} {verdict}", "Feedback: {topic} {verdict}", "{adj}: {topic}, {extra}",
                    "Today? {topic}. Verdict: {adj2}.", "Honestly, {extra}; {topic} {verdict}"]),
    ("pulse.people", ["{first} helped me with {topic}; it {verdict_noun}", "Shoutout to {first}: {topic} {verdict}",
                      "{topic} {verdict}. Kudos {first} and {first}", "Worked with {person} — {topic} {verdict}",
                      "{person} was out, so {topic} {verdict}", "{first}: {topic} {verdict}", "me and {first} - {topic} {verdict}"]),
    ("pulse.list", ["1) {topic} 2) {topic2} — overall it {verdict_noun}", "{topic}, then {topic2}. Overall {adj}.",
                    "Morning: {topic}. Afternoon: {topic2}. {adj}!"]),
    ("pulse.v2", ["Paired with {first} on {topic}, {verdict_noun}", "{topic} {verdict}; {first} {last} ran it",
                  "Asked {person} about {topic} - {adj2}", "{adj}! {topic} with {first} from {city}"]),
    ("pulse.v3", ["{first} covered {topic} for me; it {verdict_noun}", "Travelled to {city} for {topic} - {adj2}",
                  "{topic} {verdict} (with {user} on chat)", "Day in {city}: {topic} {verdict}"]),
    ("pulse.v4", ["{first} and {first} made {topic} {adj2}", "Worked from {city} today; {topic} {verdict}",
                  "Pinged {user} about {topic}, it {verdict_noun}", "{adj} - {topic} with {person} ({city})"]),
    ("pulse.v5", ["Spent the day in {city}, {topic} {verdict}", "{first} reviewed {topic}; it {verdict_noun}",
                  "{topic} {verdict} thanks to {user}", "{adj2} - {topic}, {person} joined late"]),
    ("pulse.v6", ["Met {first} in {city}; {topic} {verdict}", "{topic} {verdict}, {person} was a star",
                  "Back from {city}: {topic} {verdict}", "{user} sorted out {topic} - {adj2}"]),
    ("pulse.v7", ["{topic} {verdict} after the trip to {city}", "{first} {last} and I did {topic}, {adj2}",
                  "Covered for {user} today: {topic} {verdict}", "{adj}; {topic} - {person} helped"]),
    ("pulse.v8", ["{topic} with {first} in {city} {verdict}", "Shoutout {user}! {topic} {verdict}",
                  "{person} and {first}: {topic}, {adj2}", "{adj}, {topic} - call with {person} {verdict}"]),
    ("pulse.v9", ["Long day in {city}; {topic} {verdict}", "{first} from {city} helped with {topic}",
                  "{topic} {verdict}, thanks {person}", "Blocked on {user} again - {adj2}"]),
    ("pulse.v10", ["Spent the morning with {person} on {topic}, {adj2}", "{city} office was loud; {topic} {verdict}",
                   "{user} fixed {topic} - {adj2}", "{adj}: {topic} with {first} and {first}"]),
    ("pulse.v11", ["Lunch with {person}, then {topic}; {adj2}", "{topic} {verdict} while {first} was in {city}",
                   "Waited on {user} all afternoon - {topic} {verdict}", "{adj}. {first} {last} took over {topic}"]),
]
PULSE_ADJ = {"negative": ["Rough", "Terrible", "Frustrating", "Stressful", "Exhausting", "Bad", "Annoying", "Chaotic"],
             "positive": ["Great", "Productive", "Awesome", "Excellent", "Smooth", "Happy", "Fantastic", "Good"],
             "neutral": ["Normal", "Regular", "Average", "Ordinary", "Typical", "Quiet", "Standard", "Routine"]}
PULSE_EXTRA = {"negative": ["nothing worked", "too many interruptions", "I'm behind", "so many bugs"],
               "positive": ["learned a lot", "great team energy", "shipped on time", "really proud"],
               "neutral": ["nothing special", "business as usual", "no surprises", "more tomorrow"]}

for fid, tmpls in PULSE_FAMILIES:
    FAMILIES.append(Family(fid, "*", "pulse", tmpls, pulse=True))

HOLDOUT_FAMILIES = {  # = holdout_families() over the round-1 family list; pinned so the unseen split is stable
    "adm.expense", "adm.timesheet", "ai.image", "chat.dm", "chat.mention", "dev.editor", "dev.secrets",
    "doc.writing", "fun.media", "fun.social", "mail.noperson", "meet.i18n", "plan.board", "pulse.first_person",
    "pulse.with_person", "res.forum"}

# Every evaluation split whose families (and locales) training never sees, in the order they were added.
HELD_OUT = {"unseen": HOLDOUT_FAMILIES, "unseen2": HOLDOUT_FAMILIES_V2, "unseen3": HOLDOUT_FAMILIES_V3,
            "unseen4": HOLDOUT_FAMILIES_V4, "unseen5": HOLDOUT_FAMILIES_V5,
            "unseen6": HOLDOUT_FAMILIES_V6, "unseen7": HOLDOUT_FAMILIES_V7,
            "unseen8": HOLDOUT_FAMILIES_V8, "unseen9": HOLDOUT_FAMILIES_V9,
            "unseen10": HOLDOUT_FAMILIES_V10, "unseen11": HOLDOUT_FAMILIES_V11}
ALL_HELD_OUT = set().union(*HELD_OUT.values())
EVAL_SPLITS = ["heldout", *HELD_OUT]

_HOME_T = ["{app}", "{app} - Home", "Welcome to {app}", "{app} — Dashboard", "{app} Settings", "Getting started with {app}",
           "{app} ({num} notifications)", "What's new in {app} {num}.0", "{app} | Overview", "Loading {app}…"]
for _cat in CATEGORIES:
    _fs = [f for f in FAMILIES if f.category == _cat and not f.pulse and f.id not in ALL_HELD_OUT
           and not f.id.startswith("mix.")]
    _apps = sorted({a for f in _fs for a in f.apps})
    _web = sorted({w for f in _fs for w in f.web})
    FAMILIES.append(Family(f"home.{_cat}", _cat, "generic", _HOME_T, apps=_apps, web=_web))

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



# --------------------------------------------------------------------------------------
# Slot fillers
# --------------------------------------------------------------------------------------
SUBJECTS = ["Quarterly report", "Invoice {num}", "Meeting notes", "Contract renewal", "Welcome to {project}",
            "{project} launch", "Your feedback", "Budget approval", "Lunch on Friday?", "Updated proposal",
            "Release {num}.0", "Security alert", "Question about {topic}", "{doc_word} review", "Offer details",
            "Weekly update", "Follow-up", "{tech} upgrade plan", "Travel itinerary", "Team offsite"]
CHAT_MSGS = ["can you review my PR?", "standup in 5", "lunch?", "deploy is done", "see thread",
             "ok sounds good", "any update on {ticket}?", "pushed a fix", "brb", "👍", "can we sync later?",
             "the {tech} upgrade is live", "who owns {repo}?"]
ROLES = ["Senior Engineer", "Product Manager", "Designer", "Data Scientist", "Backend Developer",
         "Sales Lead", "Recruiter", "SRE", "Engineering Manager", "Marketing Intern"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December", "Jan", "Feb", "Mar", "Oct", "Nov", "Dec"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Monday", "Tuesday", "Friday"]
FUN_VIDEOS = ["Top 10 goals of the season", "Lofi beats to relax", "Funny cats compilation", "Stranger Things",
              "The Office", "Minecraft speedrun", "Cooking pasta like a pro", "Trailer 2", "Live concert",
              "Epic fails", "Travel vlog Japan", "Squid Game", "Breaking Bad", "Gameplay walkthrough"]
FUN_SUBS = ["funny", "aww", "gaming", "soccer", "movies", "pics", "worldnews", "AskReddit", "memes", "nba"]
PRODUCTS = ["Wireless earbuds", "Standing desk", "Nintendo Switch", "Coffee grinder", "Running shoes",
            "4K monitor", "LEGO set", "Air fryer", "Mechanical keyboard", "Yoga mat", "iPhone case"]
HEADLINES = ["Markets rally as inflation cools", "Storm warning issued", "Election results live",
             "New stadium approved", "Transfer window latest", "Heatwave breaks records", "Tech stocks slide"]
SONGS = ["Blinding Lights", "Bohemian Rhapsody", "Shape of You", "Lose Yourself", "Levitating", "Yesterday"]
ARTISTS = ["The Weeknd", "Queen", "Ed Sheeran", "Eminem", "Dua Lipa", "The Beatles", "Daft Punk"]


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
            return f"{self.c(['Dr.', 'Prof.', 'Mr.', 'Ms.', 'Mrs.'])} {f} {l}" if self.rng.random() < 0.5 else f"{f} {l}"
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
        dom = self.c(self.pool.free_email_domain + self.pool.domain + ["acme.com", "example.org", "corp.io"])
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
    simple = {
        "project": PROJECTS, "tech": TECH, "topic": TOPICS, "doc_word": DOC_WORDS, "quarter": QUARTERS,
        "code_file": CODE_FILES, "repo": REPOS, "branch": BRANCHES, "channel": CHANNELS, "meeting": MEETING_TOPICS,
        "host": HOSTS, "search_tech": SEARCH_TECH, "search_fun": SEARCH_FUN, "role": ROLES, "month": MONTHS,
        "weekday": WEEKDAYS, "fun_video": FUN_VIDEOS, "fun_sub": FUN_SUBS, "product": PRODUCTS,
        "headline": HEADLINES, "song": SONGS, "artist": ARTISTS,
        "i18n_word": I18N_WORK, "i18n_with": I18N_WITH, "acro": ACRONYMS,
    }
    if name in simple:
        return [(ctx.c(simple[name]), None)]
    if name == "topic_cap":
        t = ctx.c(TOPICS)
        return [(t[0].upper() + t[1:], None)]
    if name == "tech_lower":
        return [(ctx.c(TECH).lower().replace(" ", ""), None)]
    if name == "org":
        return [(ctx.c(["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Contoso",
                        "Fabrikam", "Northwind", "Wayne Enterprises", "Tally", "Pied Piper"]), None)]
    if name == "org_handle":
        return [(ctx.c(["acme", "globex", "initech", "hooli", "contoso", "rust-lang", "tally-app", "openai",
                        "microsoft", "google", "facebook", "vercel"]), None)]
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
            return [(ctx.c(["CV_", "Resume_", "Offer_Letter_", "Invoice_", "Contract_"]), None),
                    (f"{f}_{l}", "PERSON"), (f".{ctx.c(EXTS)}", None)]
        return fill_slot("doc_file", ctx)
    if name == "subject":
        return expand(ctx.c(SUBJECTS), ctx)
    if name == "chat_msg":
        return expand(ctx.c(CHAT_MSGS), ctx)
    if name == "app":
        return [(ctx.site or ctx.app or "App", None)]
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


def _case(segs, variant):
    if variant == "lower":
        return [(t.lower(), l) for t, l in segs]
    if variant == "upper":
        return [(t.upper(), l) for t, l in segs]
    return segs


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
    # pre-substitute pulse-level slots, leaving entity slots for expand()
    text = re.sub(r"\{(topic2?|verdict|verdict_noun|adj2?|extra)\}", lambda m: vals[m.group(1)], tmpl)
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
            path = rng.choice(["/", "/app", "/u/0/", "/home", "/browse", "/search?q=x", "/d/1x9", "/view"])
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
    segs = _case(segs, variant)
    text, ents = _join(segs)
    return {
        "id": f"{split}-{idx}", "split": split, "family": fam.id, "template_id": tid, "locale": locale,
        "kind": "pulse" if fam.pulse else fam.kind, "variant": variant,
        "app": app, "url": url, "text": text, "entities": ents, "category": cat, "sentiment": sent,
    }


_POOL_CACHE: dict = {}


def _pool(locale, seed):
    key = (locale, seed)
    if key not in _POOL_CACHE:
        _POOL_CACHE[key] = LocalePool(locale, seed)
    return _POOL_CACHE[key]


def generate(split: str, n: int, seed: int = 13) -> list[dict]:
    """split: 'train' | 'heldout' (seen families+locales, fresh samples) | a key of HELD_OUT: 'unseen'
    (held-out families and locales) or 'unseenN' (the families one generator round held out, written before
    that round's training, with the unseen locales)."""
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
        out.append(make_example(fam, loc, _pool(loc, pool_seed), rng, i, split))
    return out


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


def meta() -> dict:
    """What meta.json records: the locales, family and template counts and every held-out family set
    (card.py reads it, from meta.json or from here)."""
    return {"train_locales": TRAIN_LOCALES, "unseen_locales": UNSEEN_LOCALES,
            "families": len(FAMILIES), "holdout_families": sorted(HOLDOUT_FAMILIES),
            **{f"holdout_families_v{k[len('unseen'):]}": sorted(v) for k, v in HELD_OUT.items() if k != "unseen"},
            "templates": sum(len(f.templates) for f in FAMILIES)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/root/.cache/tally-train/data")
    ap.add_argument("--train", type=int, default=12000)
    for split in EVAL_SPLITS:
        ap.add_argument(f"--{split}", type=int, default={"unseen": 2000, "unseen9": 3000, "unseen10": 3000, "unseen11": 3000}.get(split, 1500))
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for split in ["train", *EVAL_SPLITS]:
        n = getattr(a, split)
        data = generate(split, n, a.seed)
        with open(os.path.join(a.out, f"{split}.jsonl"), "w", encoding="utf-8") as fh:
            for ex in data:
                fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
        print(split, len(data))
    with open(os.path.join(a.out, "meta.json"), "w") as fh:
        json.dump(meta(), fh, indent=1)
    print(json.dumps(meta()))


if __name__ == "__main__":
    main()
