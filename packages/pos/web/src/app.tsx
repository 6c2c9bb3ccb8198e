/**
 * The cashier app: sign in at a till, then sell (scan, take payment), look
 * up the customer club's members or, for a manager, look through the journal
 * and refund. The sale lives in the till's database, so signing out, a
 * reload or an ended session never loses a cart: the next sign-in at the
 * till finds it again.
 */
import { useEffect, useState } from 'preact/hooks'
import { ApiError, api, messageOf, SIGNED_OUT_EVENT, setCsrfToken } from './api.ts'
import type { Session } from './api-types.ts'
import { BackOfficeButtons, BackOfficeScreen, type BackOfficeView, isBackOfficeView } from './back-office.tsx'
import { ClubScreen } from './club-screen.tsx'
import { JournalScreen } from './journal-screen.tsx'
import { SaleScreen } from './sale-screen.tsx'
import { SignInScreen } from './sign-in-screen.tsx'

type View = 'sale' | 'journal' | 'club' | BackOfficeView

export function App() {
  // undefined while asking the till whether this browser is signed in.
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const [view, setView] = useState<View>('sale')

  useEffect(() => {
    api<Session>('GET', '/api/session')
      .then((current) => {
        setCsrfToken(current.csrfToken)
        setSession(current)
      })
      .catch((error: unknown) => {
        if (!(error instanceof ApiError && error.status === 401)) setNotice(messageOf(error))
        setSession(null)
      })
  }, [])

  // Any request answered "not signed in" (the session ended) brings back the sign-in screen.
  useEffect(() => {
    const signedOut = () => {
      setCsrfToken(undefined)
      setSession(null)
      setView('sale')
      setNotice('The session has ended. Sign in again: the sale is kept.')
    }
    window.addEventListener(SIGNED_OUT_EVENT, signedOut)
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut)
  }, [])

  if (session === undefined) {
    return (
      <main class="loading" aria-busy="true">
        Starting the till…
      </main>
    )
  }
  if (session === null) {
    return (
      <SignInScreen
        notice={notice}
        onSignedIn={(signedIn) => {
          setCsrfToken(signedIn.csrfToken)
          setNotice(undefined)
          setView('sale')
          setSession(signedIn)
        }}
      />
    )
  }

  const signOut = async () => {
    try {
      await api('DELETE', '/api/session')
    } catch {
      // Signed out on the till already, or it is unreachable: either way this screen signs out.
    }
    setCsrfToken(undefined)
    setNotice(undefined)
    setView('sale')
    setSession(null)
  }

  return (
    <div class="till">
      <header class="topbar">
        <div class="topbar-where">
          <strong>{session.store.name}</strong>
          <span>
            {session.till.name} ({session.till.posId})
          </span>
        </div>
        <nav class="topbar-actions" aria-label="Till">
          {view === 'sale' ? (
            <>
              <button type="button" class="secondary" onClick={() => setView('club')}>
                Club
              </button>
              {session.cashier.role === 'manager' && (
                <button type="button" class="secondary" onClick={() => setView('journal')}>
                  Journal and refunds
                </button>
              )}
            </>
          ) : (
            <button type="button" class="secondary" onClick={() => setView('sale')}>
              Back to the sale
            </button>
          )}
          {session.cashier.role === 'manager' && <BackOfficeButtons view={view} onView={setView} />}
          <span class="topbar-who" data-testid="signed-in-as">
            {session.cashier.name}
            {session.cashier.role === 'manager' ? ' (manager)' : ''}
          </span>
          <button type="button" class="secondary" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      {isBackOfficeView(view) ? (
        <BackOfficeScreen view={view} session={session} />
      ) : view === 'journal' ? (
        <JournalScreen session={session} />
      ) : view === 'club' ? (
        <ClubScreen session={session} />
      ) : (
        <SaleScreen session={session} />
      )}
    </div>
  )
}
