// The interventions behind a figure, and a customer's interventions, as tables: which figure a
// request asks for, what it is called, and the columns of the list (page and CSV alike).
import type { Request } from 'express';
import { FUNNEL_SIDE_COUNTS, FUNNEL_STAGES } from '../domain/funnel.js';
import type { Figure, ListCursor, ListedIntervention } from '../db/intervention-list.js';
import { OUTCOME_FIGURES } from '../db/intervention-scope.js';
import { InputError } from '../errors.js';
import type { Column, Row } from './tables.js';

const OUTCOME_LABELS: Record<keyof typeof OUTCOME_FIGURES, string> = {
  treated: 'Treated interventions',
  matured: 'Treated interventions whose 30 days have passed',
  maturing: 'Treated interventions still maturing',
  prevented: 'Treated interventions with no default in 30 days',
  defaulted: 'Treated interventions followed by a default within 30 days',
  holdout: 'Holdout interventions (not contacted)',
  holdout_matured: 'Holdout interventions whose 30 days have passed',
  holdout_defaulted: 'Holdout interventions followed by a default within 30 days',
};

const STAGES = [...FUNNEL_STAGES, ...FUNNEL_SIDE_COUNTS] as const;

export function parseFigure(value: Request['query'][string]): { figure: Figure; name: string } {
  const name = value === undefined ? 'treated' : value;
  if (typeof name === 'string' && Object.hasOwn(OUTCOME_FIGURES, name)) return { figure: { outcome: name as keyof typeof OUTCOME_FIGURES }, name };
  if (typeof name === 'string' && (STAGES as readonly string[]).includes(name)) return { figure: { stage: name as (typeof STAGES)[number] }, name };
  throw new InputError(`figure must be one of ${[...Object.keys(OUTCOME_FIGURES), ...STAGES].join(', ')}`);
}

export function figureTitle(figure: Figure, channel: string | null): string {
  if ('outcome' in figure) return OUTCOME_LABELS[figure.outcome];
  return `Funnel${channel ? `, ${channel.replaceAll('_', ' ')}` : ''}: ${figure.stage}`;
}

/** `after` as the list's links give it: "<intervention id>" or "<intervention id>:<channel>". */
export function parseCursor(value: Request['query'][string]): ListCursor | null {
  if (value === undefined || value === '') return null;
  const match = typeof value === 'string' ? /^([1-9]\d{0,15})(?::([a-z_]{1,32}))?$/.exec(value) : null;
  if (!match) throw new InputError('after must be an intervention id, optionally followed by :channel');
  return { interventionId: Number(match[1]), channel: match[2] ?? '' };
}

export function cursorOf(row: ListedIntervention): string {
  return row.channel ? `${row.intervention_id}:${row.channel}` : String(row.intervention_id);
}

export const INTERVENTION_COLUMNS: Column[] = [
  { key: 'intervention_id', label: 'Intervention', format: 'text' },
  { key: 'intervention_date', label: 'Decided at', format: 'datetime' },
  { key: 'customer_id', label: 'Customer', format: 'text' },
  { key: 'intervention_type', label: 'Type', format: 'text' },
  { key: 'group', label: 'Group', format: 'text' },
  { key: 'strategy', label: 'Strategy', format: 'text' },
  { key: 'channel', label: 'Channel', format: 'text' },
  { key: 'delivery_status', label: 'Status there', format: 'text' },
  { key: 'deliveries', label: 'Deliveries', format: 'text' },
  { key: 'customer_response', label: 'Response', format: 'text' },
  { key: 'outcome', label: 'Outcome (30 days)', format: 'text' },
];

export function interventionRow(row: ListedIntervention): Row {
  return {
    cells: {
      intervention_id: String(row.intervention_id),
      intervention_date: row.intervention_date.toISOString(),
      customer_id: row.customer_id,
      intervention_type: row.intervention_type,
      group: row.holdout ? 'holdout' : 'treated',
      strategy: row.strategy,
      channel: row.channel,
      delivery_status: row.delivery_status,
      deliveries: row.deliveries,
      customer_response: row.customer_response,
      outcome: row.outcome,
    },
    links: {
      intervention_id: `/interventions/${row.intervention_id}`,
      customer_id: `/dashboard/customer?id=${encodeURIComponent(row.customer_id)}`,
    },
  };
}
