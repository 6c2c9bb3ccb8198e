/**
 * The journal (managers): the day's sales with their payment state and
 * references, found by receipt number (typed, or its barcode scanned) or the
 * customer's phone; a paid sale refunded in full or line by line through
 * Vipps MobilePay, with its return receipt to print.
 */
import { useEffect, useState } from 'preact/hooks'
import { api, messageOf } from './api.ts'
import type { JournalEntry, Refund, Sale, SaleState, Session } from './api-types.ts'
import { timeOf } from './dates.ts'
import { formatMoney } from './money.ts'
import { ReceiptFrame } from './receipt-frame.tsx'

interface Filters {
  date: string
  receiptNumber: string
  phone: string
  state: '' | SaleState
}

const NO_FILTERS: Filters = { date: '', receiptNumber: '', phone: '', state: '' }

const SALE_STATE_TEXT: Record<SaleState, string> = {
  open: 'Open',
  awaiting_payment: 'Awaiting payment',
  paid: 'Paid',
  voided: 'Voided',
}

function queryOf(filters: Filters): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(filters)) if (value.trim() !== '') params.set(name, value.trim())
  const query = params.toString()
  return query ? `?${query}` : ''
}

export function JournalScreen(props: { session: Session }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS)
  const [entries, setEntries] = useState<JournalEntry[] | undefined>(undefined)
  const [day, setDay] = useState<string | null>(null)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [loading, setLoading] = useState(false)
  const [selected, setSelected] = useState<string | null>(null)

  async function search(using: Filters = filters) {
    setLoading(true)
    setProblem(undefined)
    try {
      const found = await api<{ date: string | null; sales: JournalEntry[] }>(
        'GET',
        `/api/sales${queryOf(using)}`,
      )
      setEntries(found.sales)
      setDay(found.date)
    } catch (error) {
      setProblem(messageOf(error))
    } finally {
      setLoading(false)
    }
  }

  useEffect(() => {
    search(NO_FILTERS)
  }, [])

  const set = (name: keyof Filters) => (event: Event) =>
    setFilters({ ...filters, [name]: (event.currentTarget as HTMLInputElement).value })
  const selectedEntry = entries?.find((entry) => entry.id === selected)

  if (props.session.cashier.role !== 'manager') {
    return (
      <main class="journal">
        <p class="error" role="alert">
          Only a manager can see the journal and refund. Ask a manager to sign in.
        </p>
      </main>
    )
  }

  return (
    <main class="journal" aria-busy={loading}>
      <form
        class="card journal-filters"
        aria-labelledby="journal-title"
        onSubmit={(event) => {
          event.preventDefault()
          setSelected(null)
          search()
        }}
      >
        <h1 id="journal-title">Journal</h1>
        <label class="field">
          <span>Day</span>
          <input type="date" name="date" value={filters.date} onInput={set('date')} />
        </label>
        <label class="field">
          <span>Receipt number</span>
          <input
            name="receiptNumber"
            autocomplete="off"
            value={filters.receiptNumber}
            onInput={set('receiptNumber')}
          />
        </label>
        <label class="field">
          <span>Customer’s phone</span>
          <input type="tel" name="phone" autocomplete="off" value={filters.phone} onInput={set('phone')} />
        </label>
        <label class="field">
          <span>State</span>
          <select name="state" value={filters.state} onChange={set('state')}>
            <option value="">Any</option>
            {Object.entries(SALE_STATE_TEXT).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Search
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setFilters(NO_FILTERS)
              setSelected(null)
              search(NO_FILTERS)
            }}
          >
            Today
          </button>
        </div>
      </form>

      {problem && (
        <p class="error" role="alert" data-testid="journal-error">
          {problem}
        </p>
      )}

      {entries && (
        <section class="card" aria-labelledby="journal-results">
          <h2 id="journal-results">
            {entries.length === 0
              ? 'No sales found'
              : `${entries.length} sale${entries.length === 1 ? '' : 's'}`}
            {day ? ` on ${day}` : ''}
          </h2>
          {entries.length > 0 && (
            <div class="table-scroll">
              <table class="journal-table" data-testid="journal">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Receipt</th>
                    <th scope="col">Till</th>
                    <th scope="col">Customer</th>
                    <th scope="col">Amount</th>
                    <th scope="col">Sale</th>
                    <th scope="col">Payment</th>
                    <th scope="col">Reference</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <tr
                      key={entry.id}
                      data-testid="journal-row"
                      data-receipt={entry.receiptNumber ?? ''}
                      aria-selected={entry.id === selected}
                    >
                      <td>{timeOf(entry.closedAt ?? entry.openedAt)}</td>
                      <td>{entry.receiptNumber ?? '—'}</td>
                      <td>{entry.posId}</td>
                      <td>{entry.customer?.display ?? '—'}</td>
                      <td class="amount">
                        {formatMoney(entry.grossAmount, entry.currency)}
                        {entry.payment && entry.payment.refundedAmount > 0 && (
                          <small class="refunded">
                            {' '}
                            refunded {formatMoney(entry.payment.refundedAmount, entry.currency)}
                          </small>
                        )}
                      </td>
                      <td>{SALE_STATE_TEXT[entry.state]}</td>
                      <td>{entry.payment ? entry.payment.stateText : '—'}</td>
                      <td>
                        {entry.payment ? <code>{entry.payment.reference}</code> : '—'}
                        {entry.payment?.pspReference && (
                          <small class="psp">
                            {' '}
                            PSP <code>{entry.payment.pspReference}</code>
                          </small>
                        )}
                      </td>
                      <td>
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Open sale ${entry.receiptNumber ?? entry.id}`}
                          onClick={() => setSelected(entry.id === selected ? null : entry.id)}
                        >
                          {entry.id === selected ? 'Close' : 'Open'}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}

      {selectedEntry && (
        <SaleDetail key={selectedEntry.id} entry={selectedEntry} onRefunded={() => search()} />
      )}
    </main>
  )
}

/** One sale of the journal: its receipt, its refunds, and refunding it. */
function SaleDetail(props: { entry: JournalEntry; onRefunded(): void }) {
  const { entry } = props
  const [sale, setSale] = useState<Sale | undefined>(undefined)
  const [linesProblem, setLinesProblem] = useState<string | undefined>(undefined)
  const [refunds, setRefunds] = useState<Refund[]>([])
  const [wanted, setWanted] = useState<Record<string, number>>({})
  const [confirm, setConfirm] = useState<'all' | 'lines' | null>(null)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [result, setResult] = useState<Refund | undefined>(undefined)
  const base = `/api/sales/${encodeURIComponent(entry.id)}`
  const money = (amount: number) => formatMoney(amount, entry.currency)
  const paid = entry.state === 'paid'

  useEffect(() => {
    api<Sale>('GET', base)
      .then(setSale)
      .catch((error: unknown) => setLinesProblem(messageOf(error)))
    if (paid) {
      api<{ refunds: Refund[] }>('GET', `${base}/refunds`)
        .then((answer) => setRefunds(answer.refunds))
        .catch((error: unknown) => setProblem(messageOf(error)))
    }
  }, [entry.id])

  // What is left to refund of each line: its quantity less what refunds (not failed ones) took.
  const refundedOf = new Map<string, number>()
  for (const refund of refunds) {
    if (refund.state === 'failed') continue
    for (const line of refund.lines)
      refundedOf.set(line.lineId, (refundedOf.get(line.lineId) ?? 0) + line.quantity)
  }
  const left = (lineId: string, quantity: number) => quantity - (refundedOf.get(lineId) ?? 0)
  const leftToRefund = entry.payment ? entry.payment.capturedAmount - entry.payment.refundedAmount : 0
  const chosen = Object.entries(wanted).filter(([, quantity]) => quantity > 0)

  async function refund(kind: 'all' | 'lines') {
    setConfirm(null)
    setBusy(true)
    setProblem(undefined)
    try {
      const body =
        kind === 'all' ? { all: true } : { lines: chosen.map(([lineId, quantity]) => ({ lineId, quantity })) }
      const answer = await api<{ refund: Refund }>('POST', `${base}/refunds`, body)
      setResult(answer.refund)
      setRefunds([...refunds, answer.refund])
      setWanted({})
      props.onRefunded()
    } catch (error) {
      setProblem(messageOf(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="card sale-detail" aria-labelledby="detail-title" data-testid="sale-detail">
      <h2 id="detail-title">
        Sale {entry.receiptNumber !== null ? `no. ${entry.receiptNumber}` : ''} · {money(entry.grossAmount)}
      </h2>
      {entry.payment && (
        <p>
          {entry.payment.stateText} · reference <code>{entry.payment.reference}</code>
          {entry.payment.attempts > 1 ? ` · ${entry.payment.attempts} payment requests` : ''}
        </p>
      )}

      {linesProblem && (
        <output class="hint">
          The lines cannot be shown here ({linesProblem}).{' '}
          {paid ? 'The whole sale can still be refunded.' : ''}
        </output>
      )}

      {sale && (
        <table class="refund-lines">
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Sold</th>
              <th scope="col">Amount</th>
              {paid && <th scope="col">Refunded</th>}
              {paid && <th scope="col">Refund now</th>}
            </tr>
          </thead>
          <tbody>
            {sale.lines.map((line) => {
              const remaining = left(line.id, line.quantity)
              return (
                <tr key={line.id} data-testid="refund-line">
                  <th scope="row">{line.name}</th>
                  <td>{line.quantity}</td>
                  <td>{money(line.grossAmount)}</td>
                  {paid && <td>{refundedOf.get(line.id) ?? 0}</td>}
                  {paid && (
                    <td>
                      <label>
                        <span class="visually-hidden">Quantity of {line.name} to refund</span>
                        <input
                          type="number"
                          class="quantity-input"
                          min={0}
                          max={remaining}
                          step={1}
                          value={wanted[line.id] ?? 0}
                          disabled={remaining === 0 || busy}
                          onInput={(e) => {
                            const typed = Math.trunc(Number(e.currentTarget.value))
                            const quantity = Number.isFinite(typed)
                              ? Math.min(Math.max(typed, 0), remaining)
                              : 0
                            setWanted({ ...wanted, [line.id]: quantity })
                          }}
                        />
                      </label>
                    </td>
                  )}
                </tr>
              )
            })}
          </tbody>
        </table>
      )}

      {paid && leftToRefund > 0 && (
        <div class="actions">
          {confirm === null ? (
            <>
              <button type="button" class="danger" disabled={busy} onClick={() => setConfirm('all')}>
                Refund all ({money(leftToRefund)})
              </button>
              <button
                type="button"
                class="secondary"
                disabled={busy || chosen.length === 0}
                onClick={() => setConfirm('lines')}
              >
                Refund the chosen lines
              </button>
            </>
          ) : (
            <>
              <span>
                {confirm === 'all'
                  ? `Give back ${money(leftToRefund)} to the customer’s Vipps MobilePay?`
                  : `Refund ${chosen.reduce((sum, [, quantity]) => sum + quantity, 0)} item(s) to the customer’s Vipps MobilePay?`}
              </span>
              <button type="button" class="danger" disabled={busy} onClick={() => refund(confirm)}>
                Yes, refund
              </button>
              <button type="button" class="secondary" onClick={() => setConfirm(null)}>
                No
              </button>
            </>
          )}
        </div>
      )}
      {paid && leftToRefund === 0 && entry.payment && <p class="hint">Everything paid has been refunded.</p>}
      {!paid && <p class="hint">Only a paid sale can be refunded.</p>}

      {busy && <output>Refunding…</output>}
      {problem && (
        <p class="error" role="alert" data-testid="refund-error">
          {problem}
        </p>
      )}

      {result && <RefundResult refund={result} />}

      {entry.receiptUrl && !result && (
        <details>
          <summary>The sale’s receipt</summary>
          <ReceiptFrame url={entry.receiptUrl} title="Receipt" testId="journal-receipt" />
        </details>
      )}
    </section>
  )
}

function RefundResult(props: { refund: Refund }) {
  const { refund } = props
  const money = formatMoney(refund.amount, refund.currency)
  switch (refund.state) {
    case 'refunded':
      return (
        <div class="refund-result" data-testid="refund-result" data-state={refund.state}>
          <output>
            Refunded {money}
            {refund.receiptNumber !== null ? ` · return receipt no. ${refund.receiptNumber}` : ''}
          </output>
          {refund.receiptUrl && (
            <ReceiptFrame url={refund.receiptUrl} title="Return receipt" testId="return-receipt" />
          )}
        </div>
      )
    case 'refunding':
      return (
        <output data-testid="refund-result" data-state={refund.state}>
          The refund of {money} is sent; Vipps MobilePay has not answered yet. The till completes it and it
          shows here as refunded.
        </output>
      )
    case 'failed':
      return (
        <p class="error" role="alert" data-testid="refund-result" data-state={refund.state}>
          The refund of {money} did not go through: {refund.error?.message ?? 'Vipps MobilePay refused it.'}
        </p>
      )
    default: {
      const unknown: never = refund.state
      throw new Error(`unhandled refund state ${String(unknown)}`)
    }
  }
}
