import { z } from 'zod';

/** `resource` / `encrypt_certificate`: AEAD_AES_256_GCM over UTF-8 JSON or PEM. */
export const encryptedResourceSchema = z.object({
  algorithm: z.string(),
  nonce: z.string(),
  associated_data: z.string().optional(),
  ciphertext: z.string(),
});

/** `GET /v3/certificates` answer. */
export const certificateListSchema = z.object({
  data: z.array(
    z.object({
      serial_no: z.string().min(1),
      effective_time: z.string(),
      expire_time: z.string(),
      encrypt_certificate: encryptedResourceSchema,
    }),
  ),
});
export type CertificateList = z.infer<typeof certificateListSchema>;
