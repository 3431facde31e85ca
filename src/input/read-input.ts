import { open } from 'node:fs/promises';
import { InputError, type InputCode } from '../errors/index.js';
import { INPUT_CODES } from './input-limits.js';

/** Largest document read whole into memory (templates, policies, bundles, fleet documents): well under V8's longest string. */
export const MAX_DOCUMENT_BYTES = 256 * 2 ** 20;

/**
 * Read an input file whole, refusing it once it passes `maxBytes`. `readFile` reads a character
 * device or a FIFO (/dev/zero, a process substitution) until the process cannot hold the text
 * (RangeError: an internal error, exit 70), or for minutes; this stops at the limit. System errors
 * (ENOENT, EISDIR, EIO, EACCES) are thrown as they are, for the caller to name; `cannotRead`
 * turns one into a message.
 */
export async function readInputFile(path: string, maxBytes: number = MAX_DOCUMENT_BYTES): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) {
        throw new InputError(INPUT_CODES.tooLarge, `${path} is larger than ${maxBytes} bytes, the limit for this input`, { where: path, data: { limit: maxBytes } });
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

/** readInputFile as UTF-8 text. */
export async function readInputText(path: string, maxBytes: number = MAX_DOCUMENT_BYTES): Promise<string> {
  return (await readInputFile(path, maxBytes)).toString('utf8');
}

/** An error from reading an input file, as an InputError naming the file (a GoldsmithError passes through). */
export function cannotRead(path: string, e: unknown, code: InputCode, what = 'file'): Error {
  if (e instanceof InputError) return e;
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'EISDIR' ? 'it is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
  return new InputError(code, `cannot read ${what} ${path}: ${why}`, { where: path, cause: e });
}
