import { describe, expect, it } from 'vitest'
import { addDays, localDate, localDayBounds } from './local-day.ts'

describe('the shop’s days', () => {
  it('run midnight to midnight in Norway, 23 and 25 hours long when the clocks change', () => {
    expect(localDayBounds('2026-03-02')).toEqual({
      start: new Date('2026-03-01T23:00:00.000Z'),
      end: new Date('2026-03-02T23:00:00.000Z'),
    })
    expect(localDayBounds('2026-07-01')!.start).toEqual(new Date('2026-06-30T22:00:00.000Z'))
    const hours = (date: string) => {
      const { start, end } = localDayBounds(date)!
      return (end.getTime() - start.getTime()) / 3_600_000
    }
    expect(hours('2026-03-29')).toBe(23)
    expect(hours('2026-10-25')).toBe(25)
  })

  it('put an instant on the date it has in Norway', () => {
    expect(localDate(new Date('2026-03-02T22:59:59.999Z'))).toBe('2026-03-02')
    expect(localDate(new Date('2026-03-02T23:00:00.000Z'))).toBe('2026-03-03')
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01')
  })

  it('are real dates written YYYY-MM-DD, nothing else', () => {
    for (const text of ['2026-02-30', '2026-3-2', 'i dag', '2026-03-02T00:00', '']) {
      expect(localDayBounds(text)).toBeUndefined()
    }
  })
})
