/**
 * The seeded randomness behind fault probabilities. Every rule draws from its
 * own stream, derived from the sandbox's fault seed and the rule's number, so a
 * rule's dice do not depend on how much traffic other rules saw: the same seed
 * and the same requests give the same faults, whatever else is configured.
 */

/** The largest seed; seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff

/** SplitMix32's finaliser: spreads neighbouring inputs (seed 1, seed 2) far apart. */
function mix32(value: number): number {
  let z = (value + 0x9e37_79b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/**
 * A Mulberry32 generator: numbers in [0, 1), the same sequence for the same seed.
 * Not for secrets, only for reproducible chance.
 *
 * @example
 * const next = seededRandom(streamSeed(42, 1))
 * next() < 0.25 // the rule fires a quarter of the time, the same quarter every run
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return function next(): number {
    state = (state + 0x6d2b_79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** The seed of stream `stream` (a rule's number) under the sandbox's fault seed. */
export function streamSeed(seed: number, stream: number): number {
  return mix32(mix32(seed >>> 0) ^ Math.imul(stream, 0x27d4_eb2d))
}
