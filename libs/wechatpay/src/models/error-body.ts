import { z } from 'zod';

/** Every v3 error answer: `{code, message, detail?}`. */
export const errorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  detail: z.unknown().optional(),
});
