"""Apps and sites per category, which families draw their event's app or (browser, site, domain) from,
and the browsers and URL paths of web events."""

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

# The search engines, and with Kagi and Stack Overflow the sites of the search families; RESEARCH_WEB
# starts with them.
SEARCH_ENGINE_WEB = [("Google Search", "www.google.com"), ("DuckDuckGo", "duckduckgo.com"), ("Bing", "www.bing.com")]
SEARCH_WEB = SEARCH_ENGINE_WEB + [("Kagi", "kagi.com"), ("Stack Overflow", "stackoverflow.com")]
RESEARCH_WEB = SEARCH_WEB + [
    ("MDN Web Docs", "developer.mozilla.org"), ("Docs.rs", "docs.rs"), ("Wikipedia", "en.wikipedia.org"), ("arXiv", "arxiv.org"),
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
    ("Gartner", "www.gartner.com"), ("Investopedia", "www.investopedia.com"),
]
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

# paths of a web event's URL (the model sees only the domain)
URL_PATHS = ["/", "/app", "/u/0/", "/home", "/browse", "/search?q=x", "/d/1x9", "/view"]

# Calls and meetings held inside chat apps and browsers (Slack huddles, Teams calls, Discord voice, a Google
# Meet tab, Meet inside Gmail): the context is a chat app or a site while the category is meetings.
CHAT_CALL_APPS = ["Slack", "Microsoft Teams", "Discord", "Google Chat", "Telegram Desktop", "WhatsApp", "Signal",
                  "Element", "Mattermost", "Zulip", "Skype", "Lark", "DingTalk", "WeChat", "LINE", "Rocket.Chat"]
CHAT_CALL_WEB = [("Slack", "app.slack.com"), ("Teams", "teams.microsoft.com"), ("Discord", "discord.com"),
                 ("Google Meet", "meet.google.com"), ("Gmail", "mail.google.com"), ("Google Chat", "chat.google.com"),
                 ("WhatsApp", "web.whatsapp.com"), ("Zoom", "app.zoom.us"), ("Element", "app.element.io")]
# Making things in a browser: web IDEs and the editors of DEEP_WEB.
WEB_MAKE_WEB = [("GitHub Codespaces", "github.dev"), ("StackBlitz", "stackblitz.com"), ("Gitpod", "gitpod.io"),
                ("vscode.dev", "vscode.dev"), ("Glitch", "glitch.com")] + DEEP_WEB
# Maps and listings a place is looked up on.
MAPS_WEB = [("Google Maps", "www.google.com"), ("Apple Maps", "maps.apple.com"), ("Naver Map", "map.naver.com"),
            ("Kakao Map", "map.kakao.com"), ("Baidu Maps", "map.baidu.com"), ("Yahoo! Map", "map.yahoo.co.jp"),
            ("Airbnb", "www.airbnb.com"), ("Booking.com", "www.booking.com")]
