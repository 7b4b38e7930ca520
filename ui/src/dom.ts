// A tiny DOM builder. Text always goes in as textContent, never as HTML: chat and product
// names come from outside and must stay inert. Catalogue text (`tr(key)`) is remembered on
// the element, so `retranslate` can put it in another language without drawing again.
import { t } from "./i18n";

/** A catalogue string, translated where it is put and again after a language switch. */
export interface Tr {
  readonly tr: string;
  readonly args?: Record<string, unknown>;
}

export function tr(key: string, args?: Record<string, unknown>): Tr {
  return { tr: key, args };
}

function isTr(value: unknown): value is Tr {
  return typeof value === "object" && value !== null && "tr" in value;
}

type Child = Node | string | Tr | null | undefined | false;
type Attrs = Record<string, string | number | boolean | Tr | undefined | ((event: MouseEvent) => void)>;

const I18N = "data-i18n";

function setText(node: Element, name: string, value: string): void {
  if (name === "text") node.textContent = value;
  else if (name === "placeholder" || name === "title") (node as HTMLInputElement)[name] = value;
  else node.setAttribute(name, value);
}

function remember(node: Element, name: string, value: Tr): void {
  const known = JSON.parse(node.getAttribute(I18N) ?? "{}") as Record<string, Tr>;
  known[name] = value;
  node.setAttribute(I18N, JSON.stringify(known));
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      node.addEventListener(name.replace(/^on/, ""), value as EventListener);
    } else if (isTr(value)) {
      setText(node, name, t(value.tr, value.args));
      remember(node, name, value);
    } else if (name === "text") {
      node.textContent = String(value);
    } else if (name === "className") {
      node.className = String(value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (isTr(child)) parent.append(el("span", { text: child }));
    else parent.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replaces the children of `parent`. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Puts every catalogue string under `root` in the current language. */
export function retranslate(root: ParentNode): void {
  for (const node of root.querySelectorAll(`[${I18N}]`)) {
    const known = JSON.parse(node.getAttribute(I18N) ?? "{}") as Record<string, Tr>;
    for (const [name, value] of Object.entries(known)) setText(node, name, t(value.tr, value.args));
  }
}
