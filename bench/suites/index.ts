/** The bench's suites, in the order they run. A suite is one entry here. */
import { checkoutAtTheTill } from './checkout.ts'
import { sandboxThroughput } from './sandbox-throughput.ts'
import { startupMemory } from './startup-memory.ts'
import type { BenchSuite } from './types.ts'

export const SUITES: BenchSuite[] = [sandboxThroughput, checkoutAtTheTill, startupMemory]
