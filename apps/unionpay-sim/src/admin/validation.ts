import { BadRequestException } from '@nestjs/common';
import { type z } from 'zod';

/** Parses a request body; a 400 names every bad field (never echoing values: a body may hold a PAN). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new BadRequestException({
    code: 'INVALID_REQUEST',
    problems: result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
  });
}

/** YYYY-MM-DD with a real calendar date. */
export function parseDate(value: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(d.getTime()) ||
    d.toISOString().slice(0, 10) !== value
  ) {
    throw new BadRequestException({ code: 'INVALID_REQUEST', problems: ['date: must be YYYY-MM-DD'] });
  }
  return value;
}
