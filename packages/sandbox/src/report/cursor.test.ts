import { describe, expect, it } from 'vitest'
import { ProblemError } from '../http/problem.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'

const refusal = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    if (error instanceof ProblemError)
      return `${error.status} ${error.extraDetails?.[0]?.name}: ${error.detail}`
    throw error
  }
  throw new Error('expected a refusal')
}

describe('cursors', () => {
  it('come back as the position they were given for, in the same scope and generation', () => {
    const cursor = encodeCursor('g1', { scope: 'feed 578123456 funds', position: 7 })
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(cursor, 'g1', 'feed 578123456 funds', 10)).toBe(7)
    expect(decodeCursor(cursor, 'g1', 'feed 578123456 funds', 7)).toBe(7)
  })

  it('are refused with a 400 naming the cursor when garbled, foreign, stale or out of range', () => {
    const cursor = encodeCursor('g1', { scope: 'feed 578123456 funds', position: 7 })
    expect(refusal(() => decodeCursor('not a cursor', 'g1', 'feed 578123456 funds', 10))).toMatch(
      /^400 cursor: cursor: is not a cursor/,
    )
    expect(refusal(() => decodeCursor(cursor, 'g1', 'feed 578123456 fees', 10))).toMatch(/another ledger/)
    expect(refusal(() => decodeCursor(cursor, 'g2', 'feed 578123456 funds', 10))).toMatch(/reset/)
    expect(refusal(() => decodeCursor(cursor, 'g1', 'feed 578123456 funds', 6))).toMatch(/outside/)
    const negative = encodeCursor('g1', { scope: 's', position: -1 })
    expect(refusal(() => decodeCursor(negative, 'g1', 's', 6))).toMatch(/outside/)
    const json = Buffer.from('[1,2]').toString('base64url')
    expect(refusal(() => decodeCursor(json, 'g1', 's', 6))).toMatch(/is not a cursor/)
  })
})
