// `webhook`: POST the contract's event JSON; signed with HMAC-SHA256 when `secret` is set.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { SchemaHelpers } from '../config/helpers.js';
import type { AlertEvent } from '../alert-event.js';
import type { NotifierConfigOf, NotifierPlugin } from './notifier.js';
import { post } from './http.js';

export type WebhookConfig = NotifierConfigOf<'webhook', typeof schema>;

const SIGNATURE_HEADER = 'X-Credwatch-Signature';

/** `sha256=<hex HMAC-SHA256 of the exact body>`. */
function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

/** Pure: the exact bytes and headers that go out. */
function render(event: AlertEvent, config: Pick<WebhookConfig, 'secret'>): WebhookRequest {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'credwatch',
    'idempotency-key': event.id,
  };
  if (config.secret) headers[SIGNATURE_HEADER] = sign(body, config.secret.reveal());
  return { body, headers };
}

const schema = (h: SchemaHelpers) =>
  z.object({
    // A string, not a Secret (its userinfo, path and query are scrubbed as every notifier URL's); `urlFile` works too.
    url: h.fromFile(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
    secret: h.secret().optional(),
  });

export const webhook: NotifierPlugin<WebhookConfig> = {
  type: 'webhook',
  schema,
  async send(event, config, ctx) {
    const req = render(event, config);
    await post(`webhook ${config.name}`, config.url, req.body, req.headers, ctx.timeoutMs);
  },
};
