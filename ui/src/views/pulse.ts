import { api, type UiError } from "../api";
import { errorBox, h } from "../dom";

/** "How is work going?" — free text plus an optional mood; only its sentiment is kept. */
export function renderPulse(root: HTMLElement): void {
  const text = h("textarea", { rows: 4, cols: 44, placeholder: "A sentence or two", "data-testid": "pulse-text" });
  let mood: number | null = null;
  const moods = h(
    "div",
    { class: "moods" },
    ...[1, 2, 3, 4, 5].map((m) =>
      h("button", { type: "button", "data-testid": `pulse-mood-${m}`, onclick: (e: Event) => { mood = mood === m ? null : m; moods.querySelectorAll("button").forEach((b) => b.classList.remove("active")); if (mood !== null) (e.target as HTMLElement).classList.add("active"); } }, ["😞", "🙁", "😐", "🙂", "😀"][m - 1]),
    ),
  );
  const result = h("div", { "data-testid": "pulse-result" });
  const send = async () => {
    try {
      const outcome = await api.pulse(text.value, mood);
      text.value = "";
      result.replaceChildren(h("p", { class: "ok" }, `Thanks — recorded as ${outcome.sentiment}. The text itself was not kept.`));
    } catch (e) {
      result.replaceChildren(errorBox((e as UiError).message));
    }
  };
  root.replaceChildren(
    h("section", { class: "pulse" }, h("h2", {}, "How is work going?"), h("p", { class: "muted" }, "Only the mood of what you write is kept, as a count; the words are read on this computer and dropped."), text, h("p", {}, "Mood (optional) ", moods), h("button", { "data-testid": "pulse-send", onclick: send }, "Send check-in"), result),
  );
}
