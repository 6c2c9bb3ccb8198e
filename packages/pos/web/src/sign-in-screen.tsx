/**
 * Signing in at a till: the till's id (remembered on this device, as a till's
 * screen stays at one till), the staff number and the PIN, typed on the
 * keyboard or tapped on the keypad. Wrong PINs and a locked till are said
 * plainly, the lock with the time left.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api, messageOf } from './api.ts'
import type { Session } from './api-types.ts'

const POS_ID_KEY = 'kasse.posId'

type Field = 'posId' | 'staffNumber' | 'pin'

interface Problem {
  field?: Field
  message: string
}

function rememberedPosId(): string {
  try {
    return localStorage.getItem(POS_ID_KEY) ?? ''
  } catch {
    return ''
  }
}

function rememberPosId(posId: string): void {
  try {
    localStorage.setItem(POS_ID_KEY, posId)
  } catch {
    // A browser without storage asks for the till each time; nothing else changes.
  }
}

/** What is wrong with the form before it is sent, if anything. */
function checkForm(posId: string, staffNumber: string, pin: string): Problem | undefined {
  if (posId.trim() === '') return { field: 'posId', message: 'Type the till’s id, e.g. till-1' }
  if (staffNumber === '') return { field: 'staffNumber', message: 'Type your staff number' }
  if (!/^\d{1,10}$/.test(staffNumber))
    return { field: 'staffNumber', message: 'A staff number has only digits' }
  if (!/^\d{4,8}$/.test(pin)) return { field: 'pin', message: 'A PIN has 4 to 8 digits' }
  return undefined
}

function fieldOf(error: ApiError): Field | undefined {
  switch (error.field) {
    case 'posId':
    case 'staffNumber':
    case 'pin':
      return error.field
    default:
      return undefined
  }
}

/** "4:05" */
function formatWait(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

export function SignInScreen(props: { notice?: string; onSignedIn: (session: Session) => void }) {
  const remembered = rememberedPosId()
  const [posId, setPosId] = useState(remembered)
  const [editingTill, setEditingTill] = useState(remembered === '')
  const [staffNumber, setStaffNumber] = useState('')
  const [pin, setPin] = useState('')
  const [problem, setProblem] = useState<Problem | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [lockedUntil, setLockedUntil] = useState<number | undefined>(undefined)
  const [now, setNow] = useState(() => Date.now())
  // The keypad types into the field the cashier last chose.
  const [keypadTarget, setKeypadTarget] = useState<'staffNumber' | 'pin'>('staffNumber')
  const refs = {
    posId: useRef<HTMLInputElement>(null),
    staffNumber: useRef<HTMLInputElement>(null),
    pin: useRef<HTMLInputElement>(null),
  }

  useEffect(() => {
    refs[editingTill ? 'posId' : 'staffNumber'].current?.focus()
  }, [])

  // The lock's countdown; the button comes back by itself when it ends.
  useEffect(() => {
    if (lockedUntil === undefined) return
    const timer = setInterval(() => {
      const at = Date.now()
      setNow(at)
      if (at >= lockedUntil) {
        setLockedUntil(undefined)
        setProblem(undefined)
      }
    }, 1000)
    return () => clearInterval(timer)
  }, [lockedUntil])

  const secondsLeft = lockedUntil === undefined ? 0 : Math.max(0, Math.ceil((lockedUntil - now) / 1000))
  const locked = lockedUntil !== undefined && secondsLeft > 0

  async function submit(event?: Event) {
    event?.preventDefault()
    if (busy || locked) return
    const found = checkForm(posId, staffNumber, pin)
    if (found) {
      setProblem(found)
      if (found.field) {
        if (found.field === 'posId') setEditingTill(true)
        refs[found.field].current?.focus()
      }
      return
    }
    setBusy(true)
    setProblem(undefined)
    try {
      const session = await api<Session>('POST', '/api/session', {
        posId: posId.trim(),
        staffNumber,
        pin,
      })
      rememberPosId(session.till.posId)
      props.onSignedIn(session)
    } catch (error) {
      setPin('')
      if (error instanceof ApiError && error.code === 'TILL_LOCKED') {
        const at = Date.now()
        setNow(at)
        setLockedUntil(at + (error.retryAfterSeconds ?? 60) * 1000)
        setProblem({ message: error.message })
      } else if (error instanceof ApiError) {
        const field = fieldOf(error) ?? (error.code === 'UNKNOWN_TILL' ? 'posId' : undefined)
        setProblem({ ...(field ? { field } : {}), message: error.message })
        if (field === 'posId') setEditingTill(true)
        refs[field ?? 'pin'].current?.focus()
        if (!field || field === 'pin') setKeypadTarget('pin')
      } else {
        setProblem({ message: messageOf(error) })
      }
    } finally {
      setBusy(false)
    }
  }

  function press(key: string) {
    const [value, set] = keypadTarget === 'pin' ? [pin, setPin] : [staffNumber, setStaffNumber]
    const limit = keypadTarget === 'pin' ? 8 : 10
    if (key === 'clear') set('')
    else if (key === 'back') set(value.slice(0, -1))
    else if (value.length < limit) set(value + key)
    refs[keypadTarget].current?.focus()
  }

  const describedBy = (field: Field) => (problem?.field === field ? 'sign-in-problem' : undefined)

  return (
    <main class="sign-in">
      <form class="card sign-in-card" onSubmit={submit} noValidate aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in</h1>
        {props.notice && <output class="notice">{props.notice}</output>}

        {editingTill ? (
          <label class="field">
            <span>Till</span>
            <input
              ref={refs.posId}
              name="posId"
              autocomplete="off"
              value={posId}
              placeholder="till-1"
              aria-invalid={problem?.field === 'posId'}
              aria-describedby={describedBy('posId')}
              onInput={(e) => setPosId(e.currentTarget.value)}
            />
          </label>
        ) : (
          <p class="sign-in-till">
            Till <strong data-testid="till-id">{posId}</strong>{' '}
            <button type="button" class="link" onClick={() => setEditingTill(true)}>
              Change till
            </button>
          </p>
        )}

        <label class="field">
          <span>Staff number</span>
          <input
            ref={refs.staffNumber}
            name="staffNumber"
            inputMode="numeric"
            autocomplete="username"
            value={staffNumber}
            aria-invalid={problem?.field === 'staffNumber'}
            aria-describedby={describedBy('staffNumber')}
            onFocus={() => setKeypadTarget('staffNumber')}
            onInput={(e) => setStaffNumber(e.currentTarget.value.trim())}
          />
        </label>

        <label class="field">
          <span>PIN</span>
          <input
            ref={refs.pin}
            name="pin"
            type="password"
            inputMode="numeric"
            autocomplete="current-password"
            maxLength={8}
            value={pin}
            aria-invalid={problem?.field === 'pin'}
            aria-describedby={describedBy('pin')}
            onFocus={() => setKeypadTarget('pin')}
            onInput={(e) => setPin(e.currentTarget.value.trim())}
          />
        </label>

        <fieldset class="keypad">
          <legend class="visually-hidden">Keypad</legend>
          {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => (
            <KeypadKey key={digit} label={digit} onPress={() => press(digit)} />
          ))}
          <KeypadKey label="Clear" onPress={() => press('clear')} />
          <KeypadKey label="0" onPress={() => press('0')} />
          <KeypadKey label="⌫" name="Delete the last digit" onPress={() => press('back')} />
        </fieldset>

        {problem && (
          <p class="error" id="sign-in-problem" role="alert" data-testid="sign-in-error">
            {problem.message}
            {locked && (
              <>
                {' '}
                (<span data-testid="lock-countdown">{formatWait(secondsLeft)}</span> left)
              </>
            )}
          </p>
        )}

        <button type="submit" class="primary big" disabled={busy || locked}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}

function KeypadKey(props: { label: string; name?: string; onPress: () => void }) {
  return (
    <button
      type="button"
      class="key"
      aria-label={props.name}
      // Keeps the focus (and the phone's keyboard) in the field the digit goes to.
      onMouseDown={(e) => e.preventDefault()}
      onClick={props.onPress}
    >
      {props.label}
    </button>
  )
}
