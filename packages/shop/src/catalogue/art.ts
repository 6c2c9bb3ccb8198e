/**
 * Product pictures drawn as inline SVG from a small description, so the shop
 * shows real-looking products with no image files and no network. Each kind
 * is a few shapes in the product's two colours.
 */
import { escapeHtml } from '../web/html.ts'

export const ART_KINDS = [
  'mug',
  'coffee',
  'socks',
  'beanie',
  'bottle',
  'tote',
  'board',
  'blanket',
  'candles',
  'chocolate',
  'notebook',
  'tea',
] as const
export type ArtKind = (typeof ART_KINDS)[number]

/** How a product is drawn: its kind and two colours (CSS hex). */
export interface ProductArt {
  kind: ArtKind
  color: string
  accent: string
}

const HEX = /^#[0-9a-fA-F]{6}$/

function shapes(kind: ArtKind, c: string, a: string): string {
  switch (kind) {
    case 'mug':
      return `<rect x="58" y="60" width="74" height="86" rx="10" fill="${c}"/><path d="M132 80h14a18 18 0 0 1 0 36h-14" fill="none" stroke="${c}" stroke-width="10"/><rect x="58" y="72" width="74" height="10" fill="${a}"/><path d="M80 40c-6 8 6 12 0 20M100 36c-6 8 6 12 0 20" stroke="#b9b2a6" stroke-width="4" fill="none" stroke-linecap="round"/>`
    case 'coffee':
      return `<path d="M64 44h72l8 110H56z" fill="${c}"/><path d="M64 44l8-12h56l8 12z" fill="${a}"/><ellipse cx="100" cy="104" rx="16" ry="22" fill="${a}"/><path d="M100 84c-6 12 6 28 0 40" stroke="${c}" stroke-width="3" fill="none"/>`
    case 'socks':
      return `<path d="M70 36h30v70l26 24a16 16 0 0 1-22 24l-36-34z" fill="${c}"/><rect x="70" y="36" width="30" height="14" fill="${a}"/><path d="M104 48h30v64l20 18a15 15 0 0 1-20 22l-30-28z" fill="${a}" opacity=".85"/>`
    case 'beanie':
      return `<path d="M50 130a50 56 0 0 1 100 0z" fill="${c}"/><rect x="46" y="124" width="108" height="22" rx="6" fill="${a}"/><circle cx="100" cy="66" r="14" fill="${a}"/><path d="M70 96h60M66 112h68" stroke="${a}" stroke-width="4" opacity=".6"/>`
    case 'bottle':
      return `<rect x="76" y="30" width="48" height="20" rx="6" fill="${a}"/><rect x="68" y="48" width="64" height="112" rx="16" fill="${c}"/><rect x="68" y="90" width="64" height="24" fill="${a}" opacity=".7"/>`
    case 'tote':
      return `<path d="M78 70v-16a22 22 0 0 1 44 0v16" fill="none" stroke="${a}" stroke-width="7"/><path d="M52 70h96l-8 86H60z" fill="${c}"/><circle cx="100" cy="112" r="16" fill="${a}"/>`
    case 'board':
      return `<rect x="44" y="62" width="96" height="78" rx="14" fill="${c}"/><rect x="140" y="90" width="24" height="18" rx="8" fill="${c}"/><circle cx="154" cy="99" r="4" fill="#fff"/><path d="M58 82c20 4 50-4 70 4M58 104c26-4 48 6 70 0M58 124c22 4 44-4 70 2" stroke="${a}" stroke-width="3" fill="none" opacity=".6"/>`
    case 'blanket':
      return `<rect x="40" y="52" width="120" height="100" rx="8" fill="${c}"/><path d="M40 80h120M40 124h120M76 52v100M124 52v100" stroke="${a}" stroke-width="8"/><path d="M40 152v10M56 152v10M72 152v10M88 152v10M104 152v10M120 152v10M136 152v10M152 152v10" stroke="${a}" stroke-width="3"/>`
    case 'candles':
      return `<rect x="48" y="80" width="20" height="76" rx="3" fill="${c}"/><rect x="78" y="66" width="20" height="90" rx="3" fill="${c}"/><rect x="108" y="72" width="20" height="84" rx="3" fill="${c}"/><rect x="138" y="86" width="20" height="70" rx="3" fill="${c}"/><g fill="${a}"><path d="M58 60c6 8 4 16 0 16s-6-8 0-16z"/><path d="M88 46c6 8 4 16 0 16s-6-8 0-16z"/><path d="M118 52c6 8 4 16 0 16s-6-8 0-16z"/><path d="M148 66c6 8 4 16 0 16s-6-8 0-16z"/></g>`
    case 'chocolate':
      return `<rect x="54" y="40" width="92" height="124" rx="6" fill="${a}"/><g fill="${c}"><rect x="62" y="48" width="36" height="26" rx="3"/><rect x="102" y="48" width="36" height="26" rx="3"/><rect x="62" y="78" width="36" height="26" rx="3"/><rect x="102" y="78" width="36" height="26" rx="3"/></g><rect x="54" y="108" width="92" height="56" rx="4" fill="${c}"/><rect x="64" y="124" width="72" height="12" rx="6" fill="${a}"/>`
    case 'notebook':
      return `<rect x="58" y="38" width="88" height="124" rx="6" fill="${c}"/><rect x="58" y="38" width="14" height="124" fill="${a}"/><rect x="86" y="64" width="46" height="22" rx="3" fill="#fff" opacity=".85"/><rect x="128" y="38" width="8" height="124" fill="${a}" opacity=".7"/>`
    case 'tea':
      return `<rect x="56" y="54" width="88" height="104" rx="8" fill="${c}"/><rect x="56" y="44" width="88" height="18" rx="4" fill="${a}"/><path d="M100 84c18 0 26 14 26 26-16 0-26-10-26-26zM100 84c-18 0-26 14-26 26 16 0 26-10 26-26z" fill="${a}"/><path d="M100 84v48" stroke="${c}" stroke-width="3"/>`
    default: {
      const never: never = kind
      throw new Error(`unhandled art kind ${String(never)}`)
    }
  }
}

/**
 * The product's picture: an `<svg>` with a title for screen readers.
 *
 * @example
 * drawArt({ kind: 'mug', color: '#2f5d62', accent: '#f2c14e' }, 'Kaffekopp')
 */
export function drawArt(art: ProductArt, title: string): string {
  const color = HEX.test(art.color) ? art.color : '#888888'
  const accent = HEX.test(art.accent) ? art.accent : '#cccccc'
  return `<svg class="art" viewBox="0 0 200 200" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg"><rect width="200" height="200" fill="#f6f3ee"/>${shapes(art.kind, color, accent)}</svg>`
}
