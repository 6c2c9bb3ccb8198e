/**
 * Login API: OpenID Connect discovery, the OAuth token endpoint, merchant-initiated
 * login (CIBA, "login from phone number") and userinfo. Written from
 * specs/login-v1.yaml 1.1.0, specs/userinfo-v2.yaml 2.0.3 and, for CIBA, which no
 * spec covers, the Login API guide's prose (research/vipps-api.md §5) and the
 * OpenID CIBA Core standard it follows.
 *
 * Form-encoded requests (token, CIBA start) are described as objects of strings:
 * the sandbox parses the form into one and validates it against these.
 */
import { type Static, Type } from '@sinclair/typebox'

/** Paths below the API host. CIBA's endpoint is not in discovery's spec, only in the guide. */
export const LOGIN_PATHS = {
  discovery: '/access-management-1.0/access/.well-known/openid-configuration',
  jwks: '/access-management-1.0/access/.well-known/jwks.json',
  authorize: '/access-management-1.0/access/oauth2/auth',
  token: '/access-management-1.0/access/oauth2/token',
  cibaAuthentication: '/vipps-login-ciba/api/backchannel/authentication',
  userinfo: '/vipps-userinfo-api/userinfo',
} as const

/**
 * The scopes a merchant may ask for. `nin` needs approval; `delegatedConsents`
 * is CIBA only; the legacy `nnin` is refused by CIBA.
 */
export const LOGIN_SCOPES = [
  'openid',
  'name',
  'email',
  'address',
  'phoneNumber',
  'birthDate',
  'nin',
  'delegatedConsents',
] as const
export type LoginScope = (typeof LOGIN_SCOPES)[number]

/** How the client authenticates at the token and CIBA endpoints (a portal setting per sales unit). */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number]

export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba'
/** The grant for the CIBA variant that sends the user to the merchant's web page. */
export const CIBA_REDIRECT_GRANT_TYPE = 'urn:vipps:params:grant-type:ciba-redirect'

/** `login_hint` for a phone number: `urn:msisdn:` and the MSISDN (pre-2023 `urn:mobilenumber:` is gone). */
export const LOGIN_HINT_PATTERN = '^urn:msisdn:\\d{10,15}$'
/** Shown in the app beside the login request; capitals, digits and dashes. */
export const BINDING_MESSAGE_PATTERN = '^[A-Z0-9\\-]{5,8}$'

/** The discovery document. Required fields are those the spec requires. */
export const OpenIdConfiguration = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  jwks_uri: Type.String(),
  response_types_supported: Type.Array(Type.String()),
  subject_types_supported: Type.Array(Type.String()),
  id_token_signing_alg_values_supported: Type.Array(Type.String()),
  userinfo_endpoint: Type.Optional(Type.String()),
  /** Present on the live platform: where CIBA starts. */
  backchannel_authentication_endpoint: Type.Optional(Type.String()),
  backchannel_token_delivery_modes_supported: Type.Optional(Type.Array(Type.String())),
  backchannel_user_code_parameter_supported: Type.Optional(Type.Boolean()),
  claims_parameter_supported: Type.Optional(Type.Boolean()),
  claims_supported: Type.Optional(Type.Array(Type.String())),
  grant_types_supported: Type.Optional(Type.Array(Type.String())),
  request_parameter_supported: Type.Optional(Type.Boolean()),
  request_uri_parameter_supported: Type.Optional(Type.Boolean()),
  require_request_uri_registration: Type.Optional(Type.Boolean()),
  response_modes_supported: Type.Optional(Type.Array(Type.String())),
  scopes_supported: Type.Optional(Type.Array(Type.String())),
  token_endpoint_auth_methods_supported: Type.Optional(Type.Array(Type.String())),
})
export type OpenIdConfiguration = Static<typeof OpenIdConfiguration>

export const JsonWebKey = Type.Object({
  kty: Type.String(),
  kid: Type.String(),
  use: Type.String(),
  alg: Type.String(),
  crv: Type.Optional(Type.String()),
  e: Type.Optional(Type.String()),
  n: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  y: Type.Optional(Type.String()),
  x5c: Type.Optional(Type.Array(Type.String())),
})
export type JsonWebKey = Static<typeof JsonWebKey>

export const JsonWebKeySet = Type.Object({ keys: Type.Array(JsonWebKey) })
export type JsonWebKeySet = Static<typeof JsonWebKeySet>

/**
 * The token endpoint's success. The spec types `id_token` as an integer; it is a
 * JWS (a string), as its own example and the CIBA guide show.
 */
export const OAuthTokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.String(),
  expires_in: Type.Integer(),
  id_token: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
  refresh_token: Type.Optional(Type.String()),
})
export type OAuthTokenResponse = Static<typeof OAuthTokenResponse>

/** The CIBA standard's errors for a token poll, plus the OAuth ones any token request may get. */
export const CIBA_POLL_ERRORS = [
  'authorization_pending',
  'slow_down',
  'access_denied',
  'expired_token',
] as const
export type CibaPollError = (typeof CIBA_POLL_ERRORS)[number]

/**
 * An OAuth error (token endpoint, CIBA start, the access token API). The Login
 * spec's `ErrorResponse` has `error_code` as an integer and `error_debug`; the
 * CIBA guide adds string codes (`error_code=old_app`, `invalid_user`), so both
 * types are accepted.
 */
export const OAuthErrorResponse = Type.Object({
  error: Type.String(),
  error_description: Type.Optional(Type.String()),
  error_code: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  error_debug: Type.Optional(Type.String()),
  error_hint: Type.Optional(Type.String()),
})
export type OAuthErrorResponse = Static<typeof OAuthErrorResponse>

/** Client credentials in the form body, for `client_secret_post`. */
const ClientSecretPost = {
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
}

/** `POST {cibaAuthentication}` form fields. */
export const CibaAuthenticationRequest = Type.Object({
  scope: Type.String({ minLength: 1 }),
  login_hint: Type.String({ pattern: LOGIN_HINT_PATTERN }),
  binding_message: Type.Optional(Type.String({ pattern: BINDING_MESSAGE_PATTERN })),
  state: Type.Optional(Type.String()),
  nonce: Type.Optional(Type.String()),
  /** With `redirect_uri`: the user finishes on the merchant's web page. */
  requested_flow: Type.Optional(Type.Literal('login_to_webpage')),
  redirect_uri: Type.Optional(Type.String()),
  ...ClientSecretPost,
})
export type CibaAuthenticationRequest = Static<typeof CibaAuthenticationRequest>

/** The acknowledgement of a CIBA start. `interval` (seconds between polls) defaults to 5. */
export const CibaAuthenticationResponse = Type.Object({
  auth_req_id: Type.String({ minLength: 1 }),
  expires_in: Type.Integer({ minimum: 1 }),
  interval: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type CibaAuthenticationResponse = Static<typeof CibaAuthenticationResponse>

/** Token endpoint form fields, one shape per grant the system uses. */
export const CibaTokenRequest = Type.Object({
  grant_type: Type.Literal(CIBA_GRANT_TYPE),
  auth_req_id: Type.String({ minLength: 1 }),
  ...ClientSecretPost,
})
export type CibaTokenRequest = Static<typeof CibaTokenRequest>

export const CibaRedirectTokenRequest = Type.Object({
  grant_type: Type.Literal(CIBA_REDIRECT_GRANT_TYPE),
  code: Type.String({ minLength: 1 }),
  ...ClientSecretPost,
})
export type CibaRedirectTokenRequest = Static<typeof CibaRedirectTokenRequest>

export const AuthorizationCodeTokenRequest = Type.Object({
  grant_type: Type.Literal('authorization_code'),
  code: Type.String({ minLength: 1 }),
  redirect_uri: Type.String({ minLength: 1 }),
  code_verifier: Type.Optional(Type.String()),
  ...ClientSecretPost,
})
export type AuthorizationCodeTokenRequest = Static<typeof AuthorizationCodeTokenRequest>

export const USERINFO_ADDRESS_TYPES = ['home', 'work', 'other'] as const

export const UserinfoAddress = Type.Object({
  address_type: Type.Optional(Type.String()),
  country: Type.Optional(Type.String()),
  default: Type.Optional(Type.Boolean()),
  formatted: Type.Optional(Type.String()),
  postal_code: Type.Optional(Type.String()),
  region: Type.Optional(Type.String()),
  street_address: Type.Optional(Type.String()),
})
export type UserinfoAddress = Static<typeof UserinfoAddress>

/** One marketing consent the user gave (or refused) the merchant through `delegatedConsents`. */
export const DelegatedConsent = Type.Object({
  id: Type.String(),
  accepted: Type.Boolean(),
  required: Type.Boolean(),
  textDisplayedToUser: Type.String(),
})
export type DelegatedConsent = Static<typeof DelegatedConsent>

export const DelegatedConsents = Type.Object({
  language: Type.Optional(Type.String()),
  heading: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  termsDescription: Type.Optional(Type.String()),
  confirmConsentButtonText: Type.Optional(Type.String()),
  links: Type.Optional(Type.Record(Type.String(), Type.String())),
  timeOfConsent: Type.Optional(Type.String()),
  consents: Type.Array(DelegatedConsent),
})
export type DelegatedConsents = Static<typeof DelegatedConsents>

/**
 * What the user agreed to share. Only `sub` is always there; the rest follow the
 * scopes consented to. The spec's `phone_number` pattern (`^\d{15}$`) contradicts
 * its own example (`4791234567`); the schema takes any MSISDN.
 */
export const Userinfo = Type.Object({
  sub: Type.String(),
  sid: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  given_name: Type.Optional(Type.String()),
  family_name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  email_verified: Type.Optional(Type.Boolean()),
  phone_number: Type.Optional(Type.String({ pattern: '^\\d{10,15}$' })),
  birthdate: Type.Optional(Type.String()),
  nin: Type.Optional(Type.String({ pattern: '^\\d{11}$' })),
  address: Type.Optional(UserinfoAddress),
  other_addresses: Type.Optional(Type.Array(UserinfoAddress)),
  /** Deprecated by the platform; only for merchants with an old agreement. */
  accounts: Type.Optional(
    Type.Array(
      Type.Object({
        account_name: Type.Optional(Type.String()),
        account_number: Type.Optional(Type.String()),
        bank_name: Type.Optional(Type.String()),
      }),
    ),
  ),
  delegatedConsents: Type.Optional(DelegatedConsents),
})
export type Userinfo = Static<typeof Userinfo>

/** Userinfo's error body (the spec types `status` as a string). */
export const UserinfoError = Type.Object({
  type: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
})
export type UserinfoError = Static<typeof UserinfoError>
