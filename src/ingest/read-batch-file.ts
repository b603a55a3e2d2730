// Streams a scoring batch file (CSV or JSONL) as raw rows with their line numbers, in
// constant memory. Rows that cannot even be parsed come out as errors, not exceptions.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Parser } from 'csv-parse';
import { InputError } from '../errors.js';

export type BatchFormat = 'csv' | 'jsonl';

export type SourceRow = { line: number; raw: Record<string, unknown> } | { line: number; error: string };

export function formatOf(file: string): BatchFormat {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  throw new InputError(`${file}: unknown file type; name it .csv or .jsonl (use --format for stdin)`);
}

const REQUIRED_COLUMNS = ['customer_id', 'risk_score'];

/**
 * csv-parse, emitting each record with the line it ends on: read from the parser's counters at
 * the moment it emits the record, the value its `info` option would give. That option builds a
 * statistics object for every record, which measured 40% of the parse (1M rows: 3.8 s against
 * 2.2 s) and a good share of the garbage.
 */
class NumberedCsvParser extends Parser {
  override push(record: unknown, encoding?: BufferEncoding): boolean {
    return super.push(record === null ? null : { record, line: this.info.lines }, encoding);
  }
}

export async function* readCsvRows(input: Readable, name: string): AsyncGenerator<SourceRow> {
  const skipped: SourceRow[] = [];
  const parser = new NumberedCsvParser({
    columns: (header: string[]) => {
      const columns = header.map((column) => column.trim().toLowerCase());
      const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
      if (missing.length) throw new InputError(`${name}: line 1: missing column ${missing.join(', ')} (found: ${columns.join(', ') || 'nothing'})`);
      // Otherwise the last of two columns with one name would silently win.
      const repeated = columns.filter((column, index) => column !== '' && columns.indexOf(column) !== index);
      if (repeated.length) throw new InputError(`${name}: line 1: column ${[...new Set(repeated)].join(', ')} appears more than once`);
      return columns;
    },
    skip_empty_lines: true,
    trim: true,
    bom: true,
    skip_records_with_error: true,
  });
  parser.on('skip', (error: Error & { lines?: number }) => {
    skipped.push({ line: error.lines ?? 0, error: `not a valid CSV row: ${error.message}` });
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  for await (const item of parser as AsyncIterable<{ record: Record<string, unknown>; line: number }>) {
    while (skipped.length) yield skipped.shift()!;
    yield { line: item.line, raw: item.record };
  }
  while (skipped.length) yield skipped.shift()!;
}

export async function* readJsonlRows(input: Readable): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, error: 'not valid JSON' };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, error: 'must be a JSON object' };
      continue;
    }
    yield { line, raw: value as Record<string, unknown> };
  }
}

export function readBatchRows(input: Readable, format: BatchFormat, name: string): AsyncGenerator<SourceRow> {
  return format === 'csv' ? readCsvRows(input, name) : readJsonlRows(input);
}
