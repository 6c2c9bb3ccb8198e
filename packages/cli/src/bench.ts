/**
 * `kasse bench`: the benchmarks in bench/ (bench/README.md), run from a
 * checkout. Loaded only for this command, so `kasse up` never pays for it.
 */
import { runBench } from '../../../bench/run.ts'

export async function bench(argv: string[]): Promise<void> {
  process.exitCode = await runBench(argv)
}
