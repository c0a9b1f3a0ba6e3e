import { operatorApiCases } from './api.cases'

// PGlite in memory: what `npm start` runs (on disk there).
operatorApiCases('PGlite', async () => ({ url: 'memory://' }))
