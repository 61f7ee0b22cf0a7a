import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CredwatchError, inspectFailure } from '../src/errors.js';
import { ProbeError } from '../src/probe/errors.js';
import { InspectError } from '../src/kinds/pem.js';
import { ClaraCredentialsError } from '../src/kinds/clara.js';
import { TlsEndpointError } from '../src/probe/tls-endpoint.js';
import { StartTlsError } from '../src/probe/starttls.js';
import { ClosedBeforeAnswerError } from '../src/probe/connector.js';
import { ConfigError } from '../src/config/schema.js';
import { StoreError } from '../src/store/db.js';
import { NotifyError } from '../src/notifiers/notifier.js';
import { UsageError } from '../src/commands/common.js';

test('every deliberate error extends CredwatchError and keeps its stable code and message', () => {
  const cases: [Error, string, string][] = [
    [new ProbeError('token_rejected', 'the token endpoint said no', 'token'), 'token_rejected', 'ProbeError'],
    [new InspectError('file_missing', 'certificate /x.pem does not exist'), 'file_missing', 'InspectError'],
    [new ClaraCredentialsError('is not valid JSON'), 'bad_json', 'ClaraCredentialsError'],
    [new TlsEndpointError('timeout', 'no TLS handshake within 200 ms'), 'timeout', 'TlsEndpointError'],
    [new StartTlsError('tls_handshake', 'refused STARTTLS'), 'tls_handshake', 'StartTlsError'],
    [new ClosedBeforeAnswerError(), 'CREDWATCH_CLOSED_BEFORE_ANSWER', 'ClosedBeforeAnswerError'],
    [new ConfigError([{ path: 'x', message: 'is wrong', level: 'error' }]), 'config_invalid', 'ConfigError'],
    [new StoreError('two migrations numbered 3'), 'store_error', 'Error'],
    [new NotifyError('slack ops: HTTP 404', { code: 'http_404', retryable: false }), 'http_404', 'NotifyError'],
    [new UsageError('unknown option'), 'usage', 'Error'],
  ];
  for (const [err, code, name] of cases) {
    assert.ok(err instanceof CredwatchError, name);
    assert.ok(err instanceof Error, name);
    assert.equal((err as CredwatchError).code, code, name);
    assert.equal(err.name, name);
    assert.deepEqual((err as CredwatchError).info(), { code, message: err.message });
  }
  assert.equal(new ConfigError([{ path: 'x', message: 'is wrong', level: 'error' }]).message, 'x: is wrong');
});

test('inspectFailure keeps a credwatch code and calls anything else inspect_failed', () => {
  assert.deepEqual(inspectFailure(new InspectError('bad_key', 'private key /k is encrypted')), { code: 'bad_key', message: 'private key /k is encrypted' });
  assert.deepEqual(inspectFailure(new TlsEndpointError('connection', 'cannot connect')), { code: 'connection', message: 'cannot connect' });
  // A Node error's own code (ENOENT) is not one of ours.
  assert.deepEqual(inspectFailure(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })), { code: 'inspect_failed', message: 'ENOENT: no such file' });
  // A credwatch error whose code is not an inspection code.
  assert.deepEqual(inspectFailure(new NotifyError('x', { code: 'http_500', retryable: true })), { code: 'inspect_failed', message: 'x' });
});
