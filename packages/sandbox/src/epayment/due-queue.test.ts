import { describe, expect, it } from 'vitest'
import { SandboxClock } from '../clock.ts'
import { DueQueue } from './due-queue.ts'

const frozenClock = () => new SandboxClock(() => 1_000_000)

describe('DueQueue', () => {
  it('runs items in time order when the clock reaches them, with one task on the clock', () => {
    const clock = frozenClock()
    const ran: string[] = []
    const queue = new DueQueue<string>(clock, (item) => ran.push(item))
    queue.add(clock.now() + 300, 'c')
    queue.add(clock.now() + 100, 'a')
    queue.add(clock.now() + 200, 'b')
    queue.add(clock.now() + 200, 'b2')
    expect(clock.pendingTasks).toBe(1)
    clock.advance(150)
    expect(ran).toEqual(['a'])
    clock.advance(1000)
    expect(ran).toEqual(['a', 'b', 'b2', 'c'])
    expect(queue.size).toBe(0)
    expect(clock.pendingTasks).toBe(0)
    clock.stop()
  })

  it('re-arms for an item earlier than the one armed, and forgets everything on clear', () => {
    const clock = frozenClock()
    const ran: number[] = []
    const queue = new DueQueue<number>(clock, (item) => ran.push(item))
    queue.add(clock.now() + 1000, 2)
    queue.add(clock.now() + 10, 1)
    expect(clock.pendingTasks).toBe(1)
    clock.advance(10)
    expect(ran).toEqual([1])
    queue.add(clock.now() + 20, 3)
    queue.clear()
    expect(clock.pendingTasks).toBe(0)
    clock.advance(5000)
    expect(ran).toEqual([1])
    clock.stop()
  })
})
