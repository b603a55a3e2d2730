// Writes a batch so that a row PostgreSQL refuses costs only itself. The write is tried whole;
// when the database refuses a value in it (isRefusedValue), the write stored nothing (one
// statement, or one transaction), so the rows are written again in halves until the refused
// row is alone. A clean batch costs one write; k bad rows cost about 2·k·log2(n) more.
import { errorMessage } from '../errors.js';
import { isRefusedValue } from './pool.js';

export interface Refused {
  refused: string;
}

/** `write` returns one result per row, in order; each row gets its result, or why it was refused. */
export async function writeIsolatingRefused<T, R>(rows: readonly T[], write: (rows: readonly T[]) => Promise<R[]>): Promise<(R | Refused)[]> {
  if (rows.length === 0) return [];
  try {
    return await write(rows);
  } catch (error) {
    if (!isRefusedValue(error)) throw error;
    if (rows.length === 1) return [{ refused: errorMessage(error) }];
    const half = Math.ceil(rows.length / 2);
    return [...(await writeIsolatingRefused(rows.slice(0, half), write)), ...(await writeIsolatingRefused(rows.slice(half), write))];
  }
}

export function isRefused(result: unknown): result is Refused {
  return typeof result === 'object' && result !== null && 'refused' in result;
}
