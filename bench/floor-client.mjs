// The runtime's floor: what the same probes cost a bare Node script with nothing of credwatch in
// it (no config, no inspection, no database, no alerting), against bench/peer.ts's loopback mTLS
// OAuth server. Plain ES module run by `node` itself (no TypeScript loader), one mode per process:
//   steady N  one SecureContext per client certificate built first, then N probes, each a new TLS
//             connection and a GET with a cached token: raw TLS + HTTP/1.1 text, then undici;
//             prints CPU per probe (process.cpuUsage around the measured probes);
//   cold N    the whole process: read N clients' files, build their contexts, token POST + GET
//             through undici per client (both on one connection); the parent measures the process;
//   memory N  undici, better-sqlite3 and node-cron loaded, N contexts built and kept: the peak RSS
//             (VmHWM) then, and again after one connection + GET each through undici.
// Never resumes a TLS session: every connection is a full handshake with the client certificate.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import tls from 'node:tls';

const [mode, pkiFile, portText, countText] = process.argv.slice(2);
const pki = JSON.parse(readFileSync(pkiFile, 'utf8'));
const port = Number(portText);
const count = Number(countText);
const require = createRequire(import.meta.url);
const { Agent, request } = require('undici');
const TOKEN = 'bench-access-token';
const CONCURRENCY = 20;

const contextFor = (client, ca) => tls.createSecureContext({ cert: readFileSync(client.cert), key: readFileSync(client.key), ca });

/**
 * A verified handshake (chain checked against `ca` by OpenSSL) without a host-name check at all,
 * and without Node converting the peer chain to objects for one: a lower bound, cheaper than any
 * real check (credwatch checks the leaf's names).
 */
function connect(secureContext, extra = {}) {
  const socket = tls.connect({ host: '127.0.0.1', port, secureContext, servername: 'localhost', checkServerIdentity: () => undefined, ...extra });
  socket.getPeerCertificate = () => ({});
  return socket.setNoDelay(true);
}

function tlsConnector(secureContext) {
  return (opts, callback) => {
    const socket = connect(secureContext, { ALPNProtocols: ['http/1.1'] });
    socket.once('secureConnect', () => callback(null, socket)).once('error', (err) => callback(err, null));
  };
}

async function pool(n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** One new connection, one GET with the token, as raw HTTP/1.1 over tls.connect. */
function rawProbe(secureContext) {
  return new Promise((resolve, reject) => {
    const socket = connect(secureContext);
    let head = '';
    socket.once('secureConnect', () => {
      socket.write(`GET /api/v3/transactions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${TOKEN}\r\nconnection: close\r\n\r\n`);
    });
    socket.setEncoding('latin1');
    socket.on('data', (c) => (head += c));
    socket.once('end', () => {
      socket.destroy();
      if (head.startsWith('HTTP/1.1 200')) resolve();
      else reject(new Error(`raw probe answered: ${head.slice(0, 40)}`));
    });
    socket.once('error', reject);
  });
}

async function undiciCall(dispatcher, path, init = {}) {
  const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher, ...init });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
  return body;
}

const ca = readFileSync(pki.ca);
const clients = pki.clients.slice(0, count);

if (mode === 'steady') {
  const contexts = clients.map((c) => contextFor(c, ca));
  // One request per connection, as a new-connection probe.
  const agents = contexts.map((ctx) => new Agent({ connect: tlsConnector(ctx), pipelining: 0 }));
  const measure = async (fn) => {
    await pool(200, (i) => fn(i % contexts.length));
    const cpu0 = process.cpuUsage();
    await pool(count, fn);
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / 1000 / count;
  };
  const raw = await measure((i) => rawProbe(contexts[i]));
  const viaUndici = await measure((i) => undiciCall(agents[i], '/api/v3/transactions', { headers: { authorization: `Bearer ${TOKEN}` } }));
  await Promise.all(agents.map((a) => a.close()));
  process.stdout.write(JSON.stringify({ rawCpuMsPerProbe: raw, undiciCpuMsPerProbe: viaUndici }) + '\n');
} else if (mode === 'cold') {
  await pool(clients.length, async (i) => {
    const agent = new Agent({ connect: tlsConnector(contextFor(clients[i], ca)) });
    const token = JSON.parse(
      await undiciCall(agent, '/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret',
      }),
    ).access_token;
    await undiciCall(agent, '/api/v3/transactions', { headers: { authorization: `Bearer ${token}` } });
    await agent.close();
  });
} else if (mode === 'memory') {
  const Database = require('better-sqlite3');
  const cron = require('node-cron');
  const db = new Database(':memory:');
  db.exec('create table t (x)');
  const task = cron.schedule('0 0 1 1 *', () => undefined);
  const peakMb = () => Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
  const contexts = clients.map((c) => contextFor(c, ca));
  const contextsPeakRssMb = peakMb();
  await pool(clients.length, async (i) => {
    const agent = new Agent({ connect: tlsConnector(contexts[i]), pipelining: 0 });
    await undiciCall(agent, '/api/v3/transactions', { headers: { authorization: `Bearer ${TOKEN}` } });
    await agent.close();
  });
  process.stdout.write(JSON.stringify({ contextsPeakRssMb, probedPeakRssMb: peakMb(), contexts: contexts.length }) + '\n');
  void task.destroy();
  db.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
