/** A small element builder: the panel is a handful of lists and tables, not worth a framework of its own. */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  id?: string;
  class?: string;
  title?: string;
  /** `data-*` attributes (keys without the prefix, as in `dataset`). */
  data?: Record<string, string>;
  /** Other attributes, e.g. custom elements' `heading` or `open`; `false` leaves an attribute out. */
  attrs?: Record<string, string | boolean>;
  onClick?: (event: MouseEvent) => void;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.id) el.id = props.id;
  if (props.class) el.className = props.class;
  if (props.title) el.title = props.title;
  for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  if (props.onClick) (el as HTMLElement).addEventListener('click', props.onClick);
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}
