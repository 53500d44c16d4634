import { z } from 'zod';
import { encryptedResourceSchema } from '../models/certificates';

/** The notification body before decryption (compact JSON, key order varies, new keys may appear). */
export const notificationEnvelopeSchema = z.object({
  id: z.string().min(1),
  create_time: z.string(),
  event_type: z.string().min(1),
  resource_type: z.string(),
  summary: z.string().optional(),
  resource: encryptedResourceSchema.extend({ original_type: z.string().optional() }),
});
export type NotificationEnvelope = z.infer<typeof notificationEnvelopeSchema>;
