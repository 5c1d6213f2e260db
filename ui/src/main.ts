// The dashboard window: a header, four views behind hash routes, and nothing else.
import "./style.css";
import { api, type AppStatus } from "./api";
import { h } from "./dom";
import { renderConsent } from "./views/consent";
import { renderDashboard } from "./views/dashboard";
import { renderExport } from "./views/export";
import { renderPrivacy } from "./views/privacy";
import { renderPulse } from "./views/pulse";
import { renderSettings } from "./views/settings";
import { renderTeams } from "./views/teams";

const VIEWS = ["dashboard", "teams", "privacy", "settings", "export", "pulse"] as const;
const ROUTES = [...VIEWS, "consent"] as const;
type View = (typeof ROUTES)[number];

const app = document.getElementById("app")!;
const header = h("header", {});
const main = h("main", {});
app.replaceChildren(header, main);

function current(): View {
  const v = location.hash.replace("#", "") as View;
  return ROUTES.includes(v) ? v : "dashboard";
}

async function drawHeader(status: AppStatus): Promise<void> {
  const parts: (HTMLElement | null)[] = [
    h("h1", {}, "Tally"),
    h("nav", {}, ...VIEWS.map((v) => h("a", { href: `#${v}`, class: v === current() ? "active" : "", "data-testid": `nav-${v}` }, v[0].toUpperCase() + v.slice(1)))),
    status.demo ? h("span", { class: "demo", "data-testid": "demo-banner" }, "DEMO DATA — generated, not yours ", h("button", { onclick: () => void switchDemo(false) }, "Back to my data")) : null,
    h("span", { class: "muted engine", title: status.data_dir }, status.engine),
  ];
  header.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
}

async function switchDemo(demo: boolean): Promise<void> {
  main.replaceChildren(h("p", { class: "muted" }, demo ? "Generating a demo month…" : "Switching…"));
  await api.useDemo(demo);
  await route();
}

async function route(): Promise<void> {
  const status = await api.status();
  await drawHeader(status);
  main.dataset.view = current();
  switch (current()) {
    case "dashboard":
      return renderDashboard(main, () => void switchDemo(true));
    case "teams":
      return renderTeams(main);
    case "privacy":
      return renderPrivacy(main);
    case "settings":
      return renderSettings(main);
    case "export":
      return renderExport(main);
    case "pulse":
      return renderPulse(main);
    case "consent":
      return renderConsent(main, () => { location.hash = "#dashboard"; });
  }
}

window.addEventListener("hashchange", () => void route());
void route();
