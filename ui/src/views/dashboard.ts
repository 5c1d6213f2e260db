import { api, type Dashboard, type Range, type UiError } from "../api";
import { chart, CATEGORY_COLORS } from "../charts";
import { errorBox, fixed, h, percent } from "../dom";
import { previewView } from "./insight";

interface State {
  range: Range;
  to: string | null;
  team: string | null;
}

const state: State = { range: "week", to: null, team: null };

function label(start: string, range: Range): string {
  return range === "day" ? start.slice(11, 16) : start.slice(5, 10);
}

function kpi(title: string, value: string, testid: string, hint?: string): HTMLElement {
  return h("div", { class: "kpi", title: hint }, h("span", { class: "kpi-title" }, title), h("strong", { "data-testid": testid }, value));
}

export async function renderDashboard(root: HTMLElement, onDemo: () => void): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  let d: Dashboard;
  try {
    d = await api.dashboard(state.range, state.to, state.team);
  } catch (e) {
    root.replaceChildren(errorBox((e as UiError).message));
    return;
  }
  const rerender = () => void renderDashboard(root, onDemo);
  const controls = h(
    "div",
    { class: "controls" },
    ...(["day", "week", "month"] as Range[]).map((r) =>
      h("button", { class: r === d.range ? "active" : "", "data-testid": `range-${r}`, onclick: () => { state.range = r; rerender(); } }, r[0].toUpperCase() + r.slice(1)),
    ),
    h("label", {}, "Until ", h("input", { type: "date", value: d.to, "data-testid": "to-date", onchange: (e: Event) => { state.to = (e.target as HTMLInputElement).value || null; rerender(); } })),
    h(
      "label",
      {},
      "Team ",
      h(
        "select",
        { "data-testid": "team", onchange: (e: Event) => { const v = (e.target as HTMLSelectElement).value; state.team = v === "" ? null : v; rerender(); } },
        h("option", { value: "" }, "All teams"),
        ...d.teams.map((t) => h("option", { value: t, selected: t === d.team }, t)),
      ),
    ),
    h("span", { class: "muted" }, `${d.from} to ${d.to} · ${d.time_zone}`),
  );
  if (d.points.length === 0) {
    const latest = await api.latestDate().catch(() => null);
    root.replaceChildren(
      controls,
      h(
        "div",
        { class: "empty", "data-testid": "empty-state" },
        h("h2", {}, "No activity in this range"),
        h("p", {}, "Tally shows trends once it has data. Start the collector from the tray, import an ActivityWatch export with ", h("code", {}, "tally import --format aw FILE"), ", or look around with a generated demo month."),
        latest && latest !== d.to ? h("button", { "data-testid": "jump-latest", onclick: () => { state.to = latest; rerender(); } }, `Show the latest data (${latest})`) : null,
        h("button", { "data-testid": "load-demo", onclick: onDemo }, "Load the demo month"),
      ),
    );
    requestAnimationFrame(() => setTimeout(() => void api.dashboardPainted().catch(() => undefined), 0));
    return;
  }
  const t = d.totals;
  const labels = d.points.map((p) => label(p.start, d.range));
  const byCategory = chart(
    {
      type: "bar",
      data: {
        labels,
        datasets: d.categories
          .map((c, i) => ({ label: c.replace("_", " "), data: d.points.map((p) => p.hours_by_category[i]), backgroundColor: CATEGORY_COLORS[c] }))
          .filter((s) => s.data.some((v) => v > 0)),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "hours" } } } },
    },
    "chart-categories",
  );
  const focus = chart(
    {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: "focus hours", data: d.points.map((p) => p.figures.focus_hours), borderColor: CATEGORY_COLORS.deep_work },
          { label: "meeting hours", data: d.points.map((p) => p.figures.meeting_hours), borderColor: CATEGORY_COLORS.meetings },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    },
    "chart-focus",
  );
  const rhythm = chart(
    {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: "switches per active hour", data: d.points.map((p) => p.figures.switches_per_hour), borderColor: "#3f7cbf", yAxisID: "y" },
          { label: "sentiment (−1 … +1)", data: d.points.map((p) => p.figures.sentiment_mean), borderColor: "#d2557a", yAxisID: "y1" },
          { label: "AI-tool share", data: d.points.map((p) => p.figures.ai_tools_share), borderColor: "#8a63b8", yAxisID: "y1" },
        ],
      },
      options: { scales: { y: { beginAtZero: true }, y1: { position: "right", min: -1, max: 1, grid: { drawOnChartArea: false } } } },
    },
    "chart-rhythm",
  );
  root.replaceChildren(
    controls,
    h(
      "div",
      { class: "kpis" },
      kpi("Active hours", fixed(t.active_hours), "total-active-hours"),
      kpi("Focus hours", fixed(t.focus_hours), "total-focus-hours", `deep work in blocks of ${d.focus_block_minutes} minutes or more`),
      kpi("Meeting hours", fixed(t.meeting_hours), "total-meeting-hours"),
      kpi("AI-tool share", percent(t.ai_tools_share), "total-ai-share"),
      kpi("Switches / hour", fixed(t.switches_per_hour), "total-switches"),
      kpi("Sentiment", t.sentiment_mean === null ? "–" : fixed(t.sentiment_mean), "total-sentiment", `negative ${t.sentiment[0]}, neutral ${t.sentiment[1]}, positive ${t.sentiment[2]}`),
    ),
    h("section", {}, h("h3", {}, "Active hours by category"), byCategory),
    h("div", { class: "two" }, h("section", {}, h("h3", {}, "Focus and meetings"), focus), h("section", {}, h("h3", {}, "Switches, sentiment, AI tools"), rhythm)),
    await insightsPanel(),
  );
  // After the browser has painted the figures: report it once (the paint benchmark reads it).
  requestAnimationFrame(() => setTimeout(() => void api.dashboardPainted().catch(() => undefined), 0));
}

/** The latest insight, and a preview of exactly what would be sent for the last complete week. */
async function insightsPanel(): Promise<HTMLElement> {
  const latest = (await api.ledger().catch(() => [])).find((e) => e.purpose === "insight" && e.outcome === "sent");
  const out = h("div", { "data-testid": "insight-preview" });
  const preview = async () => {
    out.replaceChildren(h("p", { class: "muted" }, "Building the summary…"));
    try {
      const p = await api.insightsPreview(null);
      out.replaceChildren(...previewView(p, "insight", () => api.insightsSend(null), () => null));
    } catch (e) {
      out.replaceChildren(errorBox((e as UiError).message));
    }
  };
  return h(
    "section",
    { class: "insights" },
    h("h3", {}, "Insights from a frontier model"),
    latest ? h("div", {}, h("p", { class: "muted" }, `Latest, ${latest.at} from ${latest.provider}/${latest.model}${Object.keys(latest.response_redactions).length ? " (personal data in it was redacted)" : ""}:`), h("pre", { class: "insight" }, latest.response ?? "")) : h("p", { class: "muted" }, "No insights yet. Nothing leaves this machine until you configure a provider and press Send."),
    h("button", { "data-testid": "insight-preview-button", onclick: preview }, "Preview what would be sent"),
    out,
  );
}
