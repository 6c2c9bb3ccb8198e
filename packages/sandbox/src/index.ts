export { type BuildSandboxOptions, buildSandbox, type Sandbox } from './app.ts'
export { SandboxClock } from './clock.ts'
export {
  defaultConfig,
  loadConfig,
  type MerchantConfig,
  type SandboxConfig,
  type UserConfig,
} from './config.ts'
export type { SandboxContext } from './context.ts'
export { type RunningSandbox, type StartSandboxOptions, startSandbox } from './server.ts'
