// The Teams view, the admin dashboard: team trends over weeks or months from released
// cells only (each with at least k contributors; the engine builds every figure, see
// src/rollup/trends.rs). Teams are small multiples on one shared scale, with the
// organisation's line beside them; a period with nothing released is a labelled gap,
// never zero. Also: the org insight, the team CSV, a printable report and chart PNGs.
import { save } from "@tauri-apps/plugin-dialog";
import type { Plugin } from "chart.js";
import { api, type TeamDashboard, type TeamPeriod, type TeamsState, type TrendPoint, type TrendSeries, type Trends, type LedgerEntry, type UiError } from "../api";
import { CATEGORY_COLORS, chart, type ChartBox } from "../charts";
import { errorBox, fixed, h, percent, table } from "../dom";
import { previewView } from "./insight";

function isoDaysAgo(days: number): string {
  const d = new Date(Date.now() - days * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A figure of a point; null where nothing was released. */
interface Metric {
  key: string;
  title: string;
  what: string;
  value: (p: TrendPoint) => number | null;
  format: (v: number) => string;
  /** Bounds of the axis (shares, balance); within them, the values of all panels set it. */
  min?: number;
  max?: number;
}

const METRICS: Metric[] = [
  { key: "focus", title: "Focus share", what: "focus time over active time", value: (p) => p.focus_share, format: percent, min: 0, max: 1 },
  { key: "meetings", title: "Meeting load", what: "meeting hours over the released hours", value: (p) => p.meeting_share, format: percent, min: 0, max: 1 },
  { key: "ai", title: "AI-tool share", what: "AI-tool hours over the released hours", value: (p) => p.ai_share, format: percent, min: 0, max: 1 },
  { key: "switches", title: "Switches per active hour", what: "app switches per active hour", value: (p) => p.switches_per_hour, format: (v) => fixed(v, 1), min: 0 },
  { key: "sentiment", title: "Sentiment balance", what: "(positive − negative) over scored events, −1 … +1", value: (p) => p.sentiment_balance, format: (v) => fixed(v, 2), max: 1 },
];

const ORG_LABEL = "all shown teams";

function people(min: number | null, max: number | null): string {
  if (min === null || max === null) return "nothing released";
  return min === max ? `${min} people contributed` : `cells of ${min}–${max} people contributed`;
}

/** An axis label: MM-DD for days and weeks (the week's Monday), YYYY-MM for months. */
function periodLabels(t: Trends): string[] {
  return t.periods.map((p) => (t.period === "month" ? p.slice(0, 7) : p.slice(5)));
}

function periodWord(t: Trends): string {
  return t.period === "month" ? "month" : t.period === "week" ? "week" : "day";
}

/** The privacy statement under every chart: k, noise (ε, typical error at this size), period. */
function statement(t: Trends, s: TrendSeries | null): string {
  const noise = t.noise
    ? `noise on: ε = ${t.noise.epsilon} per released cell` +
      (s && s.typical_error_hours !== null
        ? `, typical error ±${fixed(s.typical_error_hours, 1)} h of a ${periodWord(t)}'s active hours` +
          (s.typical_error_share !== null ? ` (${percent(s.typical_error_share)} at this size)` : "")
        : "")
    : "noise off";
  return `k = ${t.k} · ${noise} · ${t.from} to ${t.to} by ${periodWord(t)}`;
}

/** Shades each gap's column and writes "hidden" in it, so a gap never reads as zero. */
function gapPlugin(gaps: boolean[]): Plugin {
  return {
    id: "gaps",
    beforeDatasetsDraw(c) {
      const { ctx, chartArea, scales } = c;
      const width = (chartArea.right - chartArea.left) / Math.max(gaps.length, 1);
      gaps.forEach((gap, i) => {
        if (!gap) return;
        const x = scales.x.getPixelForValue(i);
        ctx.save();
        ctx.fillStyle = "rgba(110, 110, 110, 0.13)";
        ctx.fillRect(x - width * 0.45, chartArea.top, width * 0.9, chartArea.bottom - chartArea.top);
        ctx.translate(x + 3, chartArea.bottom - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.fillStyle = "#555";
        ctx.font = "10px DejaVu Sans, sans-serif";
        ctx.fillText("hidden", 0, 0);
        ctx.restore();
      });
    },
  };
}

function gapNote(t: Trends, periods: string[], testid: string): HTMLElement {
  return periods.length === 0
    ? h("p", { class: "gaps muted", "data-testid": testid }, "No gaps.")
    : h("p", { class: "gaps", "data-testid": testid }, `Grey: ${t.gap_reason} (never drawn as 0): ${periods.join(", ")}`);
}

/** A PNG button for a chart: the canvas's pixels, saved where the admin picks. */
function pngButton(box: ChartBox, name: string, out: HTMLElement): HTMLElement {
  return h("button", { class: "small", onclick: async () => {
    const canvas = box.querySelector("canvas");
    if (!canvas) return;
    const path = await save({ defaultPath: `${name}.png`, filters: [{ name: "PNG", extensions: ["png"] }] });
    if (!path) return;
    try {
      const bytes = Array.from(atob(canvas.toDataURL("image/png").split(",")[1]), (c) => c.charCodeAt(0));
      await api.savePng(path, bytes);
      out.replaceChildren(h("p", { class: "ok" }, `Saved ${path}`));
    } catch (e) {
      out.replaceChildren(errorBox((e as UiError).message));
    }
  } }, "PNG");
}

function panel(title: string, box: ChartBox, caption: string, gaps: HTMLElement, png: HTMLElement | null): HTMLElement {
  return h("figure", { class: "panel" }, h("figcaption", {}, h("strong", {}, title), png), box, h("p", { class: "statement muted", "data-testid": "chart-statement" }, caption), gaps);
}

/** Active hours by category for one series, stacked; `max` is the shared scale. */
function hoursChart(t: Trends, s: TrendSeries, max: number | undefined, testid: string, pngOut: HTMLElement | null): HTMLElement {
  const gaps = s.points.map((p) => p.active_hours === null);
  const box = chart(
    {
      type: "bar",
      data: {
        labels: periodLabels(t),
        datasets: t.categories.map((c, i) => ({ label: c.replace("_", " "), data: s.points.map((p) => p.hours[i]), backgroundColor: CATEGORY_COLORS[c] })),
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => {
            const n = s.points[item.dataIndex].contributors[item.datasetIndex];
            return `${item.dataset.label}: ${fixed(item.parsed.y ?? 0, 1)} h · ${n} people contributed`;
          } } },
        },
        scales: { x: { stacked: true, ticks: { font: { size: 9 } } }, y: { stacked: true, min: 0, max, title: { display: true, text: "hours" } } },
      },
      plugins: [gapPlugin(gaps)],
    },
    testid,
  );
  box.dataset.team = s.team || ORG_LABEL;
  box.dataset.metric = "hours";
  const name = s.team || ORG_LABEL;
  const hidden = t.periods.filter((_, i) => gaps[i]);
  return panel(name + (s.team ? "" : " (own scale)"), box, statement(t, s), gapNote(t, hidden, `gaps-hours-${s.team || "org"}`), pngOut ? pngButton(box, `hours-${name}`, pngOut) : null);
}

/** One metric for one team, with the organisation's line beside it. */
function metricChart(t: Trends, m: Metric, s: TrendSeries, min: number | undefined, max: number | undefined, testid: string, pngOut: HTMLElement | null): HTMLElement {
  const values = s.points.map(m.value);
  const gaps = values.map((v) => v === null);
  const series = [
    { label: s.team, data: values, borderColor: "#2f6f5e", backgroundColor: "#2f6f5e", points: s.points },
    { label: ORG_LABEL, data: t.org_series.points.map(m.value), borderColor: "#9a9a9a", backgroundColor: "#9a9a9a", borderDash: [5, 4], points: t.org_series.points },
  ];
  const box = chart(
    {
      type: "line",
      data: { labels: periodLabels(t), datasets: series.map(({ points: _, ...d }) => ({ ...d, spanGaps: false, pointRadius: 2 })) },
      options: {
        plugins: {
          legend: { display: true, labels: { boxWidth: 18, font: { size: 10 } } },
          tooltip: { callbacks: { label: (item) => {
            const p = series[item.datasetIndex].points[item.dataIndex];
            return `${item.dataset.label}: ${m.format(item.parsed.y ?? 0)} · ${people(p.contributors_min, p.contributors_max)}`;
          } } },
        },
        scales: { x: { ticks: { font: { size: 9 } } }, y: { min, max, ticks: { callback: (v) => m.format(Number(v)) } } },
      },
      plugins: [gapPlugin(gaps)],
    },
    testid,
  );
  box.dataset.team = s.team;
  box.dataset.metric = m.key;
  const hidden = t.periods.filter((_, i) => gaps[i]);
  return panel(s.team, box, statement(t, s), gapNote(t, hidden, `gaps-${m.key}-${s.team}`), pngOut ? pngButton(box, `${m.key}-${s.team}`, pngOut) : null);
}

/** The largest value of a metric over every panel, so teams share one scale. */
function sharedMax(values: (number | null)[]): number | undefined {
  const top = Math.max(0, ...values.filter((v): v is number => v !== null));
  if (top <= 0) return undefined;
  // Up to the next multiple of half the largest power of ten below it (425 h: 450).
  const step = 10 ** Math.floor(Math.log10(top));
  return Math.ceil((top * 1.05) / (step / 2)) * (step / 2);
}

/** One axis for every panel of a metric: from its bound (0 for shares and rates) or the
 * lowest value (noise is unbiased, so a small share can come out below 0), to the
 * largest value rounded up, never past the metric's bound. */
function sharedRange(m: Metric, values: (number | null)[]): [number | undefined, number | undefined] {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return [m.min, m.max];
  const lowest = Math.min(...known);
  const min = m.min !== undefined && lowest >= m.min ? m.min : Math.floor(lowest * 10) / 10;
  const top = sharedMax(known);
  const max = top === undefined ? m.max : m.max === undefined ? top : Math.min(m.max, top);
  return [min, max];
}

function hourTotals(s: TrendSeries): (number | null)[] {
  return s.points.map((p) => p.active_hours);
}

/** The trends: hours by category, then each metric, as small multiples. */
function trendSections(t: Trends, pngOut: HTMLElement | null, prefix: string): HTMLElement[] {
  const hoursMax = sharedMax(t.teams.flatMap(hourTotals));
  const sections: HTMLElement[] = [
    h(
      "section",
      { "data-testid": `${prefix}-hours` },
      h("h3", {}, "Active hours by category"),
      h("p", { class: "muted" }, `Per ${periodWord(t)}, stacked: `, ...t.categories.map((c) => h("span", { class: "swatch", style: `--c: ${CATEGORY_COLORS[c]}` }, c.replace("_", " "))), ". Teams share one scale; the organisation has its own."),
      h("div", { class: "multiples" }, ...t.teams.map((s) => hoursChart(t, s, hoursMax, `${prefix}-hours-${s.team}`, pngOut)), hoursChart(t, t.org_series, undefined, `${prefix}-hours-org`, pngOut)),
    ),
  ];
  for (const m of METRICS) {
    const all = [...t.teams, t.org_series].flatMap((s) => s.points.map(m.value));
    const [min, max] = sharedRange(m, all);
    sections.push(
      h(
        "section",
        { "data-testid": `${prefix}-${m.key}` },
        h("h3", {}, m.title),
        h("p", { class: "muted" }, `${m.what}, per ${periodWord(t)}; the dashed line is ${ORG_LABEL} together. One scale for every team.`),
        h("div", { class: "multiples" }, ...t.teams.map((s) => metricChart(t, m, s, min, max, `${prefix}-${m.key}-${s.team}`, pngOut))),
      ),
    );
  }
  sections.push(
    h("section", { "data-testid": `${prefix}-after-hours` }, h("h3", {}, "After-hours share"), h("p", { class: "muted" }, "Not available for teams: an install sends whole-day cells, so the organisation never learns when in the day anyone worked.")),
  );
  return sections;
}

function privacyNote(d: TeamDashboard): HTMLElement {
  const t = d.trends;
  const r = d.report;
  const noise = t.noise
    ? ` Each released cell carries discrete Laplace noise with ε = ${t.noise.epsilon} (fixed per cell); under each chart is its typical error at that team's size.`
    : " No noise is added (the policy sets no ε).";
  const skipped = r.skipped_files + r.skipped_cells + r.refused_enrolments > 0
    ? ` Ignored ${r.skipped_files} files and ${r.skipped_cells} rows that did not open, verify or stay within the daily caps, and refused ${r.refused_enrolments} enrolments.`
    : "";
  return h(
    "p",
    { class: "privacy-note", "data-testid": "teams-note" },
    `Organisation ${t.org}, ${t.from} to ${t.to} by ${periodWord(t)}. Only cells with at least ${t.k} enrolled people are drawn; a team never released in this range is not shown at all, and the organisation's line adds up shown cells only. A grey band is a gap: ${t.gap_reason}. Hovering a point gives how many people contributed, never who.${noise}${skipped}`,
  );
}

/** The org insight: the exact bytes, the gate's verdict, Send, and the answer. */
function insightSection(defaultWeek: string | null): HTMLElement {
  const week = h("input", { type: "date", value: defaultWeek ?? "", "data-testid": "org-insight-week" });
  const out = h("div", { "data-testid": "org-insight" });
  const weekOf = () => (week.value ? week.value : null);
  const preview = async () => {
    out.replaceChildren(h("p", { class: "muted" }, "Building the organisation's summary…"));
    try {
      // Send exactly the week previewed, whatever the date field says later.
      const previewed = weekOf();
      const p = await api.teamInsightsPreview(previewed, null);
      const note = (e: LedgerEntry) => `Recorded in the ledger (#${e.id}, ${e.outcome}) and the audit log.`;
      out.replaceChildren(...previewView(p, "org-insight", () => api.teamInsightsSend(previewed, null), note));
    } catch (e) {
      out.replaceChildren(errorBox((e as UiError).message));
    }
  };
  return h(
    "section",
    {},
    h("h3", {}, "Org insight from a frontier model"),
    h("p", { class: "muted" }, "The organisation's released cells of one week against the weeks before it, the same request as `tally team insights`: preview the exact bytes, send them through the outbound gate, read the answer. The read is in the audit log, the send in the ledger."),
    h("div", { class: "controls" }, h("label", {}, "Week of ", week), h("button", { "data-testid": "org-insight-preview", onclick: preview }, "Preview what would be sent")),
    out,
  );
}

const TEAM_COLORS = ["#2f6f5e", "#3f7cbf", "#d08b2e", "#8a63b8", "#d2557a", "#4aa3a1", "#7a6a3a", "#5b6b65"];

/** One metric for every shown team on one scale, the organisation dashed (the report's). */
function metricAllTeams(t: Trends, m: Metric): HTMLElement {
  const all = [...t.teams, t.org_series];
  const values = all.map((s) => s.points.map(m.value));
  const [min, max] = sharedRange(m, values.flat());
  const box = chart(
    {
      type: "line",
      data: {
        labels: periodLabels(t),
        datasets: all.map((s, i) => {
          const org = s.team === "";
          const color = org ? "#9a9a9a" : TEAM_COLORS[i % TEAM_COLORS.length];
          return { label: org ? ORG_LABEL : s.team, data: values[i], borderColor: color, backgroundColor: color, borderDash: org ? [5, 4] : undefined, spanGaps: false, pointRadius: 2 };
        }),
      },
      options: {
        plugins: {
          legend: { display: true, labels: { boxWidth: 14, font: { size: 9 } } },
          tooltip: { callbacks: { label: (item) => {
            const p = all[item.datasetIndex].points[item.dataIndex];
            return `${item.dataset.label}: ${m.format(item.parsed.y ?? 0)} · ${people(p.contributors_min, p.contributors_max)}`;
          } } },
        },
        scales: { x: { ticks: { font: { size: 9 } } }, y: { min, max, ticks: { callback: (v) => m.format(Number(v)) } } },
      },
    },
    `report-${m.key}`,
  );
  box.dataset.metric = m.key;
  const gaps = all.filter((s) => s.points.some((p) => m.value(p) === null)).map((s) => `${s.team || ORG_LABEL}: ${t.periods.filter((_, i) => m.value(s.points[i]) === null).join(", ")}`);
  return panel(`${m.title}: ${m.what}`, box, statement(t, null), gaps.length ? h("p", { class: "gaps" }, `Breaks in a line: ${t.gap_reason} (never drawn as 0). ${gaps.join("; ")}`) : h("p", { class: "gaps muted" }, "No gaps."), null);
}

/** The printable report: period, k/ε statement, the charts, and the team CSV's figures. */
function renderReport(root: HTMLElement, d: TeamDashboard, back: () => void): void {
  const t = d.trends;
  root.replaceChildren(
    h(
      "div",
      { class: "report", "data-testid": "team-report" },
      h("div", { class: "no-print controls" }, h("button", { "data-testid": "report-print", onclick: () => window.print() }, "Print or save as PDF"), h("button", { "data-testid": "report-back", onclick: back }, "Back to the Teams view")),
      h("h2", {}, `Team trends — ${t.org}${d.demo ? " (DEMO ORGANISATION: generated, not real people)" : ""}`),
      h("p", { "data-testid": "report-period" }, `${t.from} to ${t.to}, by ${periodWord(t)}. Teams shown: ${t.teams.map((s) => s.team).join(", ")}.`),
      privacyNote(d),
      trendSections(t, null, "report")[0],
      h("section", { "data-testid": "report-metrics" }, h("h3", {}, "Trends, every team on one scale"), h("div", { class: "multiples" }, ...METRICS.map((m) => metricAllTeams(t, m)))),
      h("p", { class: "muted" }, "After-hours share: not available for teams (an install sends whole-day cells)."),
      h("section", { class: "figures" }, h("h3", {}, "Figures (the team CSV's rows)"), table(d.csv_header, d.csv_rows, "report-figures")),
    ),
  );
}

function emptyState(root: HTMLElement, title: string, text: string, onDemo: () => void, error?: string): void {
  root.replaceChildren(
    h("div", { class: "empty", "data-testid": "teams-empty-state" }, h("h3", {}, title), error ? errorBox(error) : null, h("p", {}, text), h("button", { "data-testid": "teams-demo-on", onclick: onDemo }, "Try the demo organisation")),
  );
}

export async function renderTeams(root: HTMLElement): Promise<void> {
  let state: TeamsState = await api.teamsState();
  const demoOn = async (on: boolean) => {
    root.replaceChildren(h("p", { class: "muted" }, on ? "Generating the demo organisation (40 made-up installs)…" : "Switching…"));
    try {
      state = await api.useDemoOrg(on);
      await renderTeams(root);
    } catch (e) {
      root.replaceChildren(errorBox((e as UiError).message));
    }
  };
  if (!state.demo) {
    const text = "The demo organisation is generated on this computer: 40 made-up installs in 6 teams over 12 weeks, one team below k. It goes through the same release rules.";
    if (state.problem) return emptyState(root, "The organisation policy cannot be used", text, () => void demoOn(true), state.problem);
    if (!state.policy) return emptyState(root, "No organisation policy", `This computer has no organisation policy, so there are no team figures to show. IT deploys one (docs/team-rollup.md). ${text}`, () => void demoOn(true));
    if (!state.admin) return emptyState(root, "Not in admin mode", `This computer contributes to ${state.org ?? "an organisation"} but is not an admin machine: team figures are for the organisation's admins (admin = true in the policy). ${text}`, () => void demoOn(true));
  }
  const from = h("input", { type: "date", value: state.first_day ?? isoDaysAgo(90), "data-testid": "teams-from" });
  const to = h("input", { type: "date", value: state.last_day ?? isoDaysAgo(0), "data-testid": "teams-to" });
  const by = h("select", { "data-testid": "teams-by" }, h("option", { value: "week" }, "week"), h("option", { value: "month" }, "month"), h("option", { value: "day" }, "day"));
  const body = h("div", { "data-testid": "teams-body" });
  const path = h("input", { type: "text", placeholder: "/home/me/team-report.csv", size: 48, "data-testid": "teams-export-path" });
  const exported = h("div", { "data-testid": "teams-export-result" });
  const source = `Reading ${state.org ?? "the organisation"} from its ${state.sink ?? ""} sink at ${state.endpoint ?? "?"}.`;
  let current: TeamDashboard | null = null;
  const view = h("div", {});
  // Each change starts a load; only the latest one may draw, so a slower earlier
  // answer (other dates or period) never replaces a newer one.
  let latest = 0;
  const load = async () => {
    const mine = ++latest;
    body.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const d = await api.teamDashboard(from.value, to.value, by.value as TeamPeriod);
      if (mine !== latest) return;
      current = d;
      if (d.trends.teams.length === 0) {
        body.replaceChildren(privacyNote(d), h("p", { class: "empty", "data-testid": "teams-empty" }, `Nothing released from ${d.trends.from} to ${d.trends.to}: no team had ${d.trends.k} or more people contributing to any cell in this range, so nothing can be shown.`));
        return;
      }
      const pngOut = h("div", { "data-testid": "png-result" });
      body.replaceChildren(privacyNote(d), pngOut, ...trendSections(d.trends, pngOut, "trend"));
    } catch (e) {
      if (mine === latest) body.replaceChildren(h("div", { "data-testid": "teams-error" }, h("p", {}, source), errorBox((e as UiError).message)));
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
  const openReport = () => {
    if (!current) return;
    renderReport(root, current, () => root.replaceChildren(view));
  };
  for (const input of [from, to, by]) input.addEventListener("change", () => void load());
  const banner = h("p", { class: "demo-org", "data-testid": "demo-org-banner" }, "DEMO ORGANISATION — generated, not real people ", h("button", { "data-testid": "teams-demo-off", onclick: () => void demoOn(false) }, state.policy && state.admin ? "Back to my organisation" : "Leave the demo"));
  view.append(
    ...(state.demo ? [banner] : []),
    h("div", { class: "controls" }, h("label", {}, "From ", from), h("label", {}, "to ", to), h("label", {}, "by ", by), h("button", { "data-testid": "report-open", onclick: openReport }, "Printable report"), ...(state.demo ? [] : [h("button", { "data-testid": "teams-demo-on", onclick: () => void demoOn(true) }, "Try the demo organisation")])),
    body,
    insightSection(state.demo && state.last_day ? state.last_day : null),
    h("section", {}, h("h3", {}, "Export"), h("div", { class: "form" }, h("label", {}, "Save to ", path, h("button", { type: "button", onclick: choose }, "Choose…"))), h("button", { "data-testid": "teams-export-run", onclick: exportCsv }, "Export team CSV"), exported),
  );
  root.replaceChildren(view);
  await load();
}
