/**
 * The key this sandbox signs ID tokens with: an RSA key pair made for this
 * instance (RS256, with a `kid`), whose public half the JWKS endpoint
 * publishes, so merchants verify ID tokens exactly as they would the platform's.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto'
import type { JsonWebKey } from '@kasse/vipps'

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url')

export class IdTokenSigner {
  private pair: { privateKey: KeyObject; publicKey: KeyObject; kid: string } | undefined

  /** The public key as a JWK, as `jwks.json` lists it. */
  publicJwk(): JsonWebKey {
    const { publicKey, kid } = this.keys()
    const { n, e } = publicKey.export({ format: 'jwk' })
    return { kty: 'RSA', kid, use: 'sig', alg: 'RS256', ...(n ? { n } : {}), ...(e ? { e } : {}) }
  }

  /**
   * A compact JWS (RS256) of `claims`, with the key's `kid` in the header.
   *
   * @example
   * signer.sign({ iss, aud: clientId, sub, iat, exp }) // 'eyJhbGciOiJSUzI1NiIs…'
   */
  sign(claims: Record<string, unknown>): string {
    const { privateKey, kid } = this.keys()
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))
    const body = `${header}.${b64url(JSON.stringify(claims))}`
    return `${body}.${b64url(sign('sha256', Buffer.from(body), privateKey))}`
  }

  // Made on first use: generating an RSA key takes a noticeable moment, and
  // most sandboxes (a test of ePayment, say) never sign an ID token.
  private keys() {
    this.pair ??= {
      ...generateKeyPairSync('rsa', { modulusLength: 2048 }),
      kid: `public:${randomUUID()}`,
    }
    return this.pair
  }
}
