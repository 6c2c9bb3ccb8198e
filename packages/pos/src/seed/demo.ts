/**
 * The demo store, so the till runs with something to sell the first time it
 * starts: a Norwegian kiosk with two tills, a cashier and a manager, and about
 * thirty products at the four Norwegian VAT rates.
 *
 * Seeding is idempotent and never overwrites: a store whose manager changed a
 * price or a PIN keeps the change when the till starts again.
 */

import { inArray } from 'drizzle-orm'
import { hashPin } from '../cashiers/pin.ts'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { cashier, product, store, till } from '../db/schema.ts'
import { newId } from '../ids.ts'

export const DEMO_STORE = {
  id: 'store_demo',
  name: 'Kasse Demo Butikk',
  msn: '123456',
  currency: 'NOK',
  country: 'NO',
  /** The customer club's rate: one point per 10.00 NOK captured (1000 øre). */
  spendPerPoint: 1000,
} as const

export const DEMO_TILLS = [
  { id: 'till_demo_1', posId: 'till-1', name: 'Kasse 1' },
  { id: 'till_demo_2', posId: 'till-2', name: 'Kasse 2' },
] as const

/** Test credentials: printed at start and in the README, never used outside a demo. */
export const DEMO_CASHIERS = [
  { id: 'csh_demo_kari', staffNumber: '1', name: 'Kari Kasserer', role: 'cashier', pin: '1234' },
  { id: 'csh_demo_martin', staffNumber: '2', name: 'Martin Manager', role: 'manager', pin: '9999' },
] as const

/**
 * The demo catalogue: name, EAN-13 (GS1 Norway and Sweden prefixes, made-up
 * item numbers, valid check digits), gross price in øre, VAT in percent.
 * 15 % food and takeaway, 25 % everything else, 12 % transport and cinema,
 * 0 % newspapers and books. The last item is no longer sold (inactive).
 */
export const DEMO_PRODUCTS: ReadonlyArray<
  readonly [name: string, barcode: string, grossPrice: number, vatPercent: number]
> = [
  ['Tine Helmelk 1 l', '7039610197728', 2590, 15],
  ['Tine Lettmelk 1 l', '7035620853197', 2490, 15],
  ['Kneippbrød 750 g', '7038010094941', 3990, 15],
  ['Grovbrød 750 g', '7090026702395', 4290, 15],
  ['Norvegia 500 g', '7038010479311', 7990, 15],
  ['Gudbrandsdalsost 500 g', '7311041076026', 8990, 15],
  ['Meierismør 500 g', '7311041281406', 4990, 15],
  ['Egg 12 stk', '7038010112652', 5490, 15],
  ['Grandiosa Original', '7035620548109', 5990, 15],
  ['Kvikk Lunsj 47 g', '7038010315442', 2290, 15],
  ['Freia Melkesjokolade 200 g', '7038010722264', 4990, 15],
  ['Coca-Cola 0,5 l', '7035620077470', 3290, 15],
  ['Farris Naturell 0,5 l', '7090026741158', 2890, 15],
  ['Friele Frokostkaffe 250 g', '7038010292606', 6490, 15],
  ['Pølse i brød', '7032069822388', 3900, 15],
  ['Kaffe to go', '7311041081082', 3500, 15],
  ['Skolebolle', '7311041767481', 2900, 15],
  ['Maarud Potetgull 250 g', '7035620064999', 4490, 15],
  ['Batterier AA 4-pk', '7040110061051', 7990, 25],
  ['Tannkrem 75 ml', '7311041174555', 3490, 25],
  ['Toalettpapir 8 rl', '7039610549374', 8990, 25],
  ['Paracet 500 mg 20 tab', '7040110708680', 4590, 25],
  ['Oppvaskmiddel 500 ml', '7038010748301', 3990, 25],
  ['Lighter', '7039610734343', 1990, 25],
  ['Bærepose', '7090026893918', 300, 25],
  ['Paraply', '7040110135073', 14990, 25],
  ['Bussbillett voksen', '7311041748688', 4500, 12],
  ['Kinobillett', '7032069246245', 15500, 12],
  ['Aftenposten', '7039610127701', 4500, 0],
  ['VG', '7311041933374', 4000, 0],
  ['Pocketbok', '7038010739729', 19900, 0],
  ['Julebrus 0,5 l', '7038010811340', 2990, 15],
]

const INACTIVE_DEMO_BARCODES = new Set(['7038010811340'])

let pinHashesOnce: Promise<string[]> | undefined

/**
 * The demo PINs' hashes, made once per process: scrypt is slow on purpose,
 * and tests seed before every test. A salted hash reused across seeds of
 * the same demo gives nothing away that the printed PINs do not.
 */
function demoPinHashes(): Promise<string[]> {
  pinHashesOnce ??= Promise.all(DEMO_CASHIERS.map((c) => hashPin(c.pin)))
  return pinHashesOnce
}

/**
 * Creates the demo store, its tills, cashiers and catalogue where they are
 * missing; leaves everything that exists as it is.
 */
export async function seedDemo(db: Db, clock: Clock): Promise<void> {
  const now = new Date(clock.now())
  // scrypt is slow on purpose: hash the PINs only when a demo cashier is missing (a first start).
  const present = await db
    .select({ id: cashier.id })
    .from(cashier)
    .where(
      inArray(
        cashier.id,
        DEMO_CASHIERS.map((c) => c.id),
      ),
    )
  const pinHashes = present.length < DEMO_CASHIERS.length ? await demoPinHashes() : []
  await db.transaction(async (tx) => {
    await tx
      .insert(store)
      .values({ ...DEMO_STORE, createdAt: now })
      .onConflictDoNothing()
    await tx
      .insert(till)
      .values(DEMO_TILLS.map((t) => ({ ...t, storeId: DEMO_STORE.id, createdAt: now })))
      .onConflictDoNothing()
    if (pinHashes.length > 0) {
      await tx
        .insert(cashier)
        .values(
          DEMO_CASHIERS.map(({ pin: _pin, ...c }, i) => ({
            ...c,
            storeId: DEMO_STORE.id,
            pinHash: pinHashes[i]!,
            createdAt: now,
          })),
        )
        .onConflictDoNothing()
    }
    await tx
      .insert(product)
      .values(
        DEMO_PRODUCTS.map(([name, barcode, grossPrice, vatPercent]) => ({
          id: newId('prd'),
          storeId: DEMO_STORE.id,
          name,
          barcode,
          grossPrice,
          vatRate: vatPercent * 100,
          active: !INACTIVE_DEMO_BARCODES.has(barcode),
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflictDoNothing()
  })
}

/**
 * The demo's store, tills and test credentials as lines to print at start
 * (and to copy into the README).
 */
export function describeDemoSeed(): string {
  return [
    `store   ${DEMO_STORE.name} (MSN ${DEMO_STORE.msn}, ${DEMO_STORE.currency}); tills ${DEMO_TILLS.map((t) => t.posId).join(', ')}`,
    ...DEMO_CASHIERS.map((c) => `${c.role.padEnd(7)} ${c.name}: staff number ${c.staffNumber}, PIN ${c.pin}`),
  ].join('\n')
}
