import { createDb } from './client'
import { dbCases } from './db.cases'

// PGlite in memory: the embedded default (on disk under .data/pglite when the stack runs).
dbCases('PGlite', () => createDb({ url: 'memory://' }))
