// The dashboard's tables: each figure block is one table (columns with a format, rows of raw
// values, links to the interventions behind a figure). The page draws its charts and data
// tables from them and the CSV export writes the same tables, so the two cannot disagree.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';

export type CellValue = string | number | boolean | null;

/** How the page shows a value; the CSV always has the raw value (shares as fractions, instants in ISO 8601). */
export type CellFormat = 'text' | 'count' | 'percent' | 'points' | 'per_minute' | 'seconds' | 'datetime';

export interface Column {
  key: string;
  label: string;
  format: CellFormat;
}

export interface Row {
  cells: Record<string, CellValue>;
  /** column key → where its figure's interventions (or the customer) are listed */
  links?: Record<string, string>;
}

export interface Table {
  name: string;
  caption: string;
  columns: Column[];
  rows: Row[];
}

function csvValue(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

export function csvHeader(columns: readonly Column[]): string[] {
  return columns.map((column) => column.label);
}

export function csvRecord(columns: readonly Column[], cells: Record<string, CellValue>): string[] {
  return columns.map((column) => csvValue(cells[column.key]));
}

export function tableCsv(table: Table): string {
  return stringifySync([csvHeader(table.columns), ...table.rows.map((row) => csvRecord(table.columns, row.cells))]);
}

export function sendCsv(res: Response, filename: string, body: string): void {
  res.type('text/csv; charset=utf-8').attachment(filename).send(body);
}

/**
 * Streams a long list as CSV, a page at a time, with backpressure, so that the interventions
 * behind a large figure are never held in memory at once.
 */
export async function streamCsv<T>(res: Response, filename: string, columns: readonly Column[], pages: AsyncIterable<T[]>, cells: (item: T) => Record<string, CellValue>): Promise<void> {
  async function* records() {
    yield csvHeader(columns);
    for await (const page of pages) {
      for (const item of page) yield csvRecord(columns, cells(item));
    }
  }
  res.type('text/csv; charset=utf-8').attachment(filename);
  await pipeline(Readable.from(records()), stringify(), res);
}
