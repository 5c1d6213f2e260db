// Small DOM helpers: build elements without innerHTML, so no engine string is ever parsed as HTML.

type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** A locale WebKit accepts: with LANG=C it reports "C", which Intl rejects. */
export const locale: string = (() => {
  try {
    new Intl.NumberFormat(navigator.language);
    return navigator.language;
  } catch {
    return "en-US";
  }
})();

export function fixed(value: number, digits = 2): string {
  return value.toFixed(digits);
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

export function table(columns: string[], rows: (string | Node)[][], testid?: string): HTMLTableElement {
  return h(
    "table",
    { "data-testid": testid },
    h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", {}, c)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
  );
}

export function errorBox(message: string): HTMLElement {
  return h("p", { class: "error", role: "alert" }, message);
}
