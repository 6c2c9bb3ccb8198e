/**
 * End of day (manager): the day's Z report for the store or one till, with
 * its figures up top and the printable report (with the takings-by-hour
 * chart) below to print or open; the CSV; and closing the day, which freezes
 * its report (asked twice: it cannot be undone).
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, messageOf } from './api.ts'
import type { Session, ZReport } from './api-types.ts'
import { formatMoney } from './money.ts'
import { ReceiptFrame } from './receipt-frame.tsx'

export function EndOfDayScreen(props: { date: string; picker: ComponentChildren; session: Session }) {
  const [till, setTill] = useState('')
  // The tills that sold on the day, from the store's report (a till's own report lists only itself).
  const [tills, setTills] = useState<ZReport['byTill']>([])
  const [report, setReport] = useState<ZReport | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const query = till ? `?till=${encodeURIComponent(till)}` : ''
  const base = `/api/end-of-day/${props.date}`

  async function load() {
    setProblem(undefined)
    try {
      const found = (await api<{ report: ZReport }>('GET', `${base}${query}`)).report
      setReport(found)
      if (found.scope.kind === 'store') setTills(found.byTill)
    } catch (error) {
      setReport(undefined)
      setProblem(messageOf(error))
    }
  }

  useEffect(() => {
    setConfirming(false)
    load()
  }, [props.date, till])

  async function closeDay() {
    setBusy(true)
    setProblem(undefined)
    try {
      await api('POST', `${base}/close`)
      setConfirming(false)
      await load()
    } catch (error) {
      setProblem(messageOf(error))
    } finally {
      setBusy(false)
    }
  }

  const money = (value: number) => formatMoney(value, report?.store.currency ?? props.session.store.currency)
  return (
    <>
      <section class="card back-office-head" aria-labelledby="end-of-day-title">
        <h1 id="end-of-day-title">End of day</h1>
        {props.picker}
        <label class="field">
          <span>Report for</span>
          <select
            name="till"
            value={till}
            onChange={(event) => setTill((event.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">The whole store</option>
            {tills.map((t) => (
              <option key={t.posId} value={t.posId}>
                {t.name} ({t.posId})
              </option>
            ))}
          </select>
        </label>
      </section>

      {problem && (
        <p class="error" role="alert" data-testid="end-of-day-error">
          {problem}
        </p>
      )}

      {report && (
        <section class="card" aria-labelledby="z-summary" data-testid="z-report" data-status={report.status}>
          <h2 id="z-summary">
            Z report {report.date}
            {report.status === 'closed' && report.closed
              ? ` — closed by ${report.closed.by}`
              : ' — open (figures so far)'}
          </h2>
          <dl class="figures">
            <div>
              <dt>Sales</dt>
              <dd data-testid="z-sales">
                {report.sales.count} · {money(report.sales.grossAmount)}
              </dd>
            </div>
            <div>
              <dt>Refunds</dt>
              <dd data-testid="z-refunds">
                {report.refunds.count} · {money(report.refunds.grossAmount)}
              </dd>
            </div>
            <div>
              <dt>Takings</dt>
              <dd data-testid="z-takings">{money(report.takings.grossAmount)}</dd>
            </div>
            <div>
              <dt>VAT</dt>
              <dd>{money(report.takings.vatAmount)}</dd>
            </div>
          </dl>
          <div class="actions">
            <a class="button secondary" href={`${base}/report.csv${query}`} download data-testid="z-csv">
              Download CSV
            </a>
            {report.status === 'open' && !confirming && (
              <button type="button" class="primary" onClick={() => setConfirming(true)}>
                Close the day…
              </button>
            )}
            {confirming && (
              <>
                <span role="alert">
                  Close {report.date}? Its report is frozen; anything registered later counts on the next day.
                </span>
                <button type="button" class="primary" disabled={busy} onClick={closeDay}>
                  Yes, close {report.date}
                </button>
                <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                  Not yet
                </button>
              </>
            )}
          </div>
        </section>
      )}

      {report && (
        <ReceiptFrame
          key={`${report.date}${query}${report.status}${report.generatedAt}`}
          url={`${base}/report.html${query}`}
          title="Z report"
          testId="z-report-page"
        />
      )}
    </>
  )
}
