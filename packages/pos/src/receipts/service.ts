/** The printable receipt of a paid sale and the return receipt of a refund. */
import { eq } from 'drizzle-orm'
import type { Actor } from '../cashiers/service.ts'
import type { Db } from '../db/database.ts'
import { store } from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { STORE_TIME_ZONES } from '../journal/local-time.ts'
import type { Refunds } from '../refunds/service.ts'
import { capturedAttemptOf } from '../refunds/store.ts'
import type { Sale, Sales } from '../sales/service.ts'
import { type ReceiptDocument, type ReceiptStore, receiptHtml, type VatLine } from './html.ts'

export class Receipts {
  constructor(
    private readonly db: Db,
    private readonly sales: Sales,
    private readonly refunds: Refunds,
  ) {}

  /** The receipt of a paid sale of the actor's store. */
  async saleReceipt(actor: Actor, saleId: string): Promise<string> {
    const { sale, attempt, shop } = await this.paidSale(actor, saleId)
    return receiptHtml({
      kind: 'sale',
      store: shop,
      posId: sale.posId,
      receiptNumber: sale.receiptNumber!,
      at: sale.closedAt ?? sale.updatedAt,
      currency: sale.currency,
      lines: sale.lines.map((line) => ({
        name: line.name,
        quantity: line.quantity,
        unitPrice: line.unitPrice,
        discountAmount: line.price.discountAmount,
        grossAmount: line.price.grossAmount,
        vatRate: line.vatRate,
      })),
      total: sale.totals.grossAmount,
      vat: sale.totals.vatBreakdown,
      payment: {
        reference: attempt.reference,
        pspReference: attempt.pspReference,
        amount: attempt.capturedAmount,
      },
    })
  }

  /** The return receipt of a completed refund. */
  async returnReceipt(actor: Actor, saleId: string, refundId: string): Promise<string> {
    const { sale, attempt, shop } = await this.paidSale(actor, saleId)
    const refund = await this.refunds.get(actor, saleId, refundId)
    if (refund.state !== 'refunded' || refund.receiptNumber === null) {
      throw new PosError('SALE_NOT_PAID', 'The refund is not completed, so it has no return receipt yet')
    }
    const vat = new Map<number, VatLine>()
    const lines: ReceiptDocument['lines'] = []
    for (const refunded of refund.lines) {
      const line = sale.lines.find((l) => l.id === refunded.saleLineId)!
      lines.push({
        name: line.name,
        quantity: refunded.quantity,
        unitPrice: line.unitPrice,
        discountAmount: 0,
        grossAmount: refunded.grossAmount,
        vatRate: line.vatRate,
      })
      const entry = vat.get(line.vatRate) ?? {
        vatRate: line.vatRate,
        grossAmount: 0,
        vatAmount: 0,
        netAmount: 0,
      }
      entry.grossAmount += refunded.grossAmount
      entry.vatAmount += refunded.vatAmount
      entry.netAmount += refunded.netAmount
      vat.set(line.vatRate, entry)
    }
    return receiptHtml({
      kind: 'return',
      store: shop,
      posId: sale.posId,
      receiptNumber: refund.receiptNumber,
      originalReceiptNumber: sale.receiptNumber!,
      at: refund.updatedAt,
      currency: refund.currency,
      lines,
      total: refund.amount,
      vat: [...vat.values()].sort((a, b) => b.vatRate - a.vatRate),
      payment: { reference: attempt.reference, pspReference: attempt.pspReference, amount: refund.amount },
    })
  }

  private async paidSale(actor: Actor, saleId: string) {
    const sale: Sale | undefined = await this.sales.load(saleId).catch(() => undefined)
    if (!sale || sale.storeId !== actor.storeId) {
      throw new PosError('SALE_NOT_FOUND', `There is no sale ${saleId} in this store`, { field: 'saleId' })
    }
    const attempt = sale.state === 'paid' ? await capturedAttemptOf(this.db, saleId) : undefined
    if (!attempt) throw new PosError('SALE_NOT_PAID', 'A receipt is printed once the sale is paid')
    const [row] = await this.db.select().from(store).where(eq(store.id, sale.storeId))
    const shop: ReceiptStore = { name: row!.name, msn: row!.msn, timeZone: STORE_TIME_ZONES[row!.country] }
    return { sale, attempt, shop }
  }
}
