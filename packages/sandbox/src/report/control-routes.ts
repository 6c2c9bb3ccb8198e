/**
 * The control API for settlement (`/_sandbox/...`): a merchant's ledgers with
 * every entry, the balances and the payouts with where their money is, for
 * people and tests; the fee model per merchant; and the page size, which tests
 * lower to page through a handful of entries.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { MAX_FIXED_MINOR_UNITS, MAX_PERCENT_BASIS_POINTS } from './fees.ts'
import { payoutWhereabouts } from './machine.ts'
import { entryTime, type ReportService } from './service.ts'
import type { PayoutRecord } from './store.ts'

const MsnParams = Type.Object({ msn: Type.String({ pattern: '^[0-9]{4,6}$' }) })
type MsnParams = typeof MsnParams.static

const FeeBody = Type.Object({
  /** Percentage of each capture in basis points: 199 = 1.99 %. */
  percentBasisPoints: Type.Integer({ minimum: 0, maximum: MAX_PERCENT_BASIS_POINTS }),
  /** Fixed minor units per capture. */
  fixedMinorUnits: Type.Integer({ minimum: 0, maximum: MAX_FIXED_MINOR_UNITS }),
})
type FeeBody = typeof FeeBody.static

const SettingsBody = Type.Object({
  /** Rows per page of ledgers, date reports and feeds (the platform's is 1000). */
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
})

const payoutView = (payout: PayoutRecord) => ({
  payoutNumber: payout.payoutNumber,
  pspReference: payout.pspReference,
  ledgerDate: payout.ledgerDate,
  amount: payout.amount,
  currency: payout.currency,
  scheduledAt: entryTime(payout.scheduledAt),
  payoutDate: payout.payoutDate,
  state: payout.state,
  whereabouts: payoutWhereabouts(payout.state),
  ...(payout.paidAt === undefined ? {} : { paidAt: entryTime(payout.paidAt) }),
})

/** Registers the settlement control routes, acting through `service`. */
export function reportControlRoutes(app: FastifyInstance, service: ReportService): void {
  app.get('/_sandbox/ledgers/:msn', { schema: { params: MsnParams } }, async function showLedgers(request) {
    const { msn } = request.params as MsnParams
    const { records, payouts } = service.ledgersOf(msn)
    return {
      msn,
      feeModel: service.feeModel(msn),
      ledgers: records.map((record) => ({
        ...record.ledger,
        timeZone: record.market.timeZone,
        country: record.market.country,
        dates: Object.fromEntries(record.dates),
        funds: { balance: record.books.funds.balance, entries: record.books.funds.entries },
        fees: { balance: record.books.fees.balance, entries: record.books.fees.entries },
        payouts: (payouts.get(record.ledger.ledgerId) ?? []).map(payoutView),
      })),
    }
  })

  app.get(
    '/_sandbox/merchants/:msn/fees',
    { schema: { params: MsnParams } },
    async function showFees(request) {
      const { msn } = request.params as MsnParams
      service.merchantOrNotFound(msn)
      return service.feeModel(msn)
    },
  )

  app.put(
    '/_sandbox/merchants/:msn/fees',
    { schema: { params: MsnParams, body: FeeBody } },
    async function setFees(request) {
      const { msn } = request.params as MsnParams
      return service.setFeeModel(msn, request.body as FeeBody)
    },
  )

  app.get('/_sandbox/report/settings', async () => ({ pageSize: service.pageSize }))

  app.patch('/_sandbox/report/settings', { schema: { body: SettingsBody } }, async (request) => {
    const { pageSize } = (request.body ?? {}) as typeof SettingsBody.static
    if (pageSize !== undefined) service.pageSize = pageSize
    return { pageSize: service.pageSize }
  })
}
