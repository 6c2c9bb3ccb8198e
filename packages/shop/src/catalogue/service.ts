/** The products on sale: the front page's grid and each product's page. */
import { and, asc, eq } from 'drizzle-orm'
import type { ShopDb } from '../db/database.ts'
import { type ProductRow, product } from '../db/schema.ts'
import { ShopError } from '../errors.ts'

export type Product = ProductRow

export class Catalogue {
  constructor(private readonly db: ShopDb) {}

  /** Every active product, in the shop's order. */
  list(): Promise<Product[]> {
    return this.db.select().from(product).where(eq(product.active, true)).orderBy(asc(product.position))
  }

  /** An active product, or PRODUCT_NOT_FOUND naming `field`. */
  async get(id: string, field = 'product'): Promise<Product> {
    const [found] = await this.db
      .select()
      .from(product)
      .where(and(eq(product.id, id), eq(product.active, true)))
    if (!found) throw new ShopError('PRODUCT_NOT_FOUND', 'Vi finner ikke denne varen', { field })
    return found
  }
}
