import { defineConfig } from 'drizzle-kit'

/** `npm run db:generate -w control-plane` writes a migration for schema changes into ./drizzle (committed). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './drizzle',
})
