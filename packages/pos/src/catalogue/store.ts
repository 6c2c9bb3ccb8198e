/**
 * The catalogue in the database. Barcodes are unique per store by a
 * constraint, so two managers adding the same barcode at two tills at once
 * cannot both succeed.
 */

import { isUniqueViolation } from '@kasse/storage'
import { and, asc, eq, ilike, like, or, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { product } from '../db/schema.ts'
import { PosError } from '../errors.ts'

export type Product = typeof product.$inferSelect

export type NewProduct = typeof product.$inferInsert

export type ProductChanges = Partial<Pick<Product, 'name' | 'barcode' | 'grossPrice' | 'vatRate' | 'active'>>

/** `text` for a LIKE pattern, matching itself only (no wildcards of its own). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

export class CatalogueStore {
  constructor(private readonly db: Db) {}

  /**
   * Products whose name contains `query` (any case) or whose barcode starts
   * with it; an exact barcode first, then by name.
   */
  async search(
    storeId: string,
    options: { query: string; includeInactive: boolean; limit: number },
  ): Promise<Product[]> {
    const conditions: SQL[] = [eq(product.storeId, storeId)]
    if (!options.includeInactive) conditions.push(eq(product.active, true))
    const query = options.query.trim()
    if (query !== '') {
      const byName = ilike(product.name, `%${escapeLike(query)}%`)
      conditions.push(/^[0-9]+$/.test(query) ? or(byName, like(product.barcode, `${query}%`))! : byName)
    }
    return this.db
      .select()
      .from(product)
      .where(and(...conditions))
      .orderBy(sql`${product.barcode} = ${query} DESC`, asc(sql`lower(${product.name})`), asc(product.id))
      .limit(options.limit)
  }

  async findById(storeId: string, id: string): Promise<Product | undefined> {
    const [row] = await this.db
      .select()
      .from(product)
      .where(and(eq(product.storeId, storeId), eq(product.id, id)))
    return row
  }

  /** Adds a product; DUPLICATE_BARCODE if the store already has its barcode. */
  async insert(row: NewProduct): Promise<Product> {
    try {
      const [inserted] = await this.db.insert(product).values(row).returning()
      return inserted!
    } catch (error) {
      throw duplicateBarcodeOr(error, row.barcode)
    }
  }

  /** Changes a product; undefined if there is no such product in the store. */
  async update(
    storeId: string,
    id: string,
    changes: ProductChanges,
    now: Date,
  ): Promise<Product | undefined> {
    try {
      const [updated] = await this.db
        .update(product)
        .set({ ...changes, updatedAt: now })
        .where(and(eq(product.storeId, storeId), eq(product.id, id)))
        .returning()
      return updated
    } catch (error) {
      throw duplicateBarcodeOr(error, changes.barcode)
    }
  }
}

function duplicateBarcodeOr(error: unknown, barcode: string | undefined): unknown {
  if (isUniqueViolation(error, 'product_barcode_unique')) {
    return new PosError('DUPLICATE_BARCODE', `Another product already has barcode ${barcode}`, {
      field: 'barcode',
    })
  }
  return error
}
