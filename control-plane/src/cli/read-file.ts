import { readFile } from 'node:fs/promises'
import { usageError } from './cli-error'

/** A file's bytes, or a usage error that names the file and why it could not be read. */
export async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw usageError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`,
    )
  }
}
