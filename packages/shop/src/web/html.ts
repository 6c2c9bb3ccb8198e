/**
 * HTML by tagged template: every interpolated value is escaped unless it is
 * already `Html` (made by this tag or `raw`), so a product name or an address
 * can never become markup.
 *
 * @example
 * html`<p>${name}</p>`                       // escapes name
 * html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[]

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text made safe for HTML content and quoted attributes. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

function render(part: Part): string {
  if (part instanceof Html) return part.value
  if (part === null || part === undefined || part === false || part === true) return ''
  if (Array.isArray(part)) return part.map(render).join('')
  return escapeHtml(String(part))
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!
  return new Html(out)
}

/** Markup the code itself wrote (an SVG drawing), passed through as it is. */
export const raw = (markup: string): Html => new Html(markup)
