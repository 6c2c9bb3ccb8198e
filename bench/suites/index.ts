/**
 * The bench's suites, in the order they run. A suite is one entry here; the
 * till's end-to-end checkout suite (issue 9, part 2) joins as
 * `checkoutAtTheTill` once packages/pos serves its API.
 */
import { sandboxThroughput } from './sandbox-throughput.ts'
import { startupMemory } from './startup-memory.ts'
import type { BenchSuite } from './types.ts'

export const SUITES: BenchSuite[] = [sandboxThroughput, startupMemory]
