/**
 * What a customer shared through Login, as the club keeps it: the member's
 * row (name, number, e-mail, birth date if shared, the Vipps subject, which
 * data they shared) and every consent they answered, given or not, with the
 * time the platform says they answered. Pure: the caller writes the rows.
 */
import type { Userinfo } from '@kasse/vipps'
import type { memberConsent, member as memberTable } from '../db/schema.ts'

/** Userinfo claims and the scope words the member page lists for them. */
const SHARED_DATA: ReadonlyArray<[claim: keyof Userinfo, scope: string]> = [
  ['name', 'name'],
  ['phone_number', 'phoneNumber'],
  ['email', 'email'],
  ['birthdate', 'birthDate'],
  ['address', 'address'],
]

const MAX_NAME_LENGTH = 200

/**
 * The member and consent rows for a customer enrolling with `info`.
 *
 * @example
 * memberFromUserinfo({ sub: 's', name: 'Kari Nordmann', phone_number: '4712345678' }, { id, storeId, msisdn, now })
 * // values.sharedData: ['name', 'phoneNumber']; consents: []
 */
export function memberFromUserinfo(
  info: Userinfo,
  about: { id: string; storeId: string; msisdn: string; now: Date },
): { values: typeof memberTable.$inferInsert; consents: Array<typeof memberConsent.$inferInsert> } {
  const answeredAt = parseTime(info.delegatedConsents?.timeOfConsent) ?? about.now
  return {
    values: {
      id: about.id,
      storeId: about.storeId,
      msisdn: about.msisdn,
      name: nameOf(info),
      email: info.email ?? null,
      birthDate: info.birthdate && /^\d{4}-\d{2}-\d{2}$/.test(info.birthdate) ? info.birthdate : null,
      vippsSub: info.sub,
      sharedData: SHARED_DATA.filter(([claim]) => info[claim] !== undefined).map(([, scope]) => scope),
      points: 0,
      enrolledAt: about.now,
      updatedAt: about.now,
    },
    consents: (info.delegatedConsents?.consents ?? []).map((consent) => ({
      memberId: about.id,
      consentId: consent.id,
      text: consent.textDisplayedToUser,
      required: consent.required,
      accepted: consent.accepted,
      answeredAt,
    })),
  }
}

/** The name to show: the full name, else given and family names, else a placeholder. */
function nameOf(info: Userinfo): string {
  const name = info.name?.trim() || [info.given_name, info.family_name].filter(Boolean).join(' ').trim()
  return (name || 'Member').slice(0, MAX_NAME_LENGTH)
}

function parseTime(value: string | undefined): Date | undefined {
  if (!value) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : new Date(ms)
}
