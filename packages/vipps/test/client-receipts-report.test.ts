/**
 * Order Management receipts and the Report API, against a scripted platform
 * whose answers are checked against the schemas the sandbox will serve.
 */
import { describe, expect, it } from 'vitest'
import {
  type LedgerEntry,
  LedgerList,
  OrderWithReceipt,
  type Receipt,
  ReportFeedPage,
  ReportPage,
  VippsApiError,
} from '../src/index.ts'
import { FakePlatform, FakeTime, fakeClient, json, problem } from './helpers/fake-platform.ts'

const receipt: Receipt = {
  orderLines: [
    {
      name: 'Kaffe, stor',
      id: 'sku-1001',
      totalAmount: 4990,
      totalAmountExcludingTax: 4437,
      totalTaxAmount: 553,
      taxRate: 1500,
      unitInfo: { unitPrice: 4990, quantity: '1', quantityUnit: 'PCS' },
    },
  ],
  bottomLine: { currency: 'NOK', posId: 'till-1', receiptNumber: '000123' },
}
const RECEIPT_PATH = '/order-management/v2/ECOM/receipts/till1-000123'

describe('receipts', () => {
  it('sends the receipt once and reports a second send as already there', async () => {
    const platform = new FakePlatform().on('POST', RECEIPT_PATH, (_request, nth) =>
      nth === 0
        ? new Response(JSON.stringify('16328cb8-d769-4c53-90ad-e19777823f0a'), { status: 201 })
        : json(409, {
            title: 'Conflict',
            detail: 'Receipt already exists',
            instance: '00-616e415f5af7584eb4d9369d0fe8d7cc-48b90041faff204c-00',
          }),
    )
    const client = fakeClient(platform)
    expect(await client.orderManagement.sendReceipt('till1-000123', receipt)).toBe('created')
    expect(await client.orderManagement.sendReceipt('till1-000123', receipt)).toBe('already-exists')
    const [first] = platform.calls('POST', RECEIPT_PATH)
    expect(first!.json()).toEqual(receipt)
    expect(first!.headers.get('merchant-serial-number')).toBe('123456')
  })

  it('retries a receipt after a 503; the immutable receipt cannot be added twice', async () => {
    const platform = new FakePlatform().on('POST', RECEIPT_PATH, (_request, nth) =>
      nth === 0 ? problem(503, 'Service Unavailable') : new Response(null, { status: 201 }),
    )
    expect(await fakeClient(platform).orderManagement.sendReceipt('till1-000123', receipt)).toBe('created')
    expect(platform.calls('POST', RECEIPT_PATH)).toHaveLength(2)
  })

  it("reports a bad receipt with Order Management's invalidParams as extraDetails", async () => {
    const platform = new FakePlatform().on('POST', RECEIPT_PATH, () =>
      json(400, {
        type: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1',
        title: 'One or more validation errors occurred.',
        detail: 'BadRequest',
        instance: '00-1-2-00',
        invalidParams: [
          { name: 'OrderLines[0].TaxRate', reason: 'Either taxRate or taxPercentage must be set' },
        ],
      }),
    )
    const error = await fakeClient(platform)
      .orderManagement.sendReceipt('till1-000123', receipt)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error.extraDetails).toEqual([
      { name: 'OrderLines[0].TaxRate', reason: 'Either taxRate or taxPercentage must be set' },
    ])
  })

  it('reads the order back with its receipt and category', async () => {
    const order = {
      category: { category: 'RECEIPT', orderDetailsUrl: 'https://shop.example/orders/123' },
      receipt,
    }
    const platform = new FakePlatform().on('GET', '/order-management/v2/ECOM/till1-000123', () =>
      json(200, order, OrderWithReceipt),
    )
    expect(await fakeClient(platform).orderManagement.getOrder('till1-000123')).toEqual(order)
  })
})

const entry = (n: number, entryType: LedgerEntry['entryType'] = 'capture'): LedgerEntry => ({
  pspReference: `psp-${n}`,
  time: `2025-03-14T10:00:0${n % 10}.000000Z`,
  ledgerDate: '2025-03-14',
  entryType,
  reference: `till1-${String(n).padStart(6, '0')}`,
  currency: 'NOK',
  amount: 1000 * n,
  balanceBefore: 0,
  balanceAfter: 1000 * n,
  recipientHandle: 'NO:123456',
})

describe('report', () => {
  it('lists every ledger across cursor pages', async () => {
    const ledger = (id: string) => ({
      ledgerId: id,
      currency: 'NOK',
      payoutBankAccount: { scheme: 'BBAN:NO', id: '86011117947' },
      owner: { scheme: 'business:NO:ORG', id: '987654321' },
      settlesForRecipientHandles: ['api:123456'],
    })
    const platform = new FakePlatform().on('GET', '/settlement/v1/ledgers', (request) =>
      request.url.searchParams.get('cursor') === 'page-2'
        ? json(200, { cursor: '', items: [ledger('302322')] }, LedgerList)
        : json(200, { cursor: 'page-2', items: [ledger('302321')] }, LedgerList),
    )
    const ids: string[] = []
    for await (const found of fakeClient(platform).report.allLedgers({
      settlesForRecipientHandles: 'api:123456',
    })) {
      ids.push(found.ledgerId)
    }
    expect(ids).toEqual(['302321', '302322'])
    const [first] = platform.calls('GET', '/settlement/v1/ledgers')
    expect(first!.url.searchParams.get('settlesForRecipientHandles')).toBe('api:123456')
    expect(first!.headers.get('merchant-serial-number')).toBeNull()
  })

  it('says a date is not ready on 404 and collects every page when it is', async () => {
    const path = '/report/v2/ledgers/302321/funds/dates/2025-03-14'
    const platform = new FakePlatform()
      .on(
        'GET',
        '/report/v2/ledgers/302321/funds/dates/2025-03-15',
        () => new Response(null, { status: 404 }),
      )
      .on('GET', path, (request) =>
        request.url.searchParams.get('cursor') === 'c2'
          ? json(200, { hasMore: false, tryLater: false, items: [entry(3, 'refund')] }, ReportPage)
          : json(
              200,
              { cursor: 'c2', hasMore: true, tryLater: false, items: [entry(1), entry(2)] },
              ReportPage,
            ),
      )
    const client = fakeClient(platform)
    expect(await client.report.forDate('302321', 'funds', '2025-03-15')).toEqual({ status: 'not-ready' })
    const day = await client.report.forDate('302321', 'funds', '2025-03-14')
    expect(day).toMatchObject({ status: 'ready', complete: true })
    expect(day.status === 'ready' && day.entries.map((e) => e.pspReference)).toEqual([
      'psp-1',
      'psp-2',
      'psp-3',
    ])
  })

  it('follows the feed cursor page by page and stops at the end', async () => {
    const path = '/report/v2/ledgers/302321/funds/feed'
    const pages: Record<string, unknown> = {
      start: { cursor: 'c1', tryLater: false, items: [entry(1), entry(2)] },
      c1: { cursor: 'c2', tryLater: false, items: [entry(3)] },
      c2: { cursor: 'c2', tryLater: true, items: [] },
    }
    const platform = new FakePlatform().on('GET', path, (request) =>
      json(200, pages[request.url.searchParams.get('cursor') ?? 'start'], ReportFeedPage),
    )
    const seen: Array<{ cursor: string; refs: Array<string | undefined> }> = []
    for await (const page of fakeClient(platform).report.feed('302321', 'funds')) {
      seen.push({ cursor: page.cursor, refs: page.items.map((e) => e.pspReference) })
    }
    expect(seen).toEqual([
      { cursor: 'c1', refs: ['psp-1', 'psp-2'] },
      { cursor: 'c2', refs: ['psp-3'] },
    ])
    expect(platform.calls('GET', path).map((r) => r.url.searchParams.get('cursor'))).toEqual([
      null,
      'c1',
      'c2',
    ])
  })

  it('resumes from a stored cursor and, when following, waits at the end before reading on', async () => {
    const path = '/report/v2/ledgers/302321/fees/feed'
    const platform = new FakePlatform().on('GET', path, (_request, nth) =>
      nth === 0
        ? json(200, { cursor: 'c7', tryLater: true, items: [] }, ReportFeedPage)
        : json(200, { cursor: 'c8', tryLater: false, items: [entry(8, 'fees-retained')] }, ReportFeedPage),
    )
    const time = new FakeTime()
    const feed = fakeClient(platform, time).report.feed('302321', 'fees', {
      cursor: 'c7',
      follow: true,
      pollIntervalMs: 2000,
    })
    const first = await feed.next()
    await feed.return(undefined)
    expect(first.value).toMatchObject({ cursor: 'c8', items: [{ pspReference: 'psp-8' }] })
    expect(time.sleeps).toEqual([2000])
    expect(platform.calls('GET', path).map((r) => r.url.searchParams.get('cursor'))).toEqual(['c7', 'c7'])
  })
})
