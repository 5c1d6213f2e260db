import { api, type UiError } from "../api";
import { errorBox, h } from "../dom";

/** First run: what is collected, what is kept, what can leave — and nothing until "I agree". */
export async function renderConsent(root: HTMLElement, done: () => void): Promise<void> {
  const c = await api.collection().catch(() => null);
  const org = (await api.privacy().catch(() => null))?.org;
  const result = h("div", { "data-testid": "consent-result" });
  const agree = async () => {
    try {
      const view = await api.agree();
      result.replaceChildren(h("p", { class: "ok" }, view.running ? "Thank you. Collection has started; pause it any time from the tray or the Privacy view." : "Consent recorded. Collection could not start on this desktop: " + (view.last_error ?? view.note ?? "see the Privacy view")));
      setTimeout(done, 1200);
    } catch (e) {
      result.replaceChildren(errorBox((e as UiError).message));
    }
  };
  root.replaceChildren(
    h(
      "section",
      { class: "consent", "data-testid": "consent" },
      h("h2", {}, "Before Tally starts"),
      h("h3", {}, "What Tally looks at, on this computer only"),
      h("ul", {}, h("li", {}, "Which app is in front and its window title, about once a second."), h("li", {}, "Whether you are at the keyboard (idle time), not what you type."), h("li", {}, "Pulse check-ins you choose to write.")),
      h("h3", {}, "What Tally keeps"),
      h("ul", {}, h("li", {}, "Only totals: minutes per 15 minutes by activity category (deep work, meetings, …) and app name, with counts of context switches and of how work felt."), h("li", {}, "Never the titles, web addresses or texts themselves: they are read in memory, names and addresses are removed, and they are dropped."), h("li", {}, "Excluded apps and private or incognito windows are dropped before anything reads them.")),
      h("h3", {}, "What can leave this computer"),
      h(
        "ul",
        {},
        h("li", {}, "Nothing, unless a frontier-model provider is configured and you press Send; then only a de-identified weekly summary, checked again on the way out and listed under Privacy."),
        org?.org
          ? h(
              "li",
              { "data-testid": "consent-org" },
              `Your organisation's policy is active: daily totals per category (no apps, titles or texts) go to ${org.sink === "postgres" ? "its database" : "a shared folder"} under a random id. ` +
                (org.admin_sees_daily_cells
                  ? "In this shared-folder mode the organisation's admin can open every computer's daily totals, yours included."
                  : `Admins see only weekly team figures with noise added, where at least ${org.k} people contribute; the database's operator can read each computer's daily totals under its random id.`),
            )
          : null,
      ),
      h("p", {}, "You can pause, see everything stored, and delete it at any time."),
      c?.note ? h("p", { class: "muted", "data-testid": "session-note" }, c.note) : null,
      c?.consented ? h("p", { class: "ok" }, "You agreed earlier; collection runs unless paused.") : h("button", { "data-testid": "consent-agree", onclick: agree }, "I agree — start collecting"),
      h("button", { onclick: done }, c?.consented ? "Back to the dashboard" : "Not now (nothing is collected)"),
      result,
    ),
  );
}
