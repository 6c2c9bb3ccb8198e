/** QR API v1: the personal QR exchange (`POST /qr/v1/exchange`), from specs/qr-v1.yaml. */
import { type Static, Type } from '@sinclair/typebox'

export const PersonalQrExchangeRequest = Type.Object({
  /** The complete content of the scanned QR code, verbatim. */
  qrCode: Type.String(),
  requestedData: Type.Optional(Type.Array(Type.Literal('MSISDN'))),
})
export type PersonalQrExchangeRequest = Static<typeof PersonalQrExchangeRequest>

export const PersonalQrExchangeResponse = Type.Object({
  msisdn: Type.String(),
  version: Type.Union([Type.Literal('1.0'), Type.Literal('2.0')]),
  /** When the code was generated, UTC seconds; only for version 2.0 codes. */
  timestamp: Type.Optional(Type.Integer()),
})
export type PersonalQrExchangeResponse = Static<typeof PersonalQrExchangeResponse>
