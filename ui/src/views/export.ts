import { save } from "@tauri-apps/plugin-dialog";
import { api, type ImportFormat, type ReportPeriod, type UiError } from "../api";
import { errorBox, h } from "../dom";

function isoDaysAgo(days: number): string {
  const d = new Date(Date.now() - days * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function renderExport(root: HTMLElement): void {
  const from = h("input", { type: "date", value: isoDaysAgo(29), "data-testid": "export-from" });
  const to = h("input", { type: "date", value: isoDaysAgo(0), "data-testid": "export-to" });
  const by = h("select", { "data-testid": "export-by" }, h("option", { value: "day" }, "day"), h("option", { value: "week" }, "week"), h("option", { value: "hour" }, "hour"));
  const path = h("input", { type: "text", placeholder: "/home/me/tally-report.csv", size: 48, "data-testid": "export-path" });
  const result = h("div", { "data-testid": "export-result" });
  const choose = async () => {
    const picked = await save({ defaultPath: "tally-report.csv", filters: [{ name: "CSV", extensions: ["csv"] }] });
    if (picked) path.value = picked;
  };
  const run = async () => {
    if (!path.value) {
      result.replaceChildren(errorBox("Choose where to save the report first."));
      return;
    }
    try {
      const rows = await api.exportCsv(path.value, from.value, to.value, by.value as ReportPeriod);
      result.replaceChildren(h("p", { class: "ok" }, `Wrote ${rows} rows to ${path.value}`));
    } catch (e) {
      result.replaceChildren(errorBox((e as UiError).message));
    }
  };
  const importPath = h("input", { type: "text", placeholder: "/home/me/aw-export.json", size: 48, "data-testid": "import-path" });
  const format = h("select", { "data-testid": "import-format" }, h("option", { value: "aw" }, "ActivityWatch export"), h("option", { value: "csv" }, "CSV"), h("option", { value: "jsonl" }, "JSON Lines"));
  const imported = h("div", { "data-testid": "import-result" });
  const runImport = async () => {
    imported.replaceChildren(h("p", { class: "muted" }, "Importing…"));
    try {
      const r = await api.importFile(importPath.value, format.value as ImportFormat);
      imported.replaceChildren(
        h("p", { class: "ok" }, r.already_imported ? "This file was imported before; nothing changed." : `Imported ${r.imported} records, skipped ${r.skipped}${r.replaced > 0 ? ", replacing its earlier partial import" : ""}.`),
        ...r.problems.map((p) => h("p", { class: "error" }, p)),
      );
    } catch (e) {
      imported.replaceChildren(errorBox((e as UiError).message));
    }
  };
  root.replaceChildren(
    h("section", {}, h("h3", {}, "Import"), h("p", {}, "Runs a file through the same anonymize → score → aggregate path as live events; only aggregates are kept, and importing a file twice changes nothing. To fix rejected records, correct the file in place and import it again: it replaces the partial import."), h("div", { class: "form" }, h("label", {}, "File ", importPath), h("label", {}, "Format ", format)), h("button", { "data-testid": "import-run", onclick: runImport }, "Import"), imported),
    h("h3", {}, "Export"),
    h("p", {}, "The CSV report: one row per period, team and category, with active minutes, shares, switches, focus minutes and sentiment."),
    h("div", { class: "form" }, h("label", {}, "From ", from), h("label", {}, "To ", to), h("label", {}, "By ", by), h("label", {}, "Save to ", path, h("button", { type: "button", onclick: choose }, "Choose…"))),
    h("button", { "data-testid": "export-run", onclick: run }, "Export CSV"),
    result,
  );
}
