import { api, type LedgerEntry, type UiError } from "../api";
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

export async function renderPrivacy(root: HTMLElement): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    const p = await api.privacy();
    const labels = Object.entries(p.redactions_by_label);
    const ex = p.exclusions;
    root.replaceChildren(
      h("p", {}, "Tally keeps only these aggregate tables — counts and minutes per 15 minutes, category and app. No titles, web addresses or texts are ever written; they exist only in memory while an event is analysed."),
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
    );
  } catch (e) {
    root.replaceChildren(errorBox((e as UiError).message));
  }
}
