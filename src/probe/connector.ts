import { buildConnector } from 'undici';
import { CredwatchError } from '../errors.js';

/**
 * A server that refuses a client certificate under TLS 1.3 cannot say so during the handshake
 * (the client finishes first), so most servers simply close the connection before answering.
 * undici reports that as a generic "other side closed"; this error replaces it so the probe can
 * say `tls_handshake` instead of a vague connection failure.
 */
export class ClosedBeforeAnswerError extends CredwatchError<'CREDWATCH_CLOSED_BEFORE_ANSWER'> {
  constructor() {
    super('CREDWATCH_CLOSED_BEFORE_ANSWER', 'the server closed a new connection right after the TLS handshake, before sending any data');
    this.name = 'ClosedBeforeAnswerError';
  }
}

const PHASE = Symbol('credwatch.connectionPhase');
export type ConnectionPhase = 'connect' | 'before-data';

/** Where on its connection a network error happened, when the connector saw it. */
export function connectionPhase(err: unknown): ConnectionPhase | undefined {
  return typeof err === 'object' && err !== null ? ((err as Record<symbol, ConnectionPhase>)[PHASE] ?? undefined) : undefined;
}

function tag(err: unknown, phase: ConnectionPhase): void {
  if (typeof err === 'object' && err !== null && !(PHASE in err)) {
    try {
      Object.defineProperty(err, PHASE, { value: phase, enumerable: false });
    } catch {
      // A frozen error keeps its own meaning; classification falls back to its code.
    }
  }
}

/**
 * undici's connector plus bookkeeping: errors raised while connecting are tagged `connect`, and a
 * fresh connection closed or reset before it delivered a byte is tagged `before-data`.
 */
export function probeConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const base = buildConnector(options);
  return (opts, callback) => {
    base(opts, (err, socket) => {
      if (err || !socket) {
        tag(err, 'connect');
        callback(err ?? new Error('connect failed'), null);
        return;
      }
      let gotData = false;
      // Registered before undici's own listeners, so the data is still buffered when this runs;
      // a 'readable' listener keeps the stream in paused mode, exactly as undici wants it.
      socket.on('readable', () => {
        if (socket.readableLength > 0) gotData = true;
      });
      socket.once('end', () => {
        if (!gotData) socket.destroy(new ClosedBeforeAnswerError());
      });
      socket.on('error', (e) => {
        if (!gotData) tag(e, 'before-data');
      });
      callback(null, socket);
    });
  };
}
