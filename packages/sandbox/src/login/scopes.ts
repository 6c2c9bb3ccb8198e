/**
 * Login scopes: which a merchant may ask for in the sandbox, how the phone
 * names them, and the userinfo claims each one releases (research §5; the
 * Userinfo API's fields).
 */
import type { LoginScope, Userinfo } from '@kasse/vipps'
import type { User } from '../directory/directory.ts'
import { OAuthError } from './oauth.ts'

/** Every scope the platform knows except `nin`, which needs an approval no sandbox merchant has. */
export const GRANTABLE_SCOPES = [
  'openid',
  'name',
  'email',
  'address',
  'phoneNumber',
  'birthDate',
  'delegatedConsents',
] as const satisfies readonly LoginScope[]
export type GrantableScope = (typeof GRANTABLE_SCOPES)[number]

const isGrantable = (scope: string): scope is GrantableScope =>
  (GRANTABLE_SCOPES as readonly string[]).includes(scope)

/**
 * The scopes of a space-separated `scope` parameter, each once, in the order
 * given. Anything else is `invalid_scope` naming it: the legacy `nnin`, `nin`
 * (needs approval), an unknown scope, or a list without `openid`.
 *
 * @example
 * parseScope('openid name  email name') // ['openid', 'name', 'email']
 */
export function parseScope(raw: string): GrantableScope[] {
  const asked = [...new Set(raw.split(' ').filter(Boolean))]
  const refuse = (description: string) => new OAuthError(400, 'invalid_scope', description)
  for (const scope of asked) {
    if (scope === 'nnin') throw refuse('The legacy scope nnin is not supported; use nin')
    if (scope === 'nin') {
      throw refuse('The scope nin needs approval from Vipps MobilePay, which no sandbox merchant has')
    }
    if (!isGrantable(scope)) {
      throw refuse(`Unknown scope ${JSON.stringify(scope)}; known are ${GRANTABLE_SCOPES.join(', ')}`)
    }
  }
  if (!asked.includes('openid')) throw refuse('scope must include openid')
  return asked as GrantableScope[]
}

/**
 * What the phone says each scope shares, in the order the app lists them.
 * `openid` shares nothing by itself; `delegatedConsents` is the consent screen.
 */
export const SCOPE_WORDS: Readonly<Record<GrantableScope, string | undefined>> = {
  openid: undefined,
  name: 'Name',
  phoneNumber: 'Phone number',
  email: 'E-mail address',
  address: 'Address',
  birthDate: 'Date of birth',
  delegatedConsents: undefined,
}

/** The data a login asks for, in words, e.g. `['Name', 'E-mail address']`. */
export function requestedDataInWords(scopes: readonly GrantableScope[]): string[] {
  return (Object.keys(SCOPE_WORDS) as GrantableScope[])
    .filter((scope) => scopes.includes(scope))
    .map((scope) => SCOPE_WORDS[scope])
    .filter((words): words is string => words !== undefined)
}

/**
 * The userinfo claims the scopes release for `user`: always `sub`, and for
 * each scope its claims, left out where the user has no such data.
 * `delegatedConsents` is added by the caller, which holds the answers.
 */
export function scopedClaims(user: User, sub: string, scopes: readonly GrantableScope[]): Userinfo {
  const claims: Userinfo = { sub }
  for (const scope of scopes) {
    switch (scope) {
      case 'openid':
      case 'delegatedConsents':
        break
      case 'name':
        claims.name = `${user.givenName} ${user.familyName}`.trim()
        claims.given_name = user.givenName
        claims.family_name = user.familyName
        break
      case 'email':
        if (user.email) {
          claims.email = user.email
          // Sandbox users' addresses count as verified, as the app verifies them before sharing.
          claims.email_verified = true
        }
        break
      case 'phoneNumber':
        claims.phone_number = user.msisdn
        break
      case 'address': {
        const { streetAddress, postalCode, region, country } = user.address
        if (streetAddress || postalCode || region) {
          claims.address = {
            address_type: 'home',
            country,
            formatted: [streetAddress, `${postalCode} ${region}`.trim(), country].filter(Boolean).join('\n'),
            postal_code: postalCode,
            region,
            street_address: streetAddress,
          }
        }
        claims.other_addresses = []
        break
      }
      case 'birthDate':
        if (user.birthDate) claims.birthdate = user.birthDate
        break
      default: {
        const unhandled: never = scope
        throw new Error(`unhandled scope ${String(unhandled)}`)
      }
    }
  }
  return claims
}
