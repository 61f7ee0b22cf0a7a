// Config types are inferred from the zod schemas: what the loader outputs is what the types say.
// The type checks below run in `tsc --noEmit` (npm test runs it first); the test checks the values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { Secret } from '../src/secret.js';
import type { ClaraCredential } from '../src/kinds/clara.js';
import type { ClarusCredential } from '../src/kinds/clarus.js';
import type { OAuth2Credential } from '../src/kinds/oauth2.js';
import type { StaticCredential } from '../src/kinds/static.js';
import type { TlsCredential } from '../src/kinds/tls.js';
import type { X509Credential } from '../src/kinds/x509.js';
import type { AlertmanagerConfig } from '../src/notifiers/alertmanager.js';
import type { EmailConfig } from '../src/notifiers/email.js';
import type { PagerDutyConfig } from '../src/notifiers/pagerduty.js';
import type { SlackConfig } from '../src/notifiers/slack.js';
import type { WebhookConfig } from '../src/notifiers/webhook.js';

type Eq<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const is = <A, B>(ok: Eq<A, B>) => ok;

// Secrets are Secret, identifiers and URLs kept as strings are strings, dates are Dates, defaults are set.
is<ClaraCredential['clientSecret'], Secret | undefined>(true);
is<ClaraCredential['clientId'], string | undefined>(true);
is<ClaraCredential['createdAt'], Date>(true);
is<ClaraCredential['country'], 'mx' | 'br' | 'co'>(true);
is<ClaraCredential['kind'], 'clara-project'>(true);
is<NonNullable<ClaraCredential['probe']>['taxIdentifiers'], string[] | undefined>(true);
is<NonNullable<ClaraCredential['probe']>['interval'], number | undefined>(true);
is<ClarusCredential['probe']['url'], string>(true);
is<NonNullable<ClarusCredential['oauth']>['refreshToken'], Secret | undefined>(true);
is<OAuth2Credential['clientSecret'], Secret>(true);
is<OAuth2Credential['clientAuth'], 'basic' | 'body'>(true);
is<NonNullable<OAuth2Credential['probe']>['headers'], Record<string, string> | undefined>(true);
is<StaticCredential['expiresAt'], Date>(true);
is<TlsCredential['starttls'], 'smtp' | 'imap' | 'pop3' | 'postgres' | undefined>(true);
is<X509Credential['password'], Secret | undefined>(true);
is<X509Credential['bundle'], 'earliest' | 'split'>(true);
is<SlackConfig['url'], Secret>(true);
is<EmailConfig['smtp']['password'], Secret | undefined>(true);
is<EmailConfig['smtp']['tls'], 'starttls' | 'implicit' | 'none'>(true);
is<WebhookConfig['url'], string>(true);
is<WebhookConfig['secret'], Secret | undefined>(true);
is<AlertmanagerConfig['url'], string | string[]>(true);
is<AlertmanagerConfig['basicAuth'], { username: string; password: Secret } | undefined>(true);
is<PagerDutyConfig['routingKey'], Secret>(true);
is<PagerDutyConfig['type'], 'pagerduty'>(true);
is<Config['server']['token'], Secret | undefined>(true);
is<Config['defaults'], { notify: string[]; owner?: string | undefined }>(true);
is<Config['probe']['interval'], number | undefined>(true);
is<Config['ha'], boolean>(true);

test('the loader outputs what the inferred types say: Secret for declared secrets, strings for identifiers, defaults set', () => {
  const { config } = buildConfig(
    {
      server: { token: 'a-long-enough-bearer-token' },
      notifiers: [
        { name: 'pd', type: 'pagerduty', routingKey: 'R0UTINGKEY0123456789' },
        { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' },
      ],
      defaults: { notify: ['pd'] },
      credentials: [
        { id: 'partner', kind: 'oauth2', tokenUrl: 'https://idp.example/oauth/token', clientId: 'partner-id', clientSecret: 'partner-secret' },
        { id: 'edge', kind: 'x509', path: './edge.pem' },
      ],
    },
    '/etc/credwatch/credwatch.yaml',
  );
  assert.ok(config.server.token instanceof Secret);
  assert.equal(config.ha, false);
  const pd = config.notifiers[0] as PagerDutyConfig;
  assert.ok(pd.routingKey instanceof Secret);
  assert.equal(pd.url, 'https://events.pagerduty.com/v2/enqueue');
  assert.equal(typeof (config.notifiers[1] as WebhookConfig).url, 'string');
  const partner = config.credentials[0] as OAuth2Credential;
  assert.ok(partner.clientSecret instanceof Secret);
  assert.equal(partner.clientId, 'partner-id');
  assert.equal(partner.clientAuth, 'basic');
  const edge = config.credentials[1] as X509Credential;
  assert.equal(edge.path, '/etc/credwatch/edge.pem');
  assert.equal(edge.bundle, 'earliest');
});
