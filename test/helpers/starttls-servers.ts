// Small real servers that upgrade a plain connection to TLS the way IMAP (STARTTLS), POP3 (STLS)
// and PostgreSQL (SSLRequest) do, on 127.0.0.1:0. Each serves the given certificate chain.
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';

export type Responder = 'imap' | 'pop3' | 'postgres';

export interface StartTlsServer {
  port: number;
  /** What clients sent before the upgrade, per connection. */
  conversations: string[];
  close(): Promise<void>;
}

export interface ResponderOptions {
  key: string;
  cert: string;
  /** Refuse the upgrade (IMAP `NO`, POP3 `-ERR`, PostgreSQL `N`). */
  refuse?: boolean;
}

function lines(socket: net.Socket, onLine: (line: string) => void): void {
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString('latin1');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      onLine(line);
    }
  };
  socket.on('data', onData);
  (socket as net.Socket & { stopLines?: () => void }).stopLines = () => socket.off('data', onData);
}

export async function startResponder(kind: Responder, o: ResponderOptions): Promise<StartTlsServer> {
  const context = tls.createSecureContext({ key: o.key, cert: o.cert });
  const conversations: string[] = [];
  const sockets = new Set<net.Socket>();
  const upgrade = (socket: net.Socket) => {
    (socket as net.Socket & { stopLines?: () => void }).stopLines?.();
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    secure.on('error', () => {});
    secure.on('secure', () => secure.end());
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const index = conversations.push('') - 1;
    const heard = (text: string) => (conversations[index] += text);
    if (kind === 'postgres') {
      socket.once('data', (d) => {
        heard(d.toString('hex'));
        const isSslRequest = d.length === 8 && d.readInt32BE(0) === 8 && d.readInt32BE(4) === 80877103;
        if (!isSslRequest || o.refuse) {
          socket.end('N');
          return;
        }
        socket.write('S');
        upgrade(socket);
      });
      return;
    }
    if (kind === 'imap') {
      socket.write('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] credwatch test IMAP ready\r\n');
      lines(socket, (line) => {
        heard(`${line}\n`);
        const [tag, command] = line.split(' ');
        if (command?.toUpperCase() !== 'STARTTLS') return void socket.write(`${tag} BAD unexpected\r\n`);
        if (o.refuse) return void socket.write(`${tag} NO STARTTLS not available\r\n`);
        socket.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK Begin TLS negotiation now\r\n`);
        upgrade(socket);
      });
      return;
    }
    socket.write('+OK credwatch test POP3 ready\r\n');
    lines(socket, (line) => {
      heard(`${line}\n`);
      if (line.toUpperCase() !== 'STLS') return void socket.write('-ERR unexpected\r\n');
      if (o.refuse) return void socket.write('-ERR TLS not available\r\n');
      socket.write('+OK Begin TLS negotiation\r\n');
      upgrade(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    conversations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
