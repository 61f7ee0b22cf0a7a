// GET latency of one daemon endpoint, from a process of its own: one request at a time over a
// keep-alive connection, `warmup` unmeasured first. A separate bare Node process, so the bench
// harness's own heap and collections (it holds the generated PKI, runs the test server's IPC)
// do not enter the daemon's figures. Prints {"p50","p99","max"} in ms.
//   node bench/http-latency.mjs PORT PATH COUNT [WARMUP]
import { Agent, request } from 'node:http';

const [portText, path, countText, warmupText = '20'] = process.argv.slice(2);
const port = Number(portText);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

const get = () =>
  new Promise((done, fail) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? done(performance.now() - t0) : fail(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', fail);
    req.end();
  });

for (let i = 0; i < Number(warmupText); i++) await get();
const times = [];
for (let i = 0; i < Number(countText); i++) times.push(await get());
agent.destroy();
times.sort((a, b) => a - b);
const at = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
process.stdout.write(JSON.stringify({ p50: at(50), p99: at(99), max: times[times.length - 1] }) + '\n');
