#!/usr/bin/env node
// The packages are TypeScript run from source; tsx compiles them on load.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
await main(process.argv.slice(2))
