/**
 * Work due at points in sandbox time, kept in a min-heap with a single task on
 * the clock for the earliest one. The clock's own scheduler sorts its task list
 * on every insert; a payment each needing its own task would make creating
 * payments slower the more there are.
 */
import type { SandboxClock } from '../clock.ts'

interface Entry<T> {
  at: number
  seq: number
  item: T
}

export class DueQueue<T> {
  private heap: Entry<T>[] = []
  private seq = 0
  private armedAt = Number.POSITIVE_INFINITY
  private disarm: (() => void) | undefined

  /** `onDue` runs for each item once sandbox time reaches its `at`, in time order. */
  constructor(
    private readonly clock: SandboxClock,
    private readonly onDue: (item: T) => void,
  ) {}

  get size(): number {
    return this.heap.length
  }

  add(at: number, item: T): void {
    const heap = this.heap
    heap.push({ at, seq: this.seq++, item })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      swap(heap, i, parent)
      i = parent
    }
    if (at < this.armedAt) this.arm(at)
  }

  /** Forgets every item (reset). */
  clear(): void {
    this.heap = []
    this.disarm?.()
    this.disarm = undefined
    this.armedAt = Number.POSITIVE_INFINITY
  }

  private arm(at: number): void {
    this.disarm?.()
    this.armedAt = at
    this.disarm = this.clock.schedule(at, () => this.runDue())
  }

  private runDue(): void {
    this.disarm = undefined
    this.armedAt = Number.POSITIVE_INFINITY
    try {
      const now = this.clock.now()
      while (this.heap.length > 0 && this.heap[0]!.at <= now) this.onDue(this.pop())
    } finally {
      // Re-arm even when an item's work threw, so the rest still come due.
      const next = this.heap[0]
      if (next) this.arm(next.at)
    }
  }

  private pop(): T {
    const heap = this.heap
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right
        if (smallest === i) break
        swap(heap, i, smallest)
        i = smallest
      }
    }
    return top.item
  }
}

const before = <T>(a: Entry<T>, b: Entry<T>) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

function swap<T>(heap: T[], i: number, j: number): void {
  const tmp = heap[i]!
  heap[i] = heap[j]!
  heap[j] = tmp
}
