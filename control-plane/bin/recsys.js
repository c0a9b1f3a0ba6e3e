#!/usr/bin/env node
// `recsys`: registers tsx's ESM loader, then runs the TypeScript CLI from source (no build step).
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
