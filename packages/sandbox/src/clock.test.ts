import { afterEach, describe, expect, it } from 'vitest'
import { SandboxClock } from './clock.ts'

describe('SandboxClock', () => {
  let clock: SandboxClock
  afterEach(() => clock.stop())

  it('runs scheduled work in time order when advanced past it', () => {
    let real = 1_000_000
    clock = new SandboxClock(() => real)
    const ran: string[] = []
    clock.schedule(real + 2000, () => ran.push('second'))
    clock.schedule(real + 1000, () => ran.push('first'))
    clock.schedule(real + 5000, () => ran.push('later'))
    clock.advance(2500)
    expect(ran).toEqual(['first', 'second'])
    expect(clock.now()).toBe(real + 2500)
    real += 2500
    clock.advance(0)
    expect(ran).toEqual(['first', 'second', 'later'])
  })

  it('runs work a task schedules when it is already due', () => {
    clock = new SandboxClock(() => 0)
    const ran: number[] = []
    clock.schedule(10, () => {
      ran.push(1)
      clock.schedule(20, () => ran.push(2))
    })
    clock.advance(100)
    expect(ran).toEqual([1, 2])
  })

  it('runs work due now after the code that scheduled it, in the same turn of the event loop', async () => {
    clock = new SandboxClock(() => 5000)
    const ran: string[] = []
    clock.schedule(5000, () => ran.push('due now'))
    clock.schedule(4000, () => ran.push('overdue'))
    const cancelled = clock.schedule(5000, () => ran.push('cancelled'))
    cancelled()
    ran.push('scheduler')
    await new Promise((resolve) => setImmediate(resolve))
    expect(ran).toEqual(['scheduler', 'overdue', 'due now'])
    expect(clock.pendingTasks).toBe(0)
  })

  it('cancels work and refuses to move backwards', () => {
    clock = new SandboxClock(() => 0)
    let ran = false
    const cancel = clock.schedule(10, () => {
      ran = true
    })
    cancel()
    clock.advance(100)
    expect(ran).toBe(false)
    expect(() => clock.advance(-1)).toThrow(RangeError)
  })
})

describe('SandboxClock task failures', () => {
  it('reports a failing task and still runs the ones after it', () => {
    const errors: unknown[] = []
    const clock = new SandboxClock(
      () => 0,
      (error) => errors.push(error),
    )
    const ran: string[] = []
    clock.schedule(1, () => {
      throw new Error('boom')
    })
    clock.schedule(2, () => ran.push('after'))
    clock.advance(10)
    expect(ran).toEqual(['after'])
    expect(errors).toHaveLength(1)
    clock.stop()
  })
})
