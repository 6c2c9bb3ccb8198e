/**
 * The manager's end-of-day screens: the Z report, the settlement
 * reconciliation and the in-flight check, reached from the top bar. Each is
 * for a business day, today unless the manager picks another.
 */
import { useState } from 'preact/hooks'
import type { Session } from './api-types.ts'
import { EndOfDayScreen } from './end-of-day-screen.tsx'
import { InFlightScreen } from './in-flight-screen.tsx'
import { ReconciliationScreen } from './reconciliation-screen.tsx'

export const BACK_OFFICE_VIEWS = ['end-of-day', 'reconciliation', 'in-flight'] as const
export type BackOfficeView = (typeof BACK_OFFICE_VIEWS)[number]

const TITLES: Record<BackOfficeView, string> = {
  'end-of-day': 'End of day',
  reconciliation: 'Reconciliation',
  'in-flight': 'In-flight check',
}

export function isBackOfficeView(view: string): view is BackOfficeView {
  return (BACK_OFFICE_VIEWS as readonly string[]).includes(view)
}

const STORE_TIME_ZONES: Record<string, string> = {
  NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen',
  FI: 'Europe/Helsinki',
}

/** Today in the store's time zone, YYYY-MM-DD (the device's own date if the browser lacks the zone). */
export function today(country: string): string {
  const now = new Date()
  try {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone: STORE_TIME_ZONES[country] ?? 'Europe/Oslo',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(now)
  } catch {
    const two = (n: number) => String(n).padStart(2, '0')
    return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`
  }
}

/** The top bar's buttons for the manager's screens; pressing the open one goes back to the sale. */
export function BackOfficeButtons(props: { view: string; onView(view: BackOfficeView | 'sale'): void }) {
  return (
    <>
      {BACK_OFFICE_VIEWS.map((view) => (
        <button
          key={view}
          type="button"
          class="secondary"
          aria-pressed={props.view === view}
          onClick={() => props.onView(props.view === view ? 'sale' : view)}
        >
          {TITLES[view]}
        </button>
      ))}
    </>
  )
}

/** The chosen screen, with the day picker they share. */
export function BackOfficeScreen(props: { view: BackOfficeView; session: Session }) {
  const storeToday = today(props.session.store.country)
  const [date, setDate] = useState(storeToday)
  if (props.session.cashier.role !== 'manager') {
    return (
      <main class="back-office">
        <p class="error" role="alert">
          Only a manager can see {TITLES[props.view].toLowerCase()}. Ask a manager to sign in.
        </p>
      </main>
    )
  }
  const picker = (
    <label class="field day-picker">
      <span>Day</span>
      <input
        type="date"
        name="date"
        value={date}
        max={storeToday}
        onChange={(event) => {
          const value = (event.currentTarget as HTMLInputElement).value
          if (value) setDate(value)
        }}
      />
    </label>
  )
  return (
    <main class="back-office">
      {props.view === 'end-of-day' && <EndOfDayScreen date={date} picker={picker} session={props.session} />}
      {props.view === 'reconciliation' && (
        <ReconciliationScreen date={date} picker={picker} currency={props.session.store.currency} />
      )}
      {props.view === 'in-flight' && <InFlightScreen date={date} picker={picker} />}
    </main>
  )
}
