import { api, type CollectionView, type LedgerEntry, type OrgStatus, type UiError } from "../api";
import { errorBox, h, table } from "../dom";

function ledgerTable(entries: LedgerEntry[]): HTMLElement {
  if (entries.length === 0) return h("p", { "data-testid": "ledger-empty" }, "Nothing has ever been sent off this machine.");
  return table(
    ["#", "when", "what", "provider / model", "outcome", "HTTP", "tries", "payload"],
    entries.map((e) => [
      String(e.id),
      e.at,
      e.purpose,
      `${e.provider} / ${e.model}`,
      e.outcome + (Object.keys(e.response_redactions).length ? " (answer redacted)" : ""),
      e.http_status === null ? "–" : String(e.http_status),
      String(e.attempts.length),
      h(
        "details",
        {},
        h("summary", {}, `SHA-256 ${e.payload_sha256.slice(0, 12)}…`),
        h("pre", {}, e.payload ?? `(blocked: not kept) ${e.error ?? ""}`),
        e.response ? h("pre", {}, e.response) : null,
      ),
    ]),
    "ledger",
  );
}

function collectionPanel(c: CollectionView, redraw: () => void): HTMLElement {
  const state = !c.consented ? "not collecting (no consent given)" : c.paused ? "paused" : c.running ? "collecting" : "not running";
  const act = (f: () => Promise<unknown>) => async () => { await f().catch((e: UiError) => alert(e.message)); redraw(); };
  return h(
    "section",
    {},
    h("h3", {}, "Collection"),
    h("p", { "data-testid": "collection-state" }, `Status: ${state}.`),
    c.note ? h("p", { class: "muted", "data-testid": "session-note" }, c.note) : null,
    c.last_error ? h("p", { class: "error" }, c.last_error) : null,
    c.consented ? h("button", { "data-testid": "pause-toggle", onclick: act(() => api.setPaused(!c.paused)) }, c.paused ? "Resume collection" : "Pause collection") : h("a", { href: "#consent" }, "Review and agree"),
    c.consented ? h("button", { "data-testid": "withdraw", onclick: act(() => api.withdraw()) }, "Withdraw consent") : null,
  );
}

function teamStatusLine(o: OrgStatus): HTMLElement | null {
  if (o.team_status_error) return h("li", { class: "error", "data-testid": "org-team-status" }, `How many are enrolled in your team could not be read: ${o.team_status_error}`);
  const s = o.team_status;
  if (!s) return null;
  const text = o.admin_sees_daily_cells
    ? `${s.enrolled} computers are enrolled in the shared folder (all teams).`
    : `${s.enrolled} computers are enrolled in team "${s.team}"${s.roster ? ` of a declared ${s.roster}` : ""}. If that is more than the people in your team, some are not real: tell IT.`;
  return h("li", { "data-testid": "org-team-status" }, text);
}

function orgPanel(o: OrgStatus): HTMLElement {
  const body = o.problem
    ? h("p", { class: "error" }, o.problem)
    : !o.org
      ? h("p", {}, "This computer is not part of an organisation rollup: nothing is shared with anyone.")
      : h(
          "ul",
          {},
          h("li", {}, `Organisation: ${o.org}, team label "${o.team}", via ${o.sink === "postgres" ? "a PostgreSQL server" : "a shared folder"}.`),
          h("li", {}, o.install_id ? `Enrolled under the random id ${o.install_id} (never your name or computer name); rotate it with tally enrol --rotate.` : "Not enrolled yet: nothing is published."),
          h("li", {}, `What is shared: daily minutes per category (capped at 12 h a day), counts and sentiment — never app names, titles or texts. Each send is in the ledger below.`),
          o.admin_sees_daily_cells
            ? h("li", { "data-testid": "org-trust" }, `In shared-folder mode the organisation's admin holds the key that opens every computer's daily figures: the admin sees yours, under a random id. Others see a team's figures only when at least ${o.k} people contribute to them.`)
            : h("li", { "data-testid": "org-trust" }, `Admins see a team's figures only by week, with noise added by the database, and only when at least ${o.k} people contribute to them. The database's operator can read each computer's daily figures under its random id.`),
          teamStatusLine(o),
          h("li", {}, "Withdraw everything you shared with tally forget --org."),
        );
  const result = h("div", { "data-testid": "org-withdraw-result" });
  const withdraw = async () => {
    if (!window.confirm("Withdraw everything this computer shared with your organisation? Your own data here stays.")) return;
    try {
      const removed = await api.withdrawOrg();
      result.replaceChildren(h("p", { class: "ok" }, `Withdrawn: ${removed} contributions removed from the organisation's store.`));
    } catch (e) {
      result.replaceChildren(errorBox((e as UiError).message));
    }
  };
  const button = o.install_id ? h("button", { "data-testid": "org-withdraw", onclick: withdraw }, "Withdraw my contributions") : null;
  return h("section", { "data-testid": "org-status" }, h("h3", {}, "Organisation"), body, button, result);
}

function forgetPanel(redraw: () => void): HTMLElement {
  const from = h("input", { type: "date", "data-testid": "forget-from" });
  const to = h("input", { type: "date", "data-testid": "forget-to" });
  const result = h("div", { "data-testid": "forget-result" });
  const run = async (all: boolean) => {
    const what = all ? "ALL of your stored data" : `your data from ${from.value} to ${to.value}`;
    if (!all && (!from.value || !to.value)) {
      result.replaceChildren(errorBox("Pick both dates, or delete everything."));
      return;
    }
    if (!window.confirm(`Delete ${what}? This cannot be undone.`)) return;
    try {
      const f = await api.forget(all ? null : from.value, all ? null : to.value);
      result.replaceChildren(h("p", { class: "ok" }, `Deleted ${f.buckets} activity rows and ${f.redaction_counts} detection counts.`));
      setTimeout(redraw, 1500);
    } catch (e) {
      result.replaceChildren(errorBox((e as UiError).message));
    }
  };
  return h(
    "section",
    {},
    h("h3", {}, "Delete my data"),
    h("p", {}, "Deletes the stored aggregates on this computer (the same as ", h("code", {}, "tally forget"), "); the database is compacted so nothing lingers."),
    h("div", { class: "controls" }, h("label", {}, "From ", from), h("label", {}, "to ", to), h("button", { "data-testid": "forget-range", onclick: () => void run(false) }, "Delete these dates"), h("button", { "data-testid": "forget-all", onclick: () => void run(true) }, "Delete everything")),
    result,
  );
}

export async function renderPrivacy(root: HTMLElement): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    const p = await api.privacy();
    const collection = await api.collection();
    const redraw = () => void renderPrivacy(root);
    const labels = Object.entries(p.redactions_by_label);
    const ex = p.exclusions;
    root.replaceChildren(
      h("p", {}, "Tally keeps only these aggregate tables — counts and minutes per 15 minutes, category and app. No titles, web addresses or texts are ever written; they exist only in memory while an event is analysed."),
      collectionPanel(collection, redraw),
      orgPanel(p.org),
      h(
        "section",
        {},
        h("h3", {}, "Redactor versions"),
        p.redactors.length
          ? table(["redactor", "first bucket", "last bucket", "buckets"], p.redactors.map((r) => [r.redactor, new Date(r.first_bucket * 1000).toISOString().slice(0, 16).replace("T", " "), new Date(r.last_bucket * 1000).toISOString().slice(0, 16).replace("T", " "), String(r.buckets)]), "redactors")
          : h("p", { "data-testid": "redactors" }, "No aggregates stored yet."),
      ),
      h("section", {}, h("h3", {}, "Personal data found and removed"), labels.length ? table(["label", "detections"], labels.map(([l, n]) => [l, String(n)]), "redactions") : h("p", { "data-testid": "redactions" }, "None detected so far.")),
      h(
        "section",
        {},
        h("h3", {}, "Exclusions (dropped before anything reads them)"),
        h("ul", { "data-testid": "exclusions" }, h("li", {}, `Apps: ${ex.apps.join(", ") || "none"}`), h("li", {}, `Title patterns: ${ex.titles.join(", ") || "none"}`), h("li", {}, `URL patterns: ${ex.urls.join(", ") || "none"}`), h("li", {}, `Private / incognito windows: ${ex.private_windows ? "dropped" : "kept"}`)),
      ),
      h("section", {}, h("h3", {}, "Everything sent off this machine"), ledgerTable(p.ledger)),
      h(
        "section",
        {},
        h("h3", {}, "What is stored, as it is stored"),
        ...p.tables.map((t) =>
          h("details", { "data-testid": `table-${t.name}` }, h("summary", {}, `${t.name} — ${t.total_rows} rows${t.total_rows > t.rows.length ? ` (newest ${t.rows.length} shown)` : ""}`), table(t.columns, t.rows)),
        ),
      ),
      forgetPanel(redraw),
    );
  } catch (e) {
    root.replaceChildren(errorBox((e as UiError).message));
  }
}
