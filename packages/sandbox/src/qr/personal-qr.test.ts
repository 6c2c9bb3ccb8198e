import { describe, expect, it } from 'vitest'
import { PersonalQrCodes, personalQrV1 } from './personal-qr.ts'

describe('personal QR codes', () => {
  const clock = { now: () => 1_700_000_000_000 }

  it('reads the phone number from a version 1.0 code', () => {
    const codes = new PersonalQrCodes(clock)
    expect(codes.resolve(personalQrV1('4791234567'))).toEqual({ msisdn: '4791234567', version: '1.0' })
  })

  it('resolves the current version 2.0 code to its user, with the time it was issued', () => {
    const codes = new PersonalQrCodes(clock)
    const content = codes.current('4712345678')
    expect(content).toMatch(/^https:\/\/qr\.vipps\.no\/p\//)
    expect(codes.current('4712345678')).toBe(content)
    expect(codes.resolve(content)).toEqual({ msisdn: '4712345678', version: '2.0', timestamp: 1_700_000_000 })
  })

  it('stops resolving a code once it is rotated out', () => {
    const codes = new PersonalQrCodes(clock)
    const old = codes.current('4712345678')
    const fresh = codes.rotate('4712345678')
    expect(fresh).not.toBe(old)
    expect(codes.resolve(old)).toBeUndefined()
    expect(codes.resolve(fresh)?.msisdn).toBe('4712345678')
  })

  it('does not take other content for a personal code', () => {
    const codes = new PersonalQrCodes(clock)
    for (const content of [
      '4712345678',
      'https://example.com/p/abcdefghijklmnopqrstu',
      'https://qr.vipps.no/p/short',
    ])
      expect(codes.resolve(content)).toBeUndefined()
  })
})
