// Child process for test/outbox-crash.test.ts: queues events, then dies by SIGKILL at a chosen point.
//   node --import tsx alerts-crash-child.ts <db file> <webhook url> after-insert|mid-send
import { openDatabase } from '../../src/store/db.js';
import { processResults } from '../../src/alerts/process.js';
import { dispatchPending } from '../../src/alerts/dispatch.js';
import { at, config, credential, result, silentLog } from './alerts-fixtures.js';

const [file, url, mode] = process.argv.slice(2) as [string, string, string];
const ids = ['a', 'b', 'c'];
const cfg = config({ credentials: ids.map((id) => credential(id)), notifiers: [{ name: 'hook', type: 'webhook', url }], notify: ['hook'] });
const db = openDatabase(file);
const now = at(0);
processResults(db, cfg, ids.map((id) => result({ id, now, expiresAt: at(3) })), now);
if (mode === 'after-insert') process.kill(process.pid, 'SIGKILL');
// mid-send: the parent kills us while the receiver holds the first request.
await dispatchPending(db, cfg, { log: silentLog(), concurrency: 1 });
process.stdout.write('dispatch returned: the parent should have killed us\n');
