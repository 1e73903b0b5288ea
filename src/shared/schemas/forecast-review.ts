/** Regional review in bulk (issue 13): accept every pending adjustment in the reviewer's scope. */
import { z } from 'zod';
import { code } from './common';

export const acceptAllBodySchema = z.object({
  dealers: z
    .array(code)
    .min(1)
    .max(5000)
    .optional()
    .describe('dealer codes to accept; omit for every dealer in your scope'),
  comment: z.string().max(2000).optional(),
});
export type AcceptAllBody = z.infer<typeof acceptAllBodySchema>;

export const acceptAllResultSchema = z.object({
  /** cells accepted */
  accepted: z.number().int(),
  dealers: z.array(z.object({ code: z.string(), name: z.string(), accepted: z.number().int() })),
});
export type AcceptAllResult = z.infer<typeof acceptAllResultSchema>;
