// The Teams view (admin mode): team and org cells the engine released — each with at
// least k contributors; totals hold released cells only. Nothing here computes a figure.
import { save } from "@tauri-apps/plugin-dialog";
import { api, type TeamCell, type TeamPeriod, type TeamReport, type UiError } from "../api";
import { errorBox, fixed, h, table } from "../dom";

function isoDaysAgo(days: number): string {
  const d = new Date(Date.now() - days * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function cellRows(cells: TeamCell[]): string[][] {
  return cells.map((c) => [
    c.period_start,
    c.team || "all shown teams",
    String(c.contributors),
    c.category,
    fixed(c.active_hours, 1),
    fixed(c.focus_hours, 1),
    String(c.measures.switches),
    String(c.measures.sentiment_negative),
    String(c.measures.sentiment_positive),
    c.epsilon === null ? "–" : String(c.epsilon),
  ]);
}

const COLUMNS = ["period", "team", "people", "category", "active h", "focus h", "switches", "negative", "positive", "ε spent"];

function reportBody(r: TeamReport): HTMLElement[] {
  const note = [
    `Organisation ${r.org}, ${r.from} to ${r.to} by ${r.period}. A cell is shown only when at least ${r.k} enrolled people contribute to it; the org rows add up shown cells only, so hidden ones cannot be worked out by subtraction.`,
    r.noise ? ` Discrete Laplace noise with ε = ${r.noise.epsilon} per released cell is added (fixed per cell); the last column is the privacy budget each cell spent.` : "",
  ].join("");
  const skipped = r.skipped_files + r.skipped_cells + r.refused_enrolments > 0
    ? h("p", { class: "muted", "data-testid": "teams-skipped" }, `Ignored ${r.skipped_files} files and ${r.skipped_cells} rows that did not open, verify or stay within the daily caps, and refused ${r.refused_enrolments} enrolments (a second key for a known install, a reused token, or beyond a team's roster).`)
    : null;
  if (r.teams.length === 0) {
    return [h("p", { "data-testid": "teams-note" }, note), h("p", { "data-testid": "teams-empty" }, `No team has ${r.k} or more contributors in this range yet: nothing can be shown.`)];
  }
  return [
    h("p", { "data-testid": "teams-note" }, note),
    ...(skipped ? [skipped] : []),
    h("h3", {}, "Teams"),
    table(COLUMNS, cellRows(r.teams), "teams-table"),
    h("h3", {}, "Organisation (shown teams)"),
    table(COLUMNS, cellRows(r.org_cells), "org-table"),
  ];
}

export async function renderTeams(root: HTMLElement): Promise<void> {
  const from = h("input", { type: "date", value: isoDaysAgo(90), "data-testid": "teams-from" });
  const to = h("input", { type: "date", value: isoDaysAgo(0), "data-testid": "teams-to" });
  const by = h("select", { "data-testid": "teams-by" }, h("option", { value: "week" }, "week"), h("option", { value: "day" }, "day"), h("option", { value: "month" }, "month"));
  const body = h("div", { "data-testid": "teams-body" });
  const path = h("input", { type: "text", placeholder: "/home/me/team-report.csv", size: 48, "data-testid": "teams-export-path" });
  const exported = h("div", { "data-testid": "teams-export-result" });
  // Each change starts a load; only the latest one may draw, so a slower earlier
  // answer (other dates or period) never replaces a newer one.
  let latest = 0;
  const load = async () => {
    const mine = ++latest;
    body.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const report = await api.teams(from.value, to.value, by.value as TeamPeriod);
      if (mine === latest) body.replaceChildren(...reportBody(report));
    } catch (e) {
      if (mine === latest) body.replaceChildren(errorBox((e as UiError).message));
    }
  };
  const choose = async () => {
    const picked = await save({ defaultPath: "team-report.csv", filters: [{ name: "CSV", extensions: ["csv"] }] });
    if (picked) path.value = picked;
  };
  const exportCsv = async () => {
    if (!path.value) {
      exported.replaceChildren(errorBox("Choose where to save the report first."));
      return;
    }
    try {
      const rows = await api.exportTeamCsv(path.value, from.value, to.value, by.value as TeamPeriod);
      exported.replaceChildren(h("p", { class: "ok" }, `Wrote ${rows} rows to ${path.value}`));
    } catch (e) {
      exported.replaceChildren(errorBox((e as UiError).message));
    }
  };
  for (const input of [from, to, by]) input.addEventListener("change", () => void load());
  root.replaceChildren(
    h("div", { class: "controls" }, h("label", {}, "From ", from), h("label", {}, "to ", to), h("label", {}, "by ", by)),
    body,
    h("section", {}, h("h3", {}, "Export"), h("div", { class: "form" }, h("label", {}, "Save to ", path, h("button", { type: "button", onclick: choose }, "Choose…"))), h("button", { "data-testid": "teams-export-run", onclick: exportCsv }, "Export team CSV"), exported),
  );
  await load();
}
