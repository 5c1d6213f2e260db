// An insight request as previewed: the exact bytes, the outbound gate's verdict, Send,
// and the answer. Shared by the dashboard (personal) and the Teams view (organisation).
import type { InsightPreview, LedgerEntry, UiError } from "../api";
import { errorBox, h } from "../dom";

/** The preview's elements; test ids start with `prefix` (`-gate`, `-body`, `-send`, `-answer`, `-text`). */
export function previewView(p: InsightPreview, prefix: string, send: () => Promise<LedgerEntry>, sentNote: (e: LedgerEntry) => string | null): HTMLElement[] {
  const verdict = p.findings.length === 0
    ? h("p", { class: "ok", "data-testid": `${prefix}-gate` }, "Outbound gate: clear — nothing personal detected.")
    : errorBox(`Outbound gate would block: ${p.findings.join("; ")}`);
  const answer = h("div", { "data-testid": `${prefix}-answer` });
  const button = h("button", { disabled: !p.provider || p.findings.length > 0, "data-testid": `${prefix}-send`, onclick: async () => {
    answer.replaceChildren(h("p", { class: "muted" }, "Sending…"));
    try {
      const entry = await send();
      const note = sentNote(entry);
      answer.replaceChildren(...(note ? [h("p", { class: "muted" }, note)] : []), h("pre", { class: "insight", "data-testid": `${prefix}-text` }, entry.response ?? ""));
    } catch (e) {
      answer.replaceChildren(errorBox((e as UiError).message));
    }
  } }, p.provider ? `Send to ${p.provider}` : "Send (configure a provider in Settings first)");
  return [
    h("p", {}, `Week of ${p.week}. ${p.endpoint ? `POST ${p.endpoint}` : "No provider configured: nothing can be sent."} · ${p.body.length} bytes · SHA-256 `, h("code", {}, p.sha256.slice(0, 16))),
    verdict,
    h("details", {}, h("summary", {}, "The exact bytes"), h("pre", { "data-testid": `${prefix}-body` }, p.body)),
    button,
    answer,
  ];
}
