import { z } from 'zod';
import type { Endpoint } from './deliver.ts';
import { secretKey } from './signature.ts';

const KINDS = ['cart.abandoned', 'cart.reactivated', 'cart.recovered'] as const;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

const EndpointSpec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected 1–64 of a-z, 0-9, _ and -, starting with a letter or digit'),
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => u.startsWith('https:') || LOOPBACK.test(new URL(u).hostname), 'expected https (http only to this machine)'),
    secrets: z
      .array(z.string())
      .min(1)
      .max(2)
      .refine(
        (list) => list.every(valid),
        'expected "whsec_" followed by at least 16 bytes in base64 (the current secret first, the old one second while rotating)',
      ),
    kinds: z.array(z.enum(KINDS)).min(1).optional(),
    anonymous: z.boolean().optional(),
    min_value_minor: z.number().int().min(0).optional(),
    cap_hours: z
      .number()
      .int()
      .min(0)
      .max(24 * 90)
      .optional(),
  })
  .strict();

/**
 * The webhook endpoints of CARRELLO_WEBHOOKS: a JSON array of {name, url, secrets, kinds?, anonymous?,
 * min_value_minor?, cap_hours?} (docs/lifecycle.md),
 * names unique. Throws naming the field at fault.
 */
export function parseEndpoints(json: string): Endpoint[] {
  if (json.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  const parsed = z.array(EndpointSpec).max(20).safeParse(value);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const names = parsed.data.map((e) => e.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`${names.lastIndexOf(twice)}.name: "${twice}" is used twice; each endpoint keeps its position under its name`);
  return parsed.data;
}

function valid(secret: string): boolean {
  try {
    secretKey(secret);
    return true;
  } catch {
    return false;
  }
}
