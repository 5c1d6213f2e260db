import { api, type RuleEdit, type Settings, type UiError } from "../api";
import { errorBox, h } from "../dom";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** Shows an engine error next to the field it names; nothing else changes. */
function showError(form: HTMLElement, e: UiError): void {
  form.querySelectorAll(".field-error").forEach((n) => n.remove());
  const target = e.field ? form.querySelector(`[data-field="${CSS.escape(e.field)}"]`) ?? form.querySelector(`[data-field="${CSS.escape(e.field.split(".").slice(0, 2).join("."))}"]`) : null;
  const note = h("span", { class: "field-error error", role: "alert", "data-testid": "field-error", "data-for": e.field ?? "" }, e.message);
  (target ?? form).append(note);
}

function ruleRow(rule: RuleEdit, i: number, categories: string[], remove: () => void): HTMLElement {
  const input = (key: "app" | "title" | "url", placeholder: string) =>
    h("input", { value: rule[key], placeholder, "data-testid": `rule-${i}-${key}`, oninput: (e: Event) => { rule[key] = (e.target as HTMLInputElement).value; } });
  return h(
    "div",
    { class: "rule", "data-field": `rules.${i}` },
    h("select", { "data-testid": `rule-${i}-category`, onchange: (e: Event) => { rule.category = (e.target as HTMLSelectElement).value; } }, ...categories.map((c) => h("option", { value: c, selected: c === rule.category }, c))),
    h("span", { "data-field": `rules.${i}.app` }, input("app", "app regex")),
    h("span", { "data-field": `rules.${i}.title` }, input("title", "title regex")),
    h("span", { "data-field": `rules.${i}.url` }, input("url", "url regex")),
    h("input", { type: "number", value: rule.priority ?? "", placeholder: "priority", class: "narrow", oninput: (e: Event) => { const v = (e.target as HTMLInputElement).value; rule.priority = v === "" ? null : Number(v); } }),
    h("button", { type: "button", onclick: remove, title: "Remove this rule" }, "✕"),
  );
}

export async function renderSettings(root: HTMLElement): Promise<void> {
  let s: Settings;
  try {
    s = await api.settings();
  } catch (e) {
    root.replaceChildren(errorBox((e as UiError).message));
    return;
  }
  const rules = s.rules.map((r) => ({ ...r }));
  const team = h("input", { value: s.team, placeholder: "local", "data-testid": "team-label" });
  const tz = h("input", { value: s.timezone, placeholder: "the machine's", "data-testid": "timezone" });
  const start = h("input", { type: "time", value: s.working_hours.start, "data-testid": "hours-start" });
  const end = h("input", { type: "time", value: s.working_hours.end, "data-testid": "hours-end" });
  const idle = h("input", { type: "number", min: 0.5, max: 1440, step: 0.5, value: s.idle_timeout_minutes, class: "narrow", "data-testid": "idle-timeout" });
  const retention = h("input", { type: "number", min: 1, max: 3650, value: s.retention_days ?? "", placeholder: "forever", class: "narrow", "data-testid": "retention" });
  const autostart = h("input", { type: "checkbox", "data-testid": "autostart" });
  api.autostart(null).then((on) => { autostart.checked = on; }).catch(() => { autostart.disabled = true; });
  autostart.addEventListener("change", () => void api.autostart(autostart.checked).catch((e: UiError) => { autostart.checked = !autostart.checked; showError(form, e); }));
  const days = DAYS.map((d) => h("input", { type: "checkbox", value: d, checked: s.working_hours.days.includes(d) }));
  const rulesBox = h("div", { "data-testid": "rules" });
  const drawRules = () => rulesBox.replaceChildren(...rules.map((r, i) => ruleRow(r, i, s.categories, () => { rules.splice(i, 1); drawRules(); })));
  drawRules();
  const status = h("div", { "data-testid": "settings-status" });
  const form = h(
    "form",
    { class: "form", onsubmit: async (e: Event) => {
      e.preventDefault();
      status.replaceChildren();
      try {
        await api.saveSettings({ team: team.value, timezone: tz.value, working_hours: { start: start.value, end: end.value, days: days.filter((d) => d.checked).map((d) => d.value) }, idle_timeout_minutes: Number(idle.value), retention_days: retention.value === "" ? null : Number(retention.value), rules });
        form.querySelectorAll(".field-error").forEach((n) => n.remove());
        status.replaceChildren(h("p", { class: "ok" }, "Saved. The dashboard uses the new rules for data collected from now on."));
      } catch (err) {
        showError(form, err as UiError);
      }
    } },
    h("h3", {}, "General"),
    h("label", { "data-field": "team" }, "Team label ", team),
    h("label", { "data-field": "timezone" }, "Time zone (IANA) ", tz),
    h("div", { "data-field": "working_hours" }, h("span", { "data-field": "working_hours.start" }, "Working hours ", start), h("span", { "data-field": "working_hours.end" }, " to ", end), h("span", { "data-field": "working_hours.days" }, " on ", ...DAYS.map((d, i) => h("label", { class: "day" }, days[i], d)))),
    h("label", { "data-field": "collect.idle_timeout_minutes" }, "Idle after ", idle, " minutes without input"),
    h("label", { "data-field": "retention_days" }, "Keep aggregates for ", retention, " days (empty: keep everything)"),
    h("label", { "data-field": "autostart" }, autostart, " Start Tally when I log in"),
    h("h3", {}, "Category rules"),
    h("p", { class: "muted" }, "ActivityWatch-style: regular expressions on app, title and URL (case-insensitive); all given must match; the highest priority wins (yours default to 100, built-ins are 10)."),
    rulesBox,
    h("button", { type: "button", "data-testid": "rule-add", onclick: () => { rules.push({ category: s.categories[0], app: "", title: "", url: "", priority: 100 }); drawRules(); } }, "Add a rule"),
    h("p", {}, h("button", { type: "submit", "data-testid": "settings-save" }, "Save settings")),
    status,
  );
  root.replaceChildren(form, providerForm(s), h("p", { class: "muted" }, `Settings live in ${s.config_path}. API keys never do: they go to the OS keyring.`));
}

function providerForm(s: Settings): HTMLElement {
  const name = h("input", { value: s.providers[0]?.name ?? "", placeholder: "openai", "data-testid": "provider-name" });
  const kind = h("select", { "data-testid": "provider-kind" }, ...["openai", "azure-openai", "anthropic"].map((k) => h("option", { value: k, selected: k === s.providers[0]?.kind }, k)));
  const url = h("input", { value: s.providers[0]?.base_url ?? "https://api.openai.com/v1", size: 40, "data-testid": "provider-url" });
  const model = h("input", { value: s.providers[0]?.model ?? "", placeholder: "gpt-4o-mini", "data-testid": "provider-model" });
  const key = h("input", { type: "password", placeholder: "leave empty to keep the stored key", autocomplete: "off", "data-testid": "provider-key" });
  const status = h("div", { "data-testid": "provider-status" });
  const list = h("ul", {}, ...s.providers.map((p) => h("li", {}, `${p.name}${p.is_default ? " (default)" : ""} — ${p.kind}, ${p.model} at ${p.base_url}; key ${p.has_key ? "in the keyring" : "not set"} `, p.has_key ? h("button", { type: "button", onclick: async () => { await api.deleteProviderKey(p.name); status.replaceChildren(h("p", { class: "ok" }, `Key for ${p.name} deleted from the keyring.`)); } }, "Delete key") : null)));
  const form = h(
    "form",
    { class: "form", onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        await api.saveProvider({ name: name.value, kind: kind.value, base_url: url.value, model: model.value, max_tokens: null, timeout_secs: null, key: key.value || null, make_default: true });
        key.value = "";
        form.querySelectorAll(".field-error").forEach((n) => n.remove());
        status.replaceChildren(h("p", { class: "ok" }, `Provider ${name.value} saved${key.value ? "" : ""}.`));
      } catch (err) {
        showError(form, err as UiError);
      }
    } },
    h("h3", {}, "Frontier-model provider (optional)"),
    h("p", { class: "muted" }, "Only a de-identified weekly summary is ever sent, only when you press Send, after the outbound gate checks it; every send is listed under Privacy."),
    list,
    h("label", { "data-field": "provider.name" }, "Name ", name),
    h("label", { "data-field": "provider.kind" }, "Kind ", kind),
    h("label", { "data-field": "provider.base_url" }, "Base URL ", url),
    h("label", { "data-field": "provider.model" }, "Model ", model),
    h("label", { "data-field": "provider.key" }, "API key ", key),
    h("button", { type: "submit", "data-testid": "provider-save" }, "Save provider"),
    status,
  );
  return form;
}
