/**
 * The store's catalogue: what the till can sell. Cashiers search it and scan
 * from it; managers add and edit products. Prices are gross (VAT included) in
 * the store currency's minor units; rates are hundredths of a percent.
 */
import type { Actor } from '../cashiers/service.ts'
import { requireManager } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { PosError } from '../errors.ts'
import { newId } from '../ids.ts'
import { rateToPercent, VAT_RATES } from '../money/vat.ts'
import { ean13Problem, normaliseScannedCode } from './ean13.ts'
import { CatalogueStore, type Product, type ProductChanges } from './store.ts'

export type { Product } from './store.ts'

export interface ProductInput {
  name: string
  barcode: string
  grossPrice: number
  /** Hundredths of a percent (1500 = 15 %). */
  vatRate: number
  active?: boolean
}

/** The most one product may cost, in minor units: above a single payment's limit it could never be sold. */
export const MAX_GROSS_PRICE = 65_000_000

const COUNTRY_NAMES = { NO: 'Norway', DK: 'Denmark', FI: 'Finland' } as const

export class Catalogue {
  private readonly store: CatalogueStore

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.store = new CatalogueStore(db)
  }

  /** Searches the actor's store by name or barcode prefix; inactive products only if asked. */
  search(actor: Actor, options: { query?: string; includeInactive?: boolean; limit?: number } = {}) {
    return this.store.search(actor.storeId, {
      query: options.query ?? '',
      includeInactive: options.includeInactive ?? false,
      limit: options.limit ?? 50,
    })
  }

  async get(actor: Actor, productId: string): Promise<Product> {
    const found = await this.store.findById(actor.storeId, productId)
    if (!found) throw productNotFound(productId)
    return found
  }

  /** Adds a product (manager only). */
  async add(actor: Actor, input: ProductInput): Promise<Product> {
    requireManager(actor, 'add products')
    const checked = this.check(actor, input)
    const now = new Date(this.clock.now())
    return this.store.insert({
      id: newId('prd'),
      storeId: actor.storeId,
      name: checked.name!,
      barcode: checked.barcode!,
      grossPrice: checked.grossPrice!,
      vatRate: checked.vatRate!,
      active: input.active ?? true,
      createdAt: now,
      updatedAt: now,
    })
  }

  /** Changes some of a product's fields (manager only). Open carts keep the price they were scanned at. */
  async edit(actor: Actor, productId: string, changes: Partial<ProductInput>): Promise<Product> {
    requireManager(actor, 'edit products')
    const updated = await this.store.update(
      actor.storeId,
      productId,
      this.check(actor, changes),
      new Date(this.clock.now()),
    )
    if (!updated) throw productNotFound(productId)
    return updated
  }

  /**
   * The barcode a scanner read, as the catalogue keys it; INVALID_BARCODE if
   * it cannot be an EAN-13 (a misread). The sale looks the product up with its
   * cart, in one statement, and hands it to `sellableScanned`.
   */
  scannedBarcode(scanned: string): string {
    const barcode = normaliseScannedCode(scanned)
    const problem = ean13Problem(barcode)
    if (problem) throw new PosError('INVALID_BARCODE', `The barcode ${problem}`, { field: 'barcode' })
    return barcode
  }

  /** The product found by a scanned barcode, if it may be sold: UNKNOWN_BARCODE if none, PRODUCT_INACTIVE if no longer sold. */
  sellableScanned(found: Product | undefined, barcode: string): Product {
    if (!found)
      throw new PosError('UNKNOWN_BARCODE', `No product has barcode ${barcode}`, { field: 'barcode' })
    return sellable(found, 'barcode')
  }

  /** The product tapped or picked from a search, if it may be sold: PRODUCT_NOT_FOUND, PRODUCT_INACTIVE. */
  sellableChosen(found: Product | undefined, productId: string): Product {
    if (!found) throw productNotFound(productId)
    return sellable(found, 'productId')
  }

  /** Validates what is given of a product; the schema has already checked types and ranges. */
  private check(actor: Actor, input: Partial<ProductInput>): ProductChanges {
    const changes: ProductChanges = {}
    if (input.name !== undefined) {
      const name = input.name.trim().replace(/\s+/g, ' ')
      if (name === '' || name.length > 100) {
        throw new PosError('VALIDATION_FAILED', 'The name must have 1 to 100 characters', { field: 'name' })
      }
      changes.name = name
    }
    if (input.barcode !== undefined) {
      const barcode = input.barcode.trim()
      const problem = ean13Problem(barcode)
      if (problem) {
        throw new PosError('INVALID_BARCODE', `The barcode is not a valid EAN-13: it ${problem}`, {
          field: 'barcode',
        })
      }
      changes.barcode = barcode
    }
    if (input.grossPrice !== undefined) {
      if (
        !Number.isSafeInteger(input.grossPrice) ||
        input.grossPrice < 0 ||
        input.grossPrice > MAX_GROSS_PRICE
      ) {
        throw new PosError(
          'VALIDATION_FAILED',
          `The price must be a whole number of minor units from 0 to ${MAX_GROSS_PRICE}`,
          { field: 'grossPrice' },
        )
      }
      changes.grossPrice = input.grossPrice
    }
    if (input.vatRate !== undefined) {
      const allowed = VAT_RATES[actor.country]
      if (!allowed.includes(input.vatRate)) {
        throw new PosError(
          'INVALID_VAT_RATE',
          `The VAT rate must be one of ${allowed.map((r) => `${rateToPercent(r)} %`).join(', ')} in ${COUNTRY_NAMES[actor.country]}`,
          { field: 'vatRate' },
        )
      }
      changes.vatRate = input.vatRate
    }
    if (input.active !== undefined) changes.active = input.active
    return changes
  }
}

function productNotFound(productId: string): PosError {
  return new PosError('PRODUCT_NOT_FOUND', `There is no product ${productId}`, { field: 'productId' })
}

function sellable(found: Product, field: string): Product {
  if (!found.active) {
    throw new PosError('PRODUCT_INACTIVE', `${found.name} is no longer sold`, { field })
  }
  return found
}
