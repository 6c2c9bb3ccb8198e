/** Access token API (`POST /accesstoken/get`), from specs/access-token-v1.yaml. */
import { type Static, Type } from '@sinclair/typebox'

/** Every field is a string on the wire, epoch seconds included. */
export const AccessTokenResponse = Type.Object({
  token_type: Type.Literal('Bearer'),
  expires_in: Type.String(),
  ext_expires_in: Type.String(),
  expires_on: Type.String(),
  not_before: Type.String(),
  resource: Type.String(),
  access_token: Type.String(),
})
export type AccessTokenResponse = Static<typeof AccessTokenResponse>
