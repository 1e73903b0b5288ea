import { z } from 'zod';

/** What an inbox item is about; each kind has one place in the web app where it is done. */
export const INBOX_KINDS = [
  // a dealer (or a dealer group, per dealer)
  'agreement_proposed',
  'amendment_proposed',
  'forecast_window',
  'tier_within_reach',
  'dispute_answered',
  'claim_decided',
  // a regional manager
  'forecast_review',
  'agreement_at_risk',
  'dispute_ageing',
  // channel manager and finance
  'period_to_close',
  'statements_to_approve',
  'batch_to_build',
  'batch_to_pay',
  'agreement_to_approve',
  'amendment_to_approve',
] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

export const inboxItemSchema = z
  .object({
    kind: z.enum(INBOX_KINDS),
    title: z.string(),
    detail: z.string(),
    dueOn: z.string().nullable().describe('YYYY-MM-DD: by when, where there is a date'),
    severity: z
      .enum(['action', 'info'])
      .describe('action: the reader can do it; info: worth knowing, nothing to do here'),
    link: z.string().describe('the web app path where it is done'),
    dealerCode: z.string().nullable().describe('the dealer it concerns, if one'),
    count: z.number().int().optional().describe('how many things the item stands for'),
  })
  .meta({ id: 'InboxItem' });
export type InboxItem = z.infer<typeof inboxItemSchema>;

export const inboxSchema = z
  .object({
    asOf: z.string().describe('the day the inbox was computed for (YYYY-MM-DD)'),
    count: z.number().int().describe('the number of items that ask for an action'),
    items: z.array(inboxItemSchema),
    groupTotals: z
      .array(z.object({ kind: z.enum(INBOX_KINDS), count: z.number().int() }))
      .nullable()
      .describe('for a dealer group: each kind summed across its dealers'),
  })
  .meta({ id: 'Inbox' });
export type Inbox = z.infer<typeof inboxSchema>;
