import { freshDatabase } from '../../test/postgres'
import { operatorApiCases } from './api.cases'

// The running PostgreSQL, in a database of this file's own (dropped afterwards).
operatorApiCases('PostgreSQL', () => freshDatabase())
