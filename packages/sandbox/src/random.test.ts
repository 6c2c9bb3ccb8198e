import { describe, expect, it } from 'vitest'
import { randomToken } from './random.ts'

describe('randomToken', () => {
  it('gives URL-safe tokens of the asked length, never the same twice, across many refills of the pool', () => {
    const tokens = new Set<string>()
    // 18 bytes each: 2 000 tokens draw 36 000 bytes, four refills of the 8 KiB pool.
    for (let i = 0; i < 2000; i++) {
      const token = randomToken(18)
      expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/)
      tokens.add(token)
    }
    expect(tokens.size).toBe(2000)
  })

  it('uses every random byte: the bits of a long run of tokens are balanced', () => {
    let ones = 0
    const bytes = 32 * 1000
    for (let i = 0; i < 1000; i++) {
      for (const byte of Buffer.from(randomToken(32), 'base64url')) {
        for (let bit = byte; bit > 0; bit >>= 1) ones += bit & 1
      }
    }
    // 256 000 fair bits: the share of ones is 0.5 ± 0.005 with overwhelming probability (10 σ).
    expect(Math.abs(ones / (bytes * 8) - 0.5)).toBeLessThan(0.01)
  })

  it('refuses a token longer than its pool', () => {
    expect(() => randomToken(64 * 1024)).toThrow(RangeError)
  })
})
