export { type BuildSandboxOptions, buildSandbox, type Sandbox } from './app.ts'
export { SandboxClock } from './clock.ts'
export {
  defaultConfig,
  type FaultsConfig,
  loadConfig,
  type MerchantConfig,
  type SandboxConfig,
  type UserConfig,
} from './config.ts'
export type { SandboxContext } from './context.ts'
export { DEFAULT_FAULT_SEED, type FaultLogEntry, type FaultRuleView } from './faults/faults.ts'
export { FaultsFileError, faultsFromCommandLine } from './faults/faults-file.ts'
export type { FaultRule } from './faults/rules.ts'
export { type RunningSandbox, type StartSandboxOptions, startSandbox } from './server.ts'
