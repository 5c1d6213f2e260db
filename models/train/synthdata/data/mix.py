"""Composed examples: typed clauses, non-PII fillers and joiners (``mix.clauses``; assembled in slots.py)."""

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
