"""The template families of window-title events, in the order examples draw them, and which of them each
unseen split holds out.

A family is an id, a category (``"*"``: composed, no category label), a marker kind (which sentiment
markers it takes), its templates and the apps or sites its events come from.  Templates name slots in
braces (``{person}``, ``{city}``, ...; see slots.py).  A family's position, and the order of its
templates, apps and sites, are part of what a seed draws: moving one changes the data."""
from ..family import Family as F
from .apps import (ADMIN_APPS, ADMIN_WEB, AI_APPS, AI_WEB, CHAT_APPS, CHAT_CALL_APPS, CHAT_CALL_WEB, CHAT_WEB, DEEP_WEB,
                   DESIGN_APPS, FUN_APPS, FUN_WEB, IDES, MAIL_APPS, MAIL_WEB, MAPS_WEB, MEET_APPS, MEET_WEB, OFFICE_APPS,
                   PLAN_APPS, PLAN_WEB, READER_APPS, RESEARCH_WEB, SEARCH_ENGINE_WEB, SEARCH_WEB, TERMINALS,
                   WEB_MAKE_WEB)

EVENT_FAMILIES = [
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
    ], web=SEARCH_WEB),
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
    ], web=SEARCH_ENGINE_WEB),
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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

# composed examples: each one's template is joined from the clauses of mix.py (slots.py)
EVENT_FAMILIES += [F("mix.clauses", "*", "generic", ["<composed>"], apps=CHAT_APPS + MAIL_APPS + PLAN_APPS + IDES,
               web=MAIL_WEB + PLAN_WEB + ADMIN_WEB + FUN_WEB)]

# ---------------- round-4 UNSEEN-3 families: written before round 4's training, never trained on -------------
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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
EVENT_FAMILIES += [
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

# ---------------- round 12 training families (written on 2026-12-07): names glued to particles and honorifics,
# given names alone, titles in one letter case, whole CJK and Korean addresses, meetings held in chat apps and
# browsers, making vs reading where the app does not decide, and check-ins without marker words ------------
EVENT_FAMILIES += [
    # names glued to a particle or honorific ({name_chat}, {name_meet}: data/phrases.py), in their own language
    F("v12t.particle_chat", "communication", "chat", [
        "{name_chat}", "{name_chat} - {app}", "{name_chat}: {chat_msg}", "🔔 {name_chat}", "{name_chat} ({num})",
        "#{channel} | {name_chat}",
    ], apps=CHAT_APPS, web=CHAT_WEB, locales=("ja_JP", "ko_KR", "zh_CN", "tr_TR")),
    F("v12t.particle_meet", "meetings", "generic", [
        "{name_meet}", "{name_meet} - {app}", "{name_meet} {time}", "{weekday} {time} · {name_meet}",
        "{name_meet} | {meeting}", "📅 {name_meet}",
    ], apps=MEET_APPS, web=MEET_WEB, locales=("ja_JP", "ko_KR", "zh_CN", "tr_TR")),
    # a given name alone, in many positions
    F("v12t.given_names", "communication", "chat", [
        "lunch with {first}?", "{first} - {app}", "call {first} back", "{first} 👋", "ask {first}", "{first} (away)",
        "ping {first} about {ticket}", "thanks {first}!", "{first} sent a photo", "tell {first} I'm late",
        "{first}, {first} and you", "re: {first}'s draft", "{first}?", "Message {first}", "DM · {first}",
        "{first} reacted 🎉", "waiting for {first}", "{first} is online",
    ], apps=CHAT_APPS + MAIL_APPS, web=CHAT_WEB),
    # titles written in one letter case: cased as a whole (examples.recase), spans kept in place
    F("v12t.case_titles", "communication", "mail", [
        "Fwd: Offer letter for {first} - {org}", "Re: contract for {first} {last}", "Urgent: call {first} back",
        "Signed NDA - {person}", "Fw: {person} start date", "Re: Re: {first}'s invoice", "Meeting notes from {person}",
        "Reminder: {first} {last} visiting {city}", "Intro: {person} <> {person}", "Re: {subject} ({first})",
    ], apps=MAIL_APPS, web=MAIL_WEB, case=("lower", "upper")),
    # meetings held in chat apps and browsers
    F("v12t.chat_huddles", "meetings", "chat", [
        "Huddle with {person} - {app}", "🎧 #{channel} huddle", "Huddle in #{channel} (3 people)",
        "🎧 {first}, {first} - huddle", "Voice connected · #{channel}", "Call with {person} | {app}",
        "Meeting in #{channel} | {app}", "Calling {person}…", "In a call with {first}", "{person} started a call",
        "Ongoing call · 4 participants", "Zoom meeting with {person} - {app}", "Voice channel: {meeting}",
        "{meeting} (call) - {org}",
    ], apps=CHAT_CALL_APPS, web=CHAT_CALL_WEB, home=False),
    F("v12t.meet_tabs", "meetings", "generic", [
        "Meet - {meet_code}", "Meet – {meeting}", "{meet_code} - Google Meet", "Ready to join? - Meet",
        "{person} is presenting - Meet", "Teams meeting: {meeting}", "{meeting} - Join meeting",
        "Zoom - {meeting} - joined from the browser", "Meet - {meet_code} - {person}", "Call in {app}: {meeting}",
    ], web=CHAT_CALL_WEB, home=False),
    # making things (deep work) vs reading, searching and learning (research) where the app does not decide
    F("v12t.web_making", "deep_work", "dev", [
        "Editing {code_file} · {repo} · Codespaces", "{repo} - Replit - running tests",
        "Draft: {project} {doc_word} (editing)", "Writing section {num} of the {project} {doc_word}",
        "{project} wireframes v{num}", "Building the {project} revenue model", "fix: {topic} in {code_file}",
        "New file - {repo}", "Prototype: {project} checkout flow", "{code_file} — unsaved changes",
    ], web=WEB_MAKE_WEB),
    F("v12t.desk_making", "deep_work", "dev", [
        "Implementing {topic} - {code_file}", "Refactoring {code_file} ({repo})", "Writing tests for {code_file}",
        "Drafting the {project} {doc_word}", "{project} financial model v{num}.xlsx - editing",
        "Designing the {project} onboarding screens", "Sketching icons for {project}", "Chapter {num} draft - {project}",
    ], apps=IDES + OFFICE_APPS + DESIGN_APPS),
    F("v12t.ide_reading", "research", "generic", [
        "Reading {tech} source: {code_file} [read-only]", "Go to definition: {tech} stdlib - {code_file}",
        "How {topic} works in {repo} (reading)", "{tech} docs - Quick Documentation", "Paper: {topic_cap}.pdf - notes",
        "{topic_cap} — annotated reading.pdf", "Learning {tech}: {code_file} examples",
        "Exploring {repo} to understand {topic}", "Comparing {tech} and {tech} - benchmarks.pdf",
        "{tech} {num}.0 migration guide.pdf",
    ], apps=IDES + READER_APPS, home=False),
    F("v12t.web_research", "research", "generic", [
        "Why does {search_tech} fail? - Stack Overflow", "Accepted answer: {topic} in {tech}",
        "{tech} vs {tech}: which to choose in {year}", "Tutorial: {topic} with {tech}, part {num}",
        "Learn {topic} in 10 minutes", "{topic_cap} explained", "Comparison of {tech} and {tech}",
        "Reading: {topic_cap} (survey, {year})", "What is {topic}? - {tech} docs",
    ], web=RESEARCH_WEB),
    # whole Japanese, Chinese and Korean addresses, one LOCATION each
    F("v12t.cjk_places", "non_work", "generic", [
        "{cjk_address} - Google Maps", "{cjk_address}", "Directions to {cjk_address}", "📍 {cjk_address}",
        "Restaurants near {cjk_address}", "Apartment: {cjk_address} - {app}",
    ], web=MAPS_WEB, apps=["Maps", "Google Earth"], locales=("ja_JP", "zh_CN", "ko_KR")),
    F("v12t.cjk_office", "admin", "generic", [
        "Address change: {cjk_address}", "Ship laptop to {cjk_address}", "Billing address - {cjk_address}",
        "Registered office: {cjk_address}", "{person} - home address {cjk_address}", "Visitor entrance, {cjk_address}",
    ], web=ADMIN_WEB, apps=ADMIN_APPS, locales=("ja_JP", "zh_CN", "ko_KR")),
]

# ---------------- UNSEEN-12 families: written on 2026-12-07 with the round-12 training families above, before
# any model trained with them; one family per category at least, 3,000 examples.  The particle and address
# families draw from ja_JP, zh_CN and ko_KR (their `locales`), which are training locales: for those families
# only the templates are unseen, not the locales ------------
EVENT_FAMILIES += [
    F("v12.particle_mail", "communication", "mail", [
        "{name_mail12}", "{name_mail12} - {app}", "Inbox: {name_mail12}", "{name_mail12} ({month})",
    ], apps=MAIL_APPS, web=MAIL_WEB, locales=("ja_JP", "ko_KR", "zh_CN")),
    F("v12.particle_plan", "planning", "generic", [
        "{name_task12}", "{ticket} {name_task12}", "{name_task12} - {project}", "✔ {name_task12} ({weekday})",
    ], apps=PLAN_APPS, web=PLAN_WEB, locales=("ja_JP", "ko_KR", "zh_CN")),
    F("v12.case_upper", "communication", "mail", [
        "Fwd: Signed offer for {person}", "Action needed: {first} {last}'s visa", "Re: Reference for {person}",
        "Welcome {first}!", "Contract amendment - {person_lf}", "Note from {first} re: {subject}",
    ], apps=MAIL_APPS, web=MAIL_WEB, case=("upper",)),
    F("v12.case_lower", "planning", "generic", [
        "todo: sync with {first} on {ticket}", "{person} owns the launch checklist", "follow up with {first} {last} friday",
        "tasks for {first} this sprint", "{ticket} handed to {person}", "plan the {city} visit with {first}",
    ], apps=PLAN_APPS, web=PLAN_WEB, case=("lower",)),
    F("v12.chat_meetings", "meetings", "chat", [
        "Huddle: {first} + {first}", "🎧 Huddle · #{channel} · {org}", "Teams call - {person} (video)",
        "{meet_code} · Meet", "Stage live in #{channel}", "Joined voice with {first}",
    ], apps=CHAT_CALL_APPS, web=CHAT_CALL_WEB, home=False),
    F("v12.web_making", "deep_work", "dev", [
        "{project} pitch deck - editing slide {num}", "Committing {code_file} to {branch} in the browser",
        "{project}: writing the launch post (draft {num})", "Sheet: {project} unit economics v{num}",
        "Coding {topic} - {repo} workspace", "{project} app / Screens / editing",
    ], web=WEB_MAKE_WEB),
    F("v12.ide_reading", "research", "generic", [
        "Browsing {tech} internals - {code_file} (read-only)", "Studying how {repo} handles {topic}",
        "{topic_cap}: notes while reading the spec.pdf", "Peek definition - {tech} source",
        "Reading the {tech} RFC on {topic}", "Tutorial notebook: learning {tech}",
    ], apps=IDES + READER_APPS, home=False),
    F("v12.cjk_address", "admin", "generic", [
        "Delivery address on file: {cjk_address}", "New office lease - {cjk_address}", "Courier pickup at {cjk_address} ({time})",
        "Tax office {cjk_address}", "Mailing address updated to {cjk_address}", "{cjk_address} (head office)",
    ], web=ADMIN_WEB, apps=ADMIN_APPS, locales=("ja_JP", "zh_CN", "ko_KR")),
    F("v12.given_names", "non_work", "generic", [
        "drinks with {first} tonight?", "{first}'s birthday 🎂", "pick up {first} at six", "movie night at {first}'s",
        "{first} shared an album", "gift ideas for {first}",
    ], web=FUN_WEB, apps=FUN_APPS),
    F("v12.ai_given", "ai_tools", "generic", [
        "help me reply to {first}", "how do I ask {first} for the files politely", "what to get {first} for a farewell",
        "summarize what {first} said in the call", "write a thank-you note to {first}", "questions for my 1:1 with {first}",
    ], web=AI_WEB, apps=AI_APPS),
]
HOLDOUT_FAMILIES_V12 = {"v12.particle_mail", "v12.particle_plan", "v12.case_upper", "v12.case_lower",
                        "v12.chat_meetings", "v12.web_making", "v12.ide_reading", "v12.cjk_address",
                        "v12.given_names", "v12.ai_given", "pulse.v12"}

HOLDOUT_FAMILIES = {  # = holdout_families() over the round-1 family list; pinned so the unseen split is stable
    "adm.expense", "adm.timesheet", "ai.image", "chat.dm", "chat.mention", "dev.editor", "dev.secrets",
    "doc.writing", "fun.media", "fun.social", "mail.noperson", "meet.i18n", "plan.board", "pulse.first_person",
    "pulse.with_person", "res.forum"}

# Every evaluation split whose families (and locales) training never sees, in the order they were added.
HELD_OUT = {"unseen": HOLDOUT_FAMILIES, "unseen2": HOLDOUT_FAMILIES_V2, "unseen3": HOLDOUT_FAMILIES_V3,
            "unseen4": HOLDOUT_FAMILIES_V4, "unseen5": HOLDOUT_FAMILIES_V5,
            "unseen6": HOLDOUT_FAMILIES_V6, "unseen7": HOLDOUT_FAMILIES_V7,
            "unseen8": HOLDOUT_FAMILIES_V8, "unseen9": HOLDOUT_FAMILIES_V9,
            "unseen10": HOLDOUT_FAMILIES_V10, "unseen11": HOLDOUT_FAMILIES_V11, "unseen12": HOLDOUT_FAMILIES_V12}

# the home screens of a category's apps and sites (home.<category>, made in splits.py)
HOME_TEMPLATES = ["{app}", "{app} - Home", "Welcome to {app}", "{app} — Dashboard", "{app} Settings", "Getting started with {app}",
                  "{app} ({num} notifications)", "What's new in {app} {num}.0", "{app} | Overview", "Loading {app}…"]
