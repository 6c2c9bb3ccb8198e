/**
 * Faults from the command line: `kasse sandbox --faults faults.json --fault-seed 42`.
 * The file holds what `PUT /_sandbox/faults` takes (`{ "seed": 42, "rules": [...] }`)
 * or just the array of rules; `--fault-seed` overrides its seed.
 */
import { readFileSync } from 'node:fs'
import type { FaultsConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import { checkFaultsConfig } from './faults.ts'

/** A fault file or seed that cannot be used; its message says what to fix. */
export class FaultsFileError extends Error {
  override name = 'FaultsFileError'
}

/**
 * Reads and checks the faults given on the command line; either may be absent.
 * Throws FaultsFileError naming the file and the field.
 *
 * @example
 * const faults = faultsFromCommandLine({ file: 'chaos.json', seed: '42' })
 * startSandbox({ config: { ...loadConfig(), faults } })
 */
export function faultsFromCommandLine(options: { file?: string; seed?: string }): FaultsConfig {
  let config: FaultsConfig = {}
  if (options.file !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(options.file, 'utf8'))
    } catch (error) {
      throw new FaultsFileError(`${options.file}: ${(error as Error).message}`)
    }
    config = (Array.isArray(parsed) ? { rules: parsed } : parsed) as FaultsConfig
  }
  if (options.seed !== undefined) {
    if (!/^\d{1,10}$/.test(options.seed)) {
      throw new FaultsFileError(`--fault-seed must be an integer from 0 to 4294967295, not ${options.seed}`)
    }
    config = { ...config, seed: Number(options.seed) }
  }
  try {
    checkFaultsConfig(config)
  } catch (error) {
    if (error instanceof ProblemError) {
      throw new FaultsFileError(`${options.file ?? '--fault-seed'}: ${error.detail ?? error.title}`)
    }
    throw error
  }
  return config
}
