"""Labelled desktop-event texts for the Tally-vs-Presidio benchmark.

Deterministic (seeded) and written for this benchmark alone: the templates, the
non-PII vocabulary, the city list and the secret shapes below are new and share
nothing with ``models/train/synthdata/`` (the model's training generator). Only the
raw value source overlaps: person names, streets, phone numbers, IBANs, card numbers,
SSNs and user names come from Faker, as they do in the training data.

Each line is one text Tally's ``redact`` would see: a window title (mail, chat,
calendar, documents and paths, IDE and terminal, browser tabs, some with URLs), a
browser URL, or a pulse comment. Gold spans use Tally's labels and *character*
offsets into ``text``:

    {"id": 7, "kind": "title", "family": "term.ssh", "text": "...",
     "spans": [{"start": 4, "end": 9, "label": "USERNAME", "text": "jdoe"}]}

About 30 % of the lines carry no PII at all but are full of product, brand and tech
words (``family`` starts with ``clean.``). The generator guarantees that no gold text
also occurs elsewhere in its line outside gold spans, or inside a ``<LABEL>``
placeholder, so "the gold text survives in the output" is an exact leak test.

    python corpus.py --out corpus.jsonl --n 3000 --seed 2024
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import random
import re
import string
import zlib

from faker import Faker

LABELS = ["PERSON", "EMAIL", "PHONE", "LOCATION", "CREDIT_CARD", "IBAN", "NATIONAL_ID",
          "IP_ADDRESS", "USERNAME", "SECRET"]

# Locale weights: mostly English-speaking desktops (Presidio's model is English), with
# European colleagues, customers and places mixed in.
LOCALES = [("en_US", 5), ("en_GB", 3), ("en_IE", 1), ("en_AU", 1), ("de_DE", 2), ("fr_FR", 2),
           ("es_ES", 2), ("it_IT", 1), ("nl_NL", 1), ("pl_PL", 1), ("pt_PT", 1), ("sv_SE", 1),
           ("da_DK", 1)]
IBAN_LOCALES = ["de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "da_DK", "en_GB",
                "en_IE"]

# Real places (Faker's en_US cities are invented), mostly well-known ones.
CITIES = ["London", "Manchester", "Leeds", "Edinburgh", "Glasgow", "Bristol", "Dublin", "Cork",
          "New York", "Boston", "Chicago", "Seattle", "San Francisco", "Austin", "Denver", "Atlanta",
          "Portland", "Philadelphia", "Toronto", "Vancouver", "Montreal", "Sydney", "Melbourne",
          "Brisbane", "Auckland", "Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt", "Stuttgart",
          "Leipzig", "Vienna", "Zurich", "Geneva", "Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux",
          "Lille", "Madrid", "Barcelona", "Valencia", "Seville", "Bilbao", "Lisbon", "Porto", "Rome",
          "Milan", "Turin", "Naples", "Bologna", "Florence", "Amsterdam", "Rotterdam", "Utrecht",
          "Eindhoven", "Brussels", "Antwerp", "Ghent", "Copenhagen", "Aarhus", "Stockholm",
          "Gothenburg", "Malmo", "Oslo", "Bergen", "Helsinki", "Warsaw", "Krakow", "Wroclaw", "Gdansk",
          "Prague", "Brno", "Budapest", "Bucharest", "Athens", "Istanbul", "Tel Aviv", "Dubai",
          "Mumbai", "Bangalore", "Singapore", "Tokyo", "Osaka", "Seoul", "Shanghai", "Hong Kong",
          "Mexico City", "Sao Paulo", "Buenos Aires", "Cape Town", "Nairobi", "Lagos", "Cairo",
          "Reykjavik", "Tallinn", "Riga", "Vilnius"]
COUNTRIES = ["Germany", "France", "Spain", "Portugal", "Italy", "Netherlands", "Belgium", "Ireland",
             "Scotland", "Sweden", "Norway", "Denmark", "Finland", "Poland", "Austria", "Switzerland",
             "Greece", "Canada", "Mexico", "Brazil", "Argentina", "Japan", "Singapore", "Australia",
             "New Zealand", "India", "Kenya", "Egypt", "Morocco", "Iceland", "Croatia", "Czechia"]

# ---- non-PII vocabulary (new lists, not the training generator's) -------------------
PRODUCTS = ["Figma", "Notion", "Linear", "Jira", "Confluence", "Miro", "Airtable", "Asana",
            "Salesforce", "HubSpot", "Zendesk", "Intercom", "Stripe", "Twilio", "Segment", "Mixpanel",
            "Amplitude", "Datadog", "PagerDuty", "Sentry", "Grafana", "Kibana", "Jenkins", "CircleCI",
            "Travis CI", "Buildkite", "Vercel", "Netlify", "Heroku", "Cloudflare", "DigitalOcean",
            "Snowflake", "Databricks", "Looker", "Tableau", "Power BI", "Dropbox", "Box", "Zoom",
            "Webex", "Loom", "Calendly", "DocuSign", "Gusto", "Rippling", "Workday", "ServiceNow",
            "Okta", "Auth0", "1Password", "Bitwarden", "Alexa", "Siri", "Cortana", "Copilot",
            "Gemini", "Claude", "ChatGPT", "Perplexity", "Midjourney", "Hugo", "Jekyll", "Gatsby",
            "Ember", "Angular", "Svelte", "Remix", "Astro", "Django", "Laravel", "Phoenix",
            "Elixir", "Erlang", "Haskell", "Scala", "Clojure", "Julia", "Ruby", "Rails", "Crystal",
            "Dart", "Flutter", "Kotlin", "Swift", "Zig", "Nim", "Mercurial", "Bazel", "Gradle",
            "Maven", "Homebrew", "Chocolatey", "Ansible", "Terraform", "Pulumi", "Vault", "Consul",
            "Nomad", "Packer", "Istio", "Linkerd", "Envoy", "Traefik", "Caddy", "HAProxy",
            "RabbitMQ", "NATS", "Pulsar", "ClickHouse", "MongoDB", "CockroachDB", "DuckDB",
            "Supabase", "Firebase", "Appwrite", "Pocketbase", "Sanity", "Contentful", "Shopify",
            "WooCommerce", "Magento", "Squarespace", "Wix", "Mailchimp", "Sendgrid", "Postmark"]
BRANDS = ["Apple", "Google", "Microsoft", "Amazon", "Adobe", "Oracle", "IBM", "Intel", "AMD",
          "Nvidia", "Dell", "Lenovo", "HP", "Logitech", "Sony", "Samsung", "LG", "Philips", "Bosch",
          "Siemens", "Tesla", "Ford", "Toyota", "Volvo", "Mercedes-Benz", "Porsche", "Ferrari",
          "Nike", "Adidas", "Patagonia", "Lego", "Nintendo", "Valve", "Ubisoft", "Spotify",
          "Netflix", "Disney", "Paramount", "Marvel", "Pixar", "Nestle", "Heineken", "Starbucks",
          "McDonald's", "Ben & Jerry's", "Dr. Martens", "Jack Daniel's", "Johnson & Johnson",
          "Procter & Gamble", "Morgan Stanley", "Goldman Sachs", "Deloitte", "Accenture", "KPMG"]
GADGETS = ["ThinkPad X1 Carbon Gen 12", "MacBook Pro 14-inch M3", "Dell XPS 13 9340", "Pixel 9 Pro",
           "iPhone 16 Pro Max 256GB", "Galaxy S24 Ultra", "Sony WH-1000XM5", "AirPods Pro 2",
           "Logitech MX Master 3S", "Keychron K2 keyboard", "LG UltraFine 27UN880", "Kindle Paperwhite",
           "Steam Deck OLED", "Nintendo Switch 2", "Raspberry Pi 5 8GB", "Framework Laptop 16",
           "Herman Miller Aeron", "Jabra Evolve2 75", "Elgato Stream Deck", "Anker 737 power bank"]
TECHS = ["Rust", "Go", "Python", "TypeScript", "Java", "C#", "C++", "PostgreSQL", "MySQL", "Redis",
         "Kafka", "Kubernetes", "Docker", "Helm", "gRPC", "GraphQL", "REST", "WebSockets", "OAuth 2.0",
         "OpenID Connect", "WebAssembly", "Tokio", "asyncio", "React", "Vue", "Next.js", "Node.js",
         "Deno", "Bun", "Vite", "esbuild", "Tailwind CSS", "PyTorch", "JAX", "ONNX", "LLVM", "Nginx",
         "systemd", "Wayland", "X11", "SQLite", "Parquet", "Arrow", "Spark", "Flink", "Airflow"]
REPOS = ["billing-api", "web-client", "infra-live", "edge-proxy", "ingest-worker", "auth-gateway",
         "design-tokens", "mobile-shell", "search-indexer", "ml-features", "docs-site", "ledger-core",
         "notifier", "feature-store", "etl-jobs", "admin-console", "sdk-python", "cli-tools"]
ORGS = ["acme-corp", "northwind", "contoso", "initech", "globex", "umbrella-labs", "rust-lang",
        "kubernetes", "pallets", "tokio-rs", "vercel", "hashicorp", "grafana", "mozilla"]
FILES = ["lib.rs", "main.go", "app.py", "index.tsx", "routes.ts", "handlers.rs", "schema.prisma",
         "docker-compose.yml", "values.yaml", "main.tf", "Makefile", "build.rs", "conftest.py",
         "tsconfig.json", "pyproject.toml", "Cargo.lock", "queries.sql", "worker.ts", "mod.rs",
         "settings.gradle.kts", "Gemfile", "mix.exs", "justfile", ".env.example", "CHANGELOG.md"]
DOC_NAMES = ["Q3 OKRs", "Launch checklist", "Pricing experiment", "Incident review 2025-03",
             "Hiring plan", "Board deck", "Vendor comparison", "Migration runbook", "API style guide",
             "Security questionnaire", "Product requirements", "Team charter", "Capacity model",
             "Churn dashboard notes", "Roadmap H2", "Release train calendar", "Accessibility audit",
             "Cost review", "Postmortem - cache stampede", "Onboarding guide"]
CHANNELS = ["eng-platform", "ask-infra", "team-web", "release-train", "alerts-prod", "design-crit",
            "product-updates", "random", "coffee", "til", "k8s-help", "sales-wins", "support-escalations",
            "security", "data-eng", "ml-research", "frontend-guild", "ops-oncall"]
WORKSPACES = ["Acme Corp", "Northwind", "Contoso", "Rust Community", "CNCF", "Globex Eng", "Initech"]
MEETINGS = ["Weekly product sync", "Sprint demo", "Backlog refinement", "Architecture forum",
            "Quarterly business review", "Team retro", "Incident review", "Design critique",
            "Hiring debrief", "Budget planning", "Customer onboarding", "Security office hours",
            "Release go/no-go", "Roadmap walkthrough", "Engineering all-hands"]
SUBJECTS = ["Invoice {num} is ready", "Your {product} trial ends in 3 days", "Action needed: renew SSL",
            "Weekly digest from {product}", "[{repo}] CI failed on main", "Q3 planning notes",
            "Offsite logistics", "Contract redlines v3", "Re: API rate limits", "Fwd: security advisory",
            "Updated {product} terms of service", "Quick question about the release",
            "Deployment window tonight", "Benefits enrollment closes Friday", "Your order has shipped",
            "Welcome to {product}", "New login to your {product} account", "Expense report approved",
            "Re: latency regression in {repo}", "Draft: press release"]
COMMIT_MSGS = ["fix flaky retry test", "bump tokio to 1.43", "add pagination to list endpoint",
               "refactor config loading", "remove dead feature flag", "speed up cold start",
               "handle empty payloads", "docs: clarify setup", "ci: cache cargo registry",
               "chore: update lockfile", "feat: dark mode toggle", "perf: avoid double parse"]
BROWSERS = ["Mozilla Firefox", "Google Chrome", "Chromium", "Brave", "Microsoft Edge", "Vivaldi"]
EDITORS = ["Visual Studio Code", "IntelliJ IDEA", "PyCharm", "Neovim", "Zed", "Sublime Text", "Emacs",
           "RustRover", "GoLand", "WebStorm"]
TERMS = ["GNOME Terminal", "Konsole", "Alacritty", "kitty", "WezTerm", "iTerm2", "Windows Terminal",
         "tmux"]
MAIL_CLIENTS = ["Thunderbird", "Outlook", "Gmail", "Apple Mail", "Proton Mail", "Fastmail", "Evolution"]
HOSTS = ["build-07", "db-primary", "gpu-node-3", "staging-web", "vpn-gw", "nas01", "bastion-eu",
         "ci-agent-12", "k8s-worker-5", "devbox"]
SHOPS = ["Amazon", "eBay", "Etsy", "Zalando", "Best Buy", "IKEA", "Apple Store", "Argos"]
SAAS = ["Stripe", "Paddle", "AWS Billing", "Google Workspace", "Vercel", "GitHub", "DigitalOcean",
        "Hetzner", "Fly.io", "Render"]
ENV_KEYS = ["OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "SLACK_TOKEN", "STRIPE_KEY",
            "GITLAB_TOKEN", "API_TOKEN", "ANTHROPIC_API_KEY"]
VIDEOS = ["Rust in 100 seconds", "Kubernetes explained", "Lofi beats to code to", "Building a CPU from scratch",
          "Tour de France stage 12 highlights", "How transistors work", "Apollo 11 in real time",
          "Sourdough for beginners", "Learn Vim in 20 minutes", "Premier League highlights"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# ---- templates -----------------------------------------------------------------------
# Slots are $name or ${name}. PII slots: $person $first $last $email $phone $city $street $country
# $card $iban $ssn $ip $ip6 $user $secret $password. Everything else is non-PII filler.
FAMILIES: dict[str, tuple[str, list[str]]] = {
    "mail.window": ("title", [
        "$subject — $email — Mozilla Thunderbird",
        "✉ $person: $subject",
        "Message from $person <$email> · $mail_client",
        "Re: [$repo] $subject ($person)",
        "$mail_client — 1 unread: $subject, from $first",
        "Reply-all: $subject → $email, $email",
        "$person shared \"$doc\" with you - $mail_client",
        "$person | $role | $phone | $street, $city",
        "Out-of-office reply from $email: back on $weekday",
        "From: $person  To: me  Subj: $subject",
        "Missed call from $phone — voicemail transcript — $mail_client",
    ]),
    "chat.window": ("title", [
        "$person (direct message) - $workspace - Slack",
        "Teams | Chat | $person, $person and 2 others",
        "$first is typing… — Signal",
        "New mention from @$user (#$channel) — Slack",
        "Discord | @$user | $workspace",
        "WhatsApp · $person · last seen today at $time",
        "Telegram — $phone",
        "#$channel | $workspace — $first: can you review $repo#$num?",
        "Huddle with $person in #$channel",
        "$person reacted 👍 to your message in #$channel",
        "$person shared a contact: $phone",
    ]),
    "calendar": ("title", [
        "Invitation: $meeting @ $weekday $date $time ($email) - Google Calendar",
        "$meeting — $person, $person — $time",
        "Reminder: dentist at $street, $city",
        "Lunch w/ $first at Café Nero, $city",
        "Flight to $city — $weekday $date — Calendar",
        "Call $person on $phone — $weekday $time",
        "Accepted: $meeting (organizer $email)",
        "Offsite in $city, $country — $date",
        "1:1 $first / $first — Notion Calendar",
    ]),
    "docs.path": ("title", [
        "/home/$user/projects/$repo/$file — gedit",
        "C:\\Users\\$user\\Documents\\$doc.docx - Word",
        "Passport_${last}_${first}.pdf — Preview",
        "$doc (shared by $person) - Google Docs",
        "Payslip_${month}_2025.pdf — /Users/$user/Finance",
        "W-2 2024 — SSN $ssn — Adobe Acrobat Reader",
        "bank details.txt — IBAN $iban — Notepad",
        "Lease agreement - $street, $city.pdf - Okular",
        "Résumé - $person.pdf — Evince",
        "~/$user/Downloads/$doc.pdf - Files",
    ]),
    "term.ssh": ("title", [
        "[$user@$host $repo]$ make test",
        "ssh -i ~/.ssh/id_ed25519 $user@$ip — $term",
        "export $envkey=$secret",
        "curl -H \"Authorization: Bearer $secret\" https://api.$repo.dev/v1/health",
        "ping -c 4 $ip — $term",
        "traceroute6 $ip6",
        "DATABASE_URL=postgres://$user:$password@$ip:5432/app",
        "aws configure set aws_access_key_id $secret",
        "git remote add origin https://$user:$secret@gitlab.com/$org/$repo.git",
        "mysql --user=$user --password=$password --host=$ip",
        "sudo -u $user tail -f /var/log/$repo.log — $term",
        "scp backup.tar.gz $user@$ip:/srv/backups/",
    ]),
    "ide": ("title", [
        "$file — $repo — $editor",
        "● $file ($user/$repo) — $editor",
        "config.yaml: password: $password — $editor",
        "Blame $file — last change by $person",
        "settings.json — \"apiKey\": \"$secret\" — $editor",
        ".env — $envkey=$secret — $editor",
    ]),
    "browser.tab": ("title", [
        "$person | LinkedIn — $browser",
        "github.com/$user/$repo: $commit — $browser",
        "Sign in as $email - Google Accounts — $browser",
        "Order #$num shipped to $street, $city - $shop",
        "Checkout — card $card — $shop — $browser",
        "Users › $email — Admin console — $browser",
        "Whois $ip — ipinfo.io — $browser",
        "$city weather — 10-day forecast — $browser",
        "Profile: $person ($user) — GitLab",
        "$person - Contact - HubSpot CRM — $browser",
        "Payment method ending in $card_last4 — $saas",
        "Houses for sale in $city - Rightmove",
    ]),
    "browser.url": ("url", [
        "https://www.linkedin.com/in/$user/",
        "https://github.com/$user/$repo/pull/$num",
        "https://admin.acme-corp.com/users?email=$email",
        "https://mail.google.com/mail/u/0/#search/$email",
        "http://$ip:8080/dashboard",
        "https://twitter.com/$user/status/1785$num",
        "https://console.example.io/keys?token=$secret",
        "https://ipinfo.io/$ip",
    ]),
    "admin.finance": ("title", [
        "Update card $card — Billing — $saas",
        "SEPA transfer to $iban ($person)",
        "Employee: $person, SSN $ssn — Gusto",
        "New sign-in from $ip ($city, $country) — $saas",
        "Vendor: $person, IBAN $iban, $city",
        "Card $card was declined — $saas",
        "Tax form: $person — SSN $ssn",
        "Refund of £$price to card $card",
        "Direct deposit — account $iban — Workday",
        "Background check: $person, DOB hidden, SSN $ssn",
        "Saved card $card expires 08/27 — $shop",
        "Callback requested: $person, $phone — Zendesk",
    ]),
    "pulse": ("pulse", [
        "spent most of the afternoon on a call with $person about the $product rollout",
        "$first keeps pinging me about the $repo fix, hard to focus",
        "sent the contract to $email, still waiting on the signature",
        "the hotel wifi in $city is terrible, lost an hour",
        "paid the vendor invoice to $iban, need to double check the amount",
        "called $phone twice, nobody picked up",
        "pair programming with $first on the $tech migration went well",
        "onboarding $person today, set up their laptop and $product access",
        "accidentally pasted my token $secret in the channel, rotated it",
        "debugging why $ip keeps dropping off the VPN",
        "moving to $city next month, apartment hunting eats my evenings",
        "$person from $country joined the team, great first week",
        "lunch with $first and $first, then back-to-back meetings",
        "asked $user to review my PR, no answer yet",
        "customer $person asked for a callback on $phone",
    ]),
}

CLEAN: dict[str, tuple[str, list[str]]] = {
    "clean.ide": ("title", [
        "$file — $repo — $editor",
        "● $file — $org/$repo — $editor",
        "Problems (3) — $file — $editor",
        "cargo test -p $repo — $term",
        "git rebase -i HEAD~3 — $term",
        "kubectl logs -f deploy/$repo -n prod — $term",
        "docker compose up $repo — $term",
        "commit $sha: $commit",
        "$tech $ver — $editor",
        "htop — $host — $term",
        "localhost:$port — $tech dev server — $browser",
    ]),
    "clean.web": ("title", [
        "Pull request #$num · $org/$repo · GitHub — $browser",
        "$tech $ver release notes — $browser",
        "Jenkins » $repo » #$num [FAILED]",
        "$product pricing — compare plans — $browser",
        "$product vs $product: which one in 2025? — $browser",
        "Amazon.com: $gadget — $browser",
        "$gadget review — The Verge — $browser",
        "YouTube — $video",
        "$brand careers — Engineering jobs — $browser",
        "$brand Q2 earnings call transcript — $browser",
        "Stack Overflow — How to configure $tech with $product?",
        "$product Status — All systems operational",
        "$tech documentation — $product integration guide",
        "Build $sha failed on $repo — $product",
        "Order #112-$order-$order2 — Your Orders — Amazon",
    ]),
    "clean.office": ("title", [
        "$doc — Google Docs",
        "$doc.xlsx — Excel",
        "$doc - Notion",
        "$meeting — $weekday $date $time — Calendar",
        "#$channel | $workspace — Slack",
        "$subject — Inbox — $mail_client",
        "Meeting notes — $meeting — $product",
        "$product — Settings — Billing",
        "$doc.pdf — Preview",
        "Ticket INC00$num — VPN not connecting — ServiceNow",
    ]),
    "clean.pulse": ("pulse", [
        "finally finished the $tech migration, tests are green",
        "the $product outage ate my morning",
        "too many meetings today, no deep work",
        "wrote the $doc draft, happy with it",
        "$brand laptop keeps overheating during builds",
        "reviewed three PRs in $repo and fixed the flaky test",
        "upgraded to $tech $ver, a few breaking changes",
        "good focus block on $repo before lunch",
        "fighting $product permissions all afternoon",
        "demoed the $product integration, went well",
    ]),
}

PLACEHOLDERS = "".join(f"<{x}>" for x in LABELS + [
    "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "IBAN_CODE", "URL", "DATE_TIME", "NRP",
    "ORGANIZATION", "UK_NHS", "MEDICAL_LICENSE", "US_DRIVER_LICENSE", "US_BANK_NUMBER",
    "US_PASSPORT", "US_ITIN", "CRYPTO"])
_SLOT = re.compile(r"\$\{([a-z_0-9]+)\}|\$([a-z_0-9]+)")
_TRANSLIT = str.maketrans("áàâäãåçéèêëíìîïñóòôöõøúùûüýÿšžčřłśźżćńąęőűæœß",
                          "aaaaaaceeeeiiiinoooooouuuuyyszcrlszzcnaeouaos")
ALNUM = string.ascii_letters + string.digits


def _seed(*parts) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


class Values:
    """Faker-backed PII values, one Faker per locale, all seeded."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fakers = {}
        for loc, _ in LOCALES + [(x, 0) for x in IBAN_LOCALES]:
            if loc not in self.fakers:
                fk = Faker(loc)
                fk.seed_instance(_seed(seed, loc))
                self.fakers[loc] = fk
        self.us = self.fakers["en_US"]
        self.locs = [loc for loc, w in LOCALES for _ in range(w)]

    def fk(self):
        return self.fakers[self.rng.choice(self.locs)]

    def first(self, fk=None):
        return (fk or self.fk()).first_name()

    def last(self, fk=None):
        return (fk or self.fk()).last_name()

    def person(self):
        fk = self.fk()
        f, l = self.first(fk), self.last(fk)
        r = self.rng.random()
        if r < 0.1:
            return f"{f} {self.rng.choice(string.ascii_uppercase)}. {l}"
        if r < 0.15:
            return f"{l}, {f}"
        return f"{f} {l}"

    def user(self):
        r = self.rng.random()
        fk = self.fk()
        if r < 0.5:
            return fk.user_name()
        f = re.sub(r"[^a-z]", "", fk.first_name().lower().translate(_TRANSLIT))
        l = re.sub(r"[^a-z]", "", fk.last_name().lower().translate(_TRANSLIT))
        if not f or not l:
            return self.us.user_name()
        return self.rng.choice([f"{f[0]}{l}", f"{f}.{l}", f"{f}_{l[:3]}", f"{l}{self.rng.randint(2, 99)}",
                                f"{f}-{l}", f"{f}{l[0]}"])

    def email(self):
        dom = self.rng.choice(["gmail.com", "outlook.com", "proton.me", "yahoo.co.uk", "web.de",
                               "acme-corp.com", "northwind.io", "contoso.eu", "uni-example.edu",
                               self.fk().free_email_domain()])
        return f"{self.user()}@{dom}"

    def phone(self):
        p = self.fk().phone_number()
        return re.split(r"\s*(x|ext\.?)\s*\d+$", p)[0].strip()

    def street(self):
        return self.fk().street_address().split("\n")[0].strip()

    def card(self):
        kind = self.rng.choice(["visa16", "visa16", "mastercard", "mastercard", "amex", "discover"])
        n = self.us.credit_card_number(kind)
        r = self.rng.random()
        if r < 0.45:
            return n
        sep = " " if r < 0.85 else "-"
        groups = [n[:4], n[4:10], n[10:]] if len(n) == 15 else [n[i:i + 4] for i in range(0, len(n), 4)]
        return sep.join(groups)

    def iban(self):
        n = self.fakers[self.rng.choice(IBAN_LOCALES)].iban()
        if self.rng.random() < 0.4:
            return " ".join(n[i:i + 4] for i in range(0, len(n), 4))
        return n

    def ssn(self):
        s = self.us.ssn()
        return s if self.rng.random() < 0.85 else s.replace("-", " ")

    def ip(self):
        r = self.rng
        if r.random() < 0.4:
            return f"{r.choice([10, 172, 192])}.{r.randint(0, 31) if r.random() < 0.5 else 168}." \
                   f"{r.randint(0, 255)}.{r.randint(2, 254)}"
        return f"{r.choice([23, 31, 45, 62, 77, 84, 91, 104, 137, 151, 185, 212])}.{r.randint(0, 255)}." \
               f"{r.randint(0, 255)}.{r.randint(1, 254)}"

    def ip6(self):
        r = self.rng
        if r.random() < 0.5:
            a = ipaddress.IPv6Address(f"2001:db8:{r.randrange(65536):x}::{r.randrange(65536):x}")
        else:
            a = ipaddress.IPv6Address(r.getrandbits(128) | (0x2a02 << 112))
        return a.compressed

    def secret(self):
        r = self.rng
        kind = r.randrange(9)
        rand = lambda n, al=ALNUM: "".join(r.choice(al) for _ in range(n))  # noqa: E731
        if kind == 0:
            return "sk-proj-" + rand(40)
        if kind == 1:
            return "ghp_" + rand(36)
        if kind == 2:
            return "github_pat_11" + rand(20, string.ascii_uppercase + string.digits) + "_" + rand(40)
        if kind == 3:
            return "AKIA" + rand(16, string.ascii_uppercase + string.digits)
        if kind == 4:
            return f"xoxp-{rand(11, string.digits)}-{rand(12, string.digits)}-{rand(24)}"
        if kind == 5:
            return "glpat-" + rand(20)
        if kind == 6:
            return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + rand(42) + "." + rand(43)
        if kind == 7:
            return "sk_live_" + rand(24)
        return "AIza" + rand(35, ALNUM + "-_")

    def password(self):
        r = self.rng
        words = ["Summer", "Winter", "Tiger", "Falcon", "Maple", "Orbit", "Copper", "Velvet"]
        if r.random() < 0.5:
            return f"{r.choice(words)}{r.randint(10, 9999)}{r.choice('!#$%&*?')}"
        return "".join(r.choice(ALNUM + "!#%&*") for _ in range(r.randint(12, 20)))


class Line:
    def __init__(self):
        self.parts: list[str] = []
        self.spans: list[dict] = []
        self.pos = 0

    def add(self, s: str, label: str | None = None):
        if label:
            self.spans.append({"start": self.pos, "end": self.pos + len(s), "label": label, "text": s})
        self.parts.append(s)
        self.pos += len(s)

    @property
    def text(self):
        return "".join(self.parts)


def fill(slot: str, v: Values, line: Line):
    r = v.rng
    pii = {
        "person": (v.person, "PERSON"), "first": (v.first, "PERSON"), "last": (v.last, "PERSON"),
        "email": (v.email, "EMAIL"), "phone": (v.phone, "PHONE"), "street": (v.street, "LOCATION"),
        "city": (lambda: r.choice(CITIES), "LOCATION"), "country": (lambda: r.choice(COUNTRIES), "LOCATION"),
        "card": (v.card, "CREDIT_CARD"), "iban": (v.iban, "IBAN"), "ssn": (v.ssn, "NATIONAL_ID"),
        "ip": (v.ip, "IP_ADDRESS"), "ip6": (v.ip6, "IP_ADDRESS"), "user": (v.user, "USERNAME"),
        "secret": (v.secret, "SECRET"), "password": (v.password, "SECRET"),
    }
    if slot in pii:
        fn, label = pii[slot]
        line.add(fn(), label)
        return
    if slot == "subject":
        expand(r.choice(SUBJECTS).replace("{", "$").replace("}", ""), v, line)
        return
    simple = {
        "product": PRODUCTS, "brand": BRANDS, "gadget": GADGETS, "tech": TECHS, "repo": REPOS,
        "org": ORGS, "file": FILES, "doc": DOC_NAMES, "channel": CHANNELS, "workspace": WORKSPACES,
        "meeting": MEETINGS, "commit": COMMIT_MSGS, "browser": BROWSERS, "editor": EDITORS,
        "term": TERMS, "mail_client": MAIL_CLIENTS, "host": HOSTS, "shop": SHOPS, "saas": SAAS,
        "envkey": ENV_KEYS, "video": VIDEOS, "weekday": WEEKDAYS, "month": MONTHS,
        "role": ["Account Executive", "Staff Engineer", "Head of Finance", "Product Designer",
                 "Customer Success", "Recruiter"],
    }
    if slot in simple:
        line.add(r.choice(simple[slot]))
    elif slot == "num":
        line.add(str(r.choice([r.randint(2, 99), r.randint(100, 999), r.randint(1000, 48000)])))
    elif slot == "ver":
        line.add(f"{r.randint(0, 24)}.{r.randint(0, 30)}.{r.randint(0, 12)}")
    elif slot == "sha":
        line.add("".join(r.choice("0123456789abcdef") for _ in range(r.choice([7, 8, 12]))))
    elif slot == "date":
        line.add(f"{r.randint(1, 28)} {r.choice(MONTHS)}" if r.random() < 0.5 else
                 f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}")
    elif slot == "time":
        line.add(f"{r.randint(8, 18)}:{r.choice(['00', '15', '30', '45'])}")
    elif slot == "port":
        line.add(str(r.choice([3000, 5173, 8000, 8080, 8443, 9090, 4200])))
    elif slot == "price":
        line.add(f"{r.randint(5, 900)}.{r.randint(0, 99):02d}")
    elif slot == "card_last4":
        line.add(str(r.randint(1000, 9999)))
    elif slot in ("order", "order2"):
        line.add(str(r.randint(1000000, 9999999)))
    else:
        raise KeyError(slot)


def expand(template: str, v: Values, line: Line):
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            line.add(template[pos:m.start()])
        fill(m.group(1) or m.group(2), v, line)
        pos = m.end()
    if pos < len(template):
        line.add(template[pos:])


def _acceptable(line: Line) -> bool:
    """Every gold text is findable exactly: not elsewhere in the line, not in a placeholder."""
    text = line.text
    masked = list(text)
    for s in line.spans:
        masked[s["start"]:s["end"]] = "\0" * (s["end"] - s["start"])
    masked = "".join(masked)
    for s in line.spans:
        t = s["text"]
        if not t.strip() or t in masked or t in PLACEHOLDERS:
            return False
    return True


def generate(n: int = 3000, seed: int = 2024, clean_share: float = 0.3) -> list[dict]:
    v = Values(seed)
    r = v.rng
    pii_fams, clean_fams = list(FAMILIES.items()), list(CLEAN.items())
    out, seen = [], set()
    n_clean = round(n * clean_share)
    plan = ["clean"] * n_clean + ["pii"] * (n - n_clean)
    r.shuffle(plan)
    for kind in plan:
        fams = clean_fams if kind == "clean" else pii_fams
        for _ in range(50):
            fam, (ev_kind, templates) = r.choice(fams)
            template = r.choice(templates)
            line = Line()
            expand(template, v, line)
            if line.text in seen or not _acceptable(line):
                continue
            if kind == "pii" and not line.spans:
                continue
            break
        else:
            raise RuntimeError("could not draw a fresh line")
        seen.add(line.text)
        out.append({"id": len(out) + 1, "kind": ev_kind, "family": fam, "text": line.text,
                    "spans": line.spans})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args()
    rows = generate(a.n, a.seed)
    with open(a.out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
