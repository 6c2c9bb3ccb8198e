/**
 * A login as the simulated phone and the control API show it: what the app
 * would show the user (the merchant, the confirmation code, the data asked
 * for, the consent screen), plus enough to answer it through the control API.
 */
import type { ConsentId, MerchantConsentTexts } from '../config.ts'
import type { LoginState } from './machine.ts'
import { requestedDataInWords } from './scopes.ts'
import type { LoginRecord } from './store.ts'

export interface PhoneLogin {
  authReqId: string
  msn: string
  merchantName: string
  msisdn: string
  state: LoginState
  /** The scopes asked for, as sent. */
  scopes: string[]
  /** The data they share, in words, e.g. `['Name', 'E-mail address']`. */
  requestedData: string[]
  /** The code the till shows, for the user to compare. */
  bindingMessage?: string
  /** ISO 8601, on the sandbox clock. */
  createdAt: string
  expiresAt: string
  answeredAt?: string
  /** Seconds the merchant must leave between polls now. */
  interval: number
  /** The merchant's consent screen, with the user's answers once accepted. */
  consentRequest?: Omit<MerchantConsentTexts, 'consents'> & {
    consents: Array<MerchantConsentTexts['consents'][number] & { accepted?: boolean }>
  }
  /** The `login_to_webpage` flow, once accepted: where the user's browser goes next. */
  redirectUrl?: string
}

export function phoneLogin(login: LoginRecord, merchantName: string, redirectUrl?: string): PhoneLogin {
  const screen = login.consentScreen
  const answers: Partial<Record<ConsentId, boolean>> = login.consents ?? {}
  return {
    authReqId: login.authReqId,
    msn: login.msn,
    merchantName,
    msisdn: login.msisdn,
    state: login.state,
    scopes: [...login.scopes],
    requestedData: requestedDataInWords(login.scopes),
    ...(login.bindingMessage ? { bindingMessage: login.bindingMessage } : {}),
    createdAt: new Date(login.createdAt).toISOString(),
    expiresAt: new Date(login.expiresAt).toISOString(),
    ...(login.answeredAt !== undefined ? { answeredAt: new Date(login.answeredAt).toISOString() } : {}),
    interval: login.interval,
    ...(screen
      ? {
          consentRequest: {
            ...screen,
            links: { ...screen.links },
            consents: screen.consents.map((consent) => ({
              ...consent,
              ...(login.consents ? { accepted: answers[consent.id] === true } : {}),
            })),
          },
        }
      : {}),
    ...(redirectUrl ? { redirectUrl } : {}),
  }
}
