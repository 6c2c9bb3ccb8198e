/**
 * The demo catalogue: twelve products a Norwegian interior and coffee shop
 * might sell, at standard VAT (25 %) or the food rate (15 %). Seeding inserts
 * what is missing and leaves existing products alone, so a restart keeps the
 * manager's edits.
 */
import type { Clock } from '../clock.ts'
import { nowDate } from '../clock.ts'
import type { ShopDb } from '../db/database.ts'
import { product } from '../db/schema.ts'
import type { ProductArt } from './art.ts'

export interface DemoProduct {
  id: string
  sku: string
  name: string
  description: string
  category: string
  unitPrice: number
  vatRate: number
  art: ProductArt
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  {
    id: 'kaffekopp-steintoy',
    sku: '7090001000011',
    name: 'Kaffekopp i steintøy',
    description: 'Dreid for hånd i Hedmarken. Rommer 3 dl og tåler oppvaskmaskin.',
    category: 'Kjøkken',
    unitPrice: 19_900,
    vatRate: 2500,
    art: { kind: 'mug', color: '#2f5d62', accent: '#f2c14e' },
  },
  {
    id: 'kaffebonner-500',
    sku: '7090001000028',
    name: 'Kaffebønner, lys brent 500 g',
    description: 'Etiopia Yirgacheffe fra et lite brenneri i Bergen. Fruktig og lett.',
    category: 'Mat og drikke',
    unitPrice: 14_900,
    vatRate: 1500,
    art: { kind: 'coffee', color: '#7b4b2a', accent: '#e8d5b5' },
  },
  {
    id: 'ullsokker',
    sku: '7090001000035',
    name: 'Ullsokker, 2-pakk',
    description: 'Myk merinoull som holder føttene varme på hytta.',
    category: 'Tekstil',
    unitPrice: 24_900,
    vatRate: 2500,
    art: { kind: 'socks', color: '#b23a48', accent: '#f4e9dc' },
  },
  {
    id: 'strikkelue',
    sku: '7090001000042',
    name: 'Strikkelue med dusk',
    description: 'Klassisk lue i norsk ull, strikket i Setesdal.',
    category: 'Tekstil',
    unitPrice: 29_900,
    vatRate: 2500,
    art: { kind: 'beanie', color: '#1d3557', accent: '#e63946' },
  },
  {
    id: 'termoflaske',
    sku: '7090001000059',
    name: 'Termoflaske 0,75 l',
    description: 'Holder kaffen varm en hel skitur. Rustfritt stål.',
    category: 'Tur',
    unitPrice: 34_900,
    vatRate: 2500,
    art: { kind: 'bottle', color: '#3a7d44', accent: '#dfe8d8' },
  },
  {
    id: 'handlenett',
    sku: '7090001000066',
    name: 'Handlenett i økologisk bomull',
    description: 'Solid nett som tåler en full handletur.',
    category: 'Tekstil',
    unitPrice: 12_900,
    vatRate: 2500,
    art: { kind: 'tote', color: '#e9dcc3', accent: '#c8553d' },
  },
  {
    id: 'skjaerefjol-eik',
    sku: '7090001000073',
    name: 'Skjærefjøl i eik',
    description: 'Stor fjøl i massiv eik med håndtak, oljet med matolje.',
    category: 'Kjøkken',
    unitPrice: 44_900,
    vatRate: 2500,
    art: { kind: 'board', color: '#c89f6a', accent: '#8a6a43' },
  },
  {
    id: 'ullpledd',
    sku: '7090001000080',
    name: 'Ullpledd, rutete',
    description: 'Stort pledd i lammeull, 130 × 180 cm. Vevd i Norge.',
    category: 'Tekstil',
    unitPrice: 89_900,
    vatRate: 2500,
    art: { kind: 'blanket', color: '#6d597a', accent: '#e5d3b3' },
  },
  {
    id: 'stearinlys',
    sku: '7090001000097',
    name: 'Stearinlys, 4-pakk',
    description: 'Drypp-frie lys som brenner i åtte timer.',
    category: 'Interiør',
    unitPrice: 9_900,
    vatRate: 2500,
    art: { kind: 'candles', color: '#f1e9da', accent: '#f4a259' },
  },
  {
    id: 'melkesjokolade',
    sku: '7090001000103',
    name: 'Melkesjokolade 200 g',
    description: 'Kremet melkesjokolade med havsalt fra Lofoten.',
    category: 'Mat og drikke',
    unitPrice: 5_900,
    vatRate: 1500,
    art: { kind: 'chocolate', color: '#5b3a29', accent: '#d7263d' },
  },
  {
    id: 'notatbok-a5',
    sku: '7090001000110',
    name: 'Notatbok A5, linjert',
    description: 'Sydd rygg, 192 sider syrefritt papir.',
    category: 'Papir',
    unitPrice: 16_900,
    vatRate: 2500,
    art: { kind: 'notebook', color: '#264653', accent: '#e9c46a' },
  },
  {
    id: 'earl-grey-100',
    sku: '7090001000127',
    name: 'Te, Earl Grey 100 g',
    description: 'Løsvekt svart te med bergamott, i gjenbrukbar boks.',
    category: 'Mat og drikke',
    unitPrice: 8_900,
    vatRate: 1500,
    art: { kind: 'tea', color: '#355070', accent: '#eaac8b' },
  },
]

/** Inserts the demo products that are missing; returns how many it added. */
export async function seedCatalogue(db: ShopDb, clock: Clock): Promise<number> {
  const rows = DEMO_PRODUCTS.map((p, position) => ({ ...p, position, createdAt: nowDate(clock) }))
  const added = await db.insert(product).values(rows).onConflictDoNothing().returning({ id: product.id })
  return added.length
}
