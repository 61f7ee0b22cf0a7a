/** `HOST:PORT` (IPv6 in brackets: `[::1]:9477`) as node:net wants it. */
export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListen(listen: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`server.listen ${listen}: expected HOST:PORT, e.g. 127.0.0.1:9477`);
  return { host: m[1] ?? m[2]!, port };
}

export const formatListen = (a: ListenAddress): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);
