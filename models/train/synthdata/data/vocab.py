"""Word lists that fill the templates' slots: none of them is PII, so the model must leave them alone
(products, projects, tech, work words in many languages, ...), and the sentiment markers.  WORD_SLOTS
names the slots that draw one word from a list; slots.py fills the rest."""

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
ORGS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Contoso",
        "Fabrikam", "Northwind", "Wayne Enterprises", "Tally", "Pied Piper"]
ORG_HANDLES = ["acme", "globex", "initech", "hooli", "contoso", "rust-lang", "tally-app", "openai",
               "microsoft", "google", "facebook", "vercel"]
# prefixes of a file named after a person ("CV_Jane_Doe.pdf")
PERSON_FILE_PREFIXES = ["CV_", "Resume_", "Offer_Letter_", "Invoice_", "Contract_"]
NAME_TITLES = ["Dr.", "Prof.", "Mr.", "Ms.", "Mrs."]
# company domains of an email address, besides the locale's own
EMAIL_DOMAINS = ["acme.com", "example.org", "corp.io"]


# --------------------------------------------------------------------------------------
# Work words in many languages, acronyms
# --------------------------------------------------------------------------------------
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

# Slots filled by one word drawn from a list, as it is.
WORD_SLOTS = {
    "project": PROJECTS, "tech": TECH, "topic": TOPICS, "doc_word": DOC_WORDS, "quarter": QUARTERS,
    "code_file": CODE_FILES, "repo": REPOS, "branch": BRANCHES, "channel": CHANNELS, "meeting": MEETING_TOPICS,
    "host": HOSTS, "search_tech": SEARCH_TECH, "search_fun": SEARCH_FUN, "role": ROLES, "month": MONTHS,
    "weekday": WEEKDAYS, "fun_video": FUN_VIDEOS, "fun_sub": FUN_SUBS, "product": PRODUCTS,
    "headline": HEADLINES, "song": SONGS, "artist": ARTISTS,
    "i18n_word": I18N_WORK, "i18n_with": I18N_WITH, "acro": ACRONYMS,
}
