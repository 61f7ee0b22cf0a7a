// The plain-text opening of protocols that upgrade to TLS on the same connection (SMTP, IMAP,
// POP3, and PostgreSQL's SSLRequest). After it the socket is handed to tls.connect({ socket }).
import net from 'node:net';
import { CredwatchError } from '../errors.js';

export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'postgres'] as const;
export type StartTlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

/** A server's replies before the upgrade are short; more than this is not the protocol we speak. */
const MAX_PREAMBLE_BYTES = 64 * 1024;

/** The server said or did something that is not an upgrade to TLS. */
export class StartTlsError extends CredwatchError<'connection' | 'tls_handshake'> {
  constructor(code: 'connection' | 'tls_handshake', message: string) {
    super(code, message);
    this.name = 'StartTlsError';
  }
}

/** Reads a socket's bytes on demand without taking more than each reply. */
class Replies {
  #buf = Buffer.alloc(0);
  #wake: (() => void) | null = null;
  #failure: Error | null = null;
  readonly #onData = (d: Buffer) => {
    this.#buf = Buffer.concat([this.#buf, d]);
    if (this.#buf.length > MAX_PREAMBLE_BYTES) this.#fail(new StartTlsError('tls_handshake', `${this.where} sent more than ${MAX_PREAMBLE_BYTES} bytes before TLS`));
    this.#wake?.();
  };
  readonly #onEnd = () => this.#fail(new StartTlsError('connection', `${this.where} closed the connection before TLS`));
  readonly #onError = (err: Error) => this.#fail(err);

  constructor(
    readonly socket: net.Socket,
    readonly where: string,
  ) {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #fail(err: Error) {
    this.#failure ??= err;
    this.#wake?.();
  }

  /** Waits until `complete` finds a whole reply (returns its length in bytes) and takes it. */
  async next(complete: (buf: Buffer) => number): Promise<string> {
    for (;;) {
      const n = complete(this.#buf);
      if (n > 0) {
        const reply = this.#buf.subarray(0, n).toString('latin1');
        this.#buf = this.#buf.subarray(n);
        return reply;
      }
      if (this.#failure) throw this.#failure;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }

  /** Stops listening: from here on the bytes are TLS, read by tls.connect. */
  release() {
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('error', this.#onError);
    this.socket.pause();
  }
}

/** Bytes up to and including the first line that `last` accepts; 0 while there is none. */
function linesUntil(last: (line: string) => boolean): (buf: Buffer) => number {
  return (buf) => {
    let start = 0;
    for (;;) {
      const end = buf.indexOf('\n', start);
      if (end < 0) return 0;
      if (last(buf.subarray(start, end).toString('latin1').replace(/\r$/, ''))) return end + 1;
      start = end + 1;
    }
  };
}

const firstLine = (reply: string) => reply.split(/\r?\n/).find((l) => l.length) ?? '';
const lastLine = (reply: string) => reply.replace(/\r?\n$/, '').split(/\r?\n/).pop() ?? '';
const shown = (line: string) => JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line);

// SMTP replies end on the line whose code is followed by a space (RFC 5321 §4.2.1).
const smtpReply = linesUntil((l) => /^\d{3}(?: |$)/.test(l));

async function smtp(r: Replies): Promise<void> {
  const refuse = (what: string, reply: string) => new StartTlsError('tls_handshake', `${r.where} (smtp) ${what}: ${shown(lastLine(reply))}`);
  const greeting = await r.next(smtpReply);
  if (!lastLine(greeting).startsWith('220')) throw refuse('did not greet with 220', greeting);
  r.socket.write('EHLO credwatch\r\n');
  const ehlo = await r.next(smtpReply);
  if (!lastLine(ehlo).startsWith('250')) throw refuse('refused EHLO', ehlo);
  if (!/^250[- ]STARTTLS\b/im.test(ehlo)) throw new StartTlsError('tls_handshake', `${r.where} (smtp) does not offer STARTTLS`);
  r.socket.write('STARTTLS\r\n');
  const go = await r.next(smtpReply);
  if (!lastLine(go).startsWith('220')) throw refuse('refused STARTTLS', go);
}

async function imap(r: Replies): Promise<void> {
  const greeting = await r.next(linesUntil(() => true));
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw new StartTlsError('tls_handshake', `${r.where} (imap) did not greet with * OK: ${shown(firstLine(greeting))}`);
  r.socket.write('cw1 STARTTLS\r\n');
  // Untagged lines (capabilities) may come first; the tagged one answers.
  const reply = await r.next(linesUntil((l) => /^cw1 /i.test(l)));
  if (!/^cw1 OK\b/im.test(reply)) throw new StartTlsError('tls_handshake', `${r.where} (imap) refused STARTTLS: ${shown(lastLine(reply))}`);
}

async function pop3(r: Replies): Promise<void> {
  const greeting = await r.next(linesUntil(() => true));
  if (!greeting.startsWith('+OK')) throw new StartTlsError('tls_handshake', `${r.where} (pop3) did not greet with +OK: ${shown(firstLine(greeting))}`);
  r.socket.write('STLS\r\n');
  const reply = await r.next(linesUntil(() => true));
  if (!reply.startsWith('+OK')) throw new StartTlsError('tls_handshake', `${r.where} (pop3) refused STLS: ${shown(firstLine(reply))}`);
}

/** PostgreSQL's SSLRequest: length 8, code 80877103; the server answers one byte, S or N. */
async function postgres(r: Replies): Promise<void> {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  r.socket.write(request);
  const answer = await r.next((buf) => (buf.length ? 1 : 0));
  if (answer === 'N') throw new StartTlsError('tls_handshake', `${r.where} (postgres) does not accept TLS (answered N to SSLRequest)`);
  if (answer !== 'S') throw new StartTlsError('tls_handshake', `${r.where} (postgres) answered ${shown(answer)} to SSLRequest, not S`);
}

const OPENINGS: Record<StartTlsProtocol, (r: Replies) => Promise<void>> = { smtp, imap, pop3, postgres };

/**
 * Connects and speaks the protocol's opening up to the point where the server expects a TLS
 * ClientHello; resolves with the socket, ready for tls.connect({ socket }). The caller bounds the
 * time (it destroys the socket on its deadline).
 */
export async function openStartTls(socket: net.Socket, protocol: StartTlsProtocol, where: string): Promise<net.Socket> {
  const r = new Replies(socket, where);
  try {
    await OPENINGS[protocol](r);
  } finally {
    r.release();
  }
  return socket;
}
