/**
 * The shopper's cart, kept in the database under a random token the browser
 * holds in a cookie. Only the token's hash is stored, so a database dump does
 * not let anyone act as a shopper. The cart lives until the order made from
 * it is paid; a payment that fails leaves it as it was.
 */
import { createHash, randomBytes } from 'node:crypto'
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Catalogue, Product } from '../catalogue/service.ts'
import { type Clock, nowDate } from '../clock.ts'
import type { ShopDb } from '../db/database.ts'
import { cart, cartLine, product } from '../db/schema.ts'
import { ShopError } from '../errors.ts'

/** The most of one product a cart holds (the database says so too). */
export const MAX_QUANTITY = 99

export interface CartLine {
  product: Product
  quantity: number
  /** unit price × quantity, øre. */
  grossAmount: number
}

export interface Cart {
  /** The stored id (the token's hash); undefined while the shopper has none. */
  id: string | undefined
  lines: CartLine[]
  goodsAmount: number
  itemCount: number
}

/** A new cart token for the cookie. */
export const newCartToken = (): string => randomBytes(24).toString('base64url')

/** The stored id for a token. */
export const cartIdOf = (token: string): string => createHash('sha256').update(token).digest('base64url')

export class Carts {
  constructor(
    private readonly db: ShopDb,
    private readonly clock: Clock,
    private readonly catalogue: Catalogue,
  ) {}

  /** The cart behind a cookie token (an empty one if there is none). */
  async get(token: string | undefined): Promise<Cart> {
    if (!token) return emptyCart()
    const id = cartIdOf(token)
    const rows = await this.db
      .select({ line: cartLine, product })
      .from(cartLine)
      .innerJoin(product, eq(product.id, cartLine.productId))
      .where(and(eq(cartLine.cartId, id), eq(product.active, true)))
      .orderBy(asc(cartLine.addedAt), asc(product.position))
    const lines = rows.map(({ line, product }) => ({
      product,
      quantity: line.quantity,
      grossAmount: product.unitPrice * line.quantity,
    }))
    return {
      id,
      lines,
      goodsAmount: lines.reduce((sum, line) => sum + line.grossAmount, 0),
      itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
    }
  }

  /** Adds `quantity` of a product (up to the maximum); the cart is made if it is new. */
  async add(token: string, productId: string, quantity: number): Promise<void> {
    checkQuantity(quantity, 1)
    await this.catalogue.get(productId, 'productId')
    const id = cartIdOf(token)
    const now = nowDate(this.clock)
    await this.db.transaction(async (tx) => {
      await tx
        .insert(cart)
        .values({ id, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: cart.id, set: { updatedAt: now } })
      await tx
        .insert(cartLine)
        .values({ cartId: id, productId, quantity, addedAt: now })
        .onConflictDoUpdate({
          target: [cartLine.cartId, cartLine.productId],
          set: { quantity: sql`least(${cartLine.quantity} + ${quantity}, ${MAX_QUANTITY})` },
        })
    })
  }

  /** Sets a line's quantity; 0 removes it. */
  async setQuantity(token: string, productId: string, quantity: number): Promise<void> {
    checkQuantity(quantity, 0)
    const id = cartIdOf(token)
    const where = and(eq(cartLine.cartId, id), eq(cartLine.productId, productId))
    if (quantity === 0) await this.db.delete(cartLine).where(where)
    else await this.db.update(cartLine).set({ quantity }).where(where)
  }

  /** Empties a cart by its stored id (when its order is paid). */
  async clear(id: string): Promise<void> {
    await this.db.delete(cartLine).where(eq(cartLine.cartId, id))
  }
}

function checkQuantity(quantity: number, min: number): void {
  if (!Number.isInteger(quantity) || quantity < min || quantity > MAX_QUANTITY) {
    throw new ShopError('VALIDATION_FAILED', `Antall må være et helt tall fra ${min} til ${MAX_QUANTITY}`, {
      field: 'quantity',
    })
  }
}

const emptyCart = (): Cart => ({ id: undefined, lines: [], goodsAmount: 0, itemCount: 0 })
