/**
 * The customer club: members found by name or phone number, and a member's
 * page — their profile, the data they agreed to share, their consents (which
 * the member can withdraw through the cashier), their purchases and points.
 * A manager can delete a member: their personal data goes, their purchases
 * stay in the journal without a name.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api, messageOf } from './api.ts'
import type { Consent, MemberDetail, MemberSummary, PointsEntry, Session } from './api-types.ts'
import { pointsText } from './club-status.tsx'
import { dateOf, dateTimeOf } from './dates.ts'
import { formatMoney } from './money.ts'

const SEARCH_LIMIT = 50

/** The scopes a member can share, in the cashier's words. */
const SHARED_DATA_TEXT: Record<string, string> = {
  name: 'Name',
  phoneNumber: 'Phone number',
  email: 'E-mail address',
  birthDate: 'Birth date',
  address: 'Address',
}

const memberPath = (memberId: string, rest = '') => `/api/club/members/${encodeURIComponent(memberId)}${rest}`

export function ClubScreen(props: { session: Session }) {
  const [query, setQuery] = useState('')
  const [members, setMembers] = useState<MemberSummary[] | undefined>(undefined)
  const [searched, setSearched] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const [loading, setLoading] = useState(false)
  const [selected, setSelected] = useState<string | null>(null)
  const queryRef = useRef<HTMLInputElement>(null)

  async function search(using = query) {
    setLoading(true)
    setProblem(undefined)
    try {
      const params = new URLSearchParams({ query: using.trim(), limit: String(SEARCH_LIMIT) })
      const found = await api<{ members: MemberSummary[] }>('GET', `/api/club/members?${params}`)
      setMembers(found.members)
      setSearched(using.trim())
    } catch (error) {
      setProblem(`The members could not be found: ${messageOf(error)}`)
    } finally {
      setLoading(false)
    }
  }

  // The view opens on the search: the cashier can type a name or number at once.
  useEffect(() => {
    queryRef.current?.focus()
    search('')
  }, [])

  return (
    <main class="club" aria-busy={loading}>
      <form
        class="card club-search"
        aria-labelledby="club-title"
        onSubmit={(event) => {
          event.preventDefault()
          setSelected(null)
          setNotice(undefined)
          search()
        }}
      >
        <h1 id="club-title">Club members</h1>
        <label class="field">
          <span>Name or phone number</span>
          <input
            type="search"
            name="query"
            ref={queryRef}
            autocomplete="off"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Find members
          </button>
        </div>
      </form>

      {notice && (
        <output class="notice" data-testid="club-notice">
          {notice}
        </output>
      )}
      {problem && (
        <p class="error" role="alert" data-testid="club-error">
          {problem}
        </p>
      )}

      {members && (
        <section class="card" aria-labelledby="club-results">
          <h2 id="club-results">
            {members.length === 0
              ? searched
                ? `No members match “${searched}”`
                : 'No members yet'
              : searched
                ? `${members.length} member${members.length === 1 ? '' : 's'} matching “${searched}”`
                : 'Newest members'}
          </h2>
          {members.length > 0 && (
            <div class="table-scroll">
              <table class="club-table" data-testid="members">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Phone</th>
                    <th scope="col">Points</th>
                    <th scope="col">Member since</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {members.map((member) => (
                    <tr
                      key={member.id}
                      data-testid="member-row"
                      data-member-id={member.id}
                      aria-selected={member.id === selected}
                    >
                      <th scope="row">{member.name}</th>
                      <td>{member.phoneDisplay}</td>
                      <td class="amount">{member.points}</td>
                      <td>{dateOf(member.enrolledAt)}</td>
                      <td>
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`${member.id === selected ? 'Close' : 'Open'} member ${member.name}`}
                          onClick={() => setSelected(member.id === selected ? null : member.id)}
                        >
                          {member.id === selected ? 'Close' : 'Open'}
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

      {selected && (
        <MemberPage
          key={selected}
          memberId={selected}
          manager={props.session.cashier.role === 'manager'}
          onDeleted={(name) => {
            setSelected(null)
            setNotice(`${name} is no longer a member: their personal data is deleted.`)
            search(searched)
          }}
        />
      )}
    </main>
  )
}

function MemberPage(props: { memberId: string; manager: boolean; onDeleted(name: string): void }) {
  const [member, setMember] = useState<MemberDetail | undefined>(undefined)
  const [loadProblem, setLoadProblem] = useState<string | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [confirmDelete, setConfirmDelete] = useState(false)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const keepRef = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    api<MemberDetail>('GET', memberPath(props.memberId))
      .then(setMember)
      .catch((error: unknown) =>
        setLoadProblem(
          error instanceof ApiError && error.status === 404
            ? 'This member is no longer in the club.'
            : `The member could not be shown: ${messageOf(error)}`,
        ),
      )
  }, [props.memberId])

  // The page opened below the list: the keyboard goes with the eye.
  useEffect(() => {
    if (member) headingRef.current?.focus()
  }, [member?.id])

  // The question replaces the Delete button: the keyboard goes to the safe answer.
  useEffect(() => {
    if (confirmDelete) keepRef.current?.focus()
  }, [confirmDelete])

  async function withdraw(consent: Consent) {
    setBusy(true)
    setProblem(undefined)
    try {
      setMember(
        await api<MemberDetail>(
          'POST',
          memberPath(props.memberId, `/consents/${encodeURIComponent(consent.id)}/withdraw`),
        ),
      )
    } catch (error) {
      setProblem(`The consent was not withdrawn: ${messageOf(error)}`)
    } finally {
      setBusy(false)
    }
  }

  async function remove(name: string) {
    setBusy(true)
    setProblem(undefined)
    try {
      await api('DELETE', memberPath(props.memberId))
      props.onDeleted(name)
    } catch (error) {
      setConfirmDelete(false)
      setProblem(
        error instanceof ApiError && error.status === 403
          ? 'Only a manager can delete a member. Ask a manager to sign in.'
          : `The member was not deleted: ${messageOf(error)}`,
      )
    } finally {
      setBusy(false)
    }
  }

  if (!member) {
    return (
      <section class="card member-page" aria-busy={!loadProblem} data-testid="member-page">
        {loadProblem ? (
          <p class="error" role="alert">
            {loadProblem}
          </p>
        ) : (
          <p class="loading">Opening the member…</p>
        )}
      </section>
    )
  }

  return (
    <section class="card member-page" aria-labelledby="member-title" data-testid="member-page">
      <h2 id="member-title" ref={headingRef} tabIndex={-1}>
        {member.name}
      </h2>
      <dl class="member-facts">
        <dt>Points</dt>
        <dd data-testid="member-points">{pointsText(member.points)}</dd>
        <dt>Phone</dt>
        <dd>{member.phoneDisplay}</dd>
        <dt>E-mail</dt>
        <dd>{member.email ?? '—'}</dd>
        <dt>Birth date</dt>
        <dd>{member.birthDate ?? '—'}</dd>
        <dt>Member since</dt>
        <dd>{dateTimeOf(member.enrolledAt)}</dd>
      </dl>

      <h3>Shared with the store</h3>
      {member.sharedData.length > 0 ? (
        <ul class="shared-data" data-testid="shared-data">
          {member.sharedData.map((scope) => (
            <li key={scope}>{SHARED_DATA_TEXT[scope] ?? scope}</li>
          ))}
        </ul>
      ) : (
        <p class="hint">Nothing beyond the membership itself.</p>
      )}

      <h3 id="consents-title">Consents</h3>
      {member.consents.length > 0 ? (
        <table class="consents" aria-labelledby="consents-title">
          <thead>
            <tr>
              <th scope="col">Consent</th>
              <th scope="col">Answer</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {member.consents.map((consent) => (
              <tr
                key={consent.id}
                data-testid="consent"
                data-consent-id={consent.id}
                data-state={consentState(consent)}
              >
                <th scope="row">{consent.text}</th>
                <td>{consentAnswer(consent)}</td>
                <td>
                  {consentState(consent) === 'given' && (
                    <button
                      type="button"
                      class="secondary"
                      disabled={busy}
                      aria-label={`Withdraw consent: ${consent.text}`}
                      onClick={() => withdraw(consent)}
                    >
                      Withdraw
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">No consents were asked for.</p>
      )}

      <h3 id="purchases-title">Purchases</h3>
      {member.purchases.length > 0 ? (
        <table aria-labelledby="purchases-title" data-testid="member-purchases">
          <thead>
            <tr>
              <th scope="col">Receipt</th>
              <th scope="col">When</th>
              <th scope="col">Total</th>
              <th scope="col">Points</th>
            </tr>
          </thead>
          <tbody>
            {member.purchases.map((purchase) => (
              <tr key={purchase.saleId} data-testid="member-purchase">
                <th scope="row">No. {purchase.receiptNumber}</th>
                <td>{dateTimeOf(purchase.at)}</td>
                <td class="amount">{formatMoney(purchase.total, purchase.currency)}</td>
                <td class="amount">
                  +{purchase.pointsEarned}
                  {purchase.pointsReturned > 0 && (
                    <small class="refunded"> −{purchase.pointsReturned} refunded</small>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">No purchases yet.</p>
      )}

      <h3 id="points-title">Points history</h3>
      {member.pointsHistory.length > 0 ? (
        <table aria-labelledby="points-title" data-testid="points-history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Points</th>
            </tr>
          </thead>
          <tbody>
            {member.pointsHistory.map((entry, i) => (
              <tr key={`${entry.saleId}-${entry.refundId ?? ''}-${i}`}>
                <td>{dateTimeOf(entry.at)}</td>
                <td>{pointsReason(entry, member)}</td>
                <td class="amount">{entry.points > 0 ? `+${entry.points}` : `−${-entry.points}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">No points yet.</p>
      )}

      {problem && (
        <p class="error" role="alert" data-testid="member-error">
          {problem}
        </p>
      )}

      {props.manager && (
        <div class="actions delete-member">
          {confirmDelete ? (
            <div class="confirm-delete">
              <p id="delete-question">
                Delete {member.name} from the club? Their name, phone number, e-mail address, birth date,
                Vipps MobilePay login and consents are deleted, and their {pointsText(member.points)} are
                gone. Their purchases stay in the journal, without their name.
              </p>
              <button type="button" class="danger" disabled={busy} onClick={() => remove(member.name)}>
                Yes, delete the member
              </button>
              <button
                type="button"
                class="secondary"
                ref={keepRef}
                disabled={busy}
                onClick={() => setConfirmDelete(false)}
              >
                Keep the member
              </button>
            </div>
          ) : (
            <button type="button" class="danger" disabled={busy} onClick={() => setConfirmDelete(true)}>
              Delete member
            </button>
          )}
        </div>
      )}
    </section>
  )
}

function consentState(consent: Consent): 'given' | 'refused' | 'withdrawn' {
  if (consent.withdrawnAt !== null) return 'withdrawn'
  return consent.accepted ? 'given' : 'refused'
}

function consentAnswer(consent: Consent): string {
  if (consent.withdrawnAt !== null) return `Withdrawn ${dateTimeOf(consent.withdrawnAt)}`
  return consent.accepted
    ? `Yes, since ${dateTimeOf(consent.answeredAt)}`
    : `No (answered ${dateTimeOf(consent.answeredAt)})`
}

/** "Purchase, receipt no. 12" / "Refund of receipt no. 12", by the member's purchases. */
function pointsReason(entry: PointsEntry, member: MemberDetail): string {
  const receipt = member.purchases.find((purchase) => purchase.saleId === entry.saleId)?.receiptNumber
  const which = receipt === undefined ? '' : ` of receipt no. ${receipt}`
  return entry.reason === 'purchase' ? `Purchase${which}` : `Refund${which}`
}
