/** Small DOM helpers: lookups that fail loudly, and element building. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page: no element #${id}`);
  return e as T;
}

export function within<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const e = root.querySelector(selector);
  if (!e) throw new Error(`page: no element ${selector}`);
  return e as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** A form control's value by name. */
export function field(form: HTMLFormElement, name: string): string {
  const c = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | RadioNodeList | null;
  if (!c) throw new Error(`page: form #${form.id} has no control '${name}'`);
  return c.value;
}

export const num = (form: HTMLFormElement, name: string): number => Number(field(form, name));

/** Show a message in a status line; errors in red. */
export function say(target: HTMLElement, text: string, error = false): void {
  target.textContent = text;
  target.classList.toggle('error', error);
}

/** Keep an <output> showing a range input's value. */
export function linkOutput(form: HTMLFormElement, input: string, output: string, format: (v: number) => string): void {
  const i = form.elements.namedItem(input) as HTMLInputElement;
  const o = form.elements.namedItem(output) as HTMLOutputElement;
  const show = (): void => void (o.value = format(Number(i.value)));
  i.addEventListener('input', show);
  show();
}
