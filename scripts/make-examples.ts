// Regenerates examples/: a sample config with clearly fake, freshly generated certificates whose
// expiries are spread so the first `credwatch check` shows every status.
// Run: node --import tsx scripts/make-examples.ts
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createCa, createClientCert, createServerCert } from '../test/helpers/pki.js';

const DIR = resolve(import.meta.dirname, '..', 'examples');
const DAY = 86_400_000;
const now = Date.now();
const inDays = (d: number) => new Date(now + d * DAY);

mkdirSync(join(DIR, 'pki'), { recursive: true });
mkdirSync(join(DIR, 'clara'), { recursive: true });
const write = (name: string, content: string, mode = 0o644) => {
  writeFileSync(join(DIR, name), content);
  chmodSync(join(DIR, name), mode);
};

const ca = await createCa({ cn: 'credwatch EXAMPLE CA - not for real use', days: 3650 });
const inter = await createCa({ cn: 'credwatch EXAMPLE intermediate - not for real use', days: 400 });
const edge = await createServerCert(ca, { cn: 'edge.example.test', dns: ['edge.example.test'], notAfter: inDays(210) });
const internal = await createServerCert(inter, { cn: 'internal-api.example.test', dns: ['internal-api.example.test'], notAfter: inDays(25) });
const vpn = await createServerCert(ca, { cn: 'legacy-vpn.example.test', dns: ['legacy-vpn.example.test'], notAfter: inDays(5) });
const clara = await createClientCert(ca, { cn: 'credwatch EXAMPLE Clara client - fake', notAfter: inDays(40) });

write('pki/ca.pem', ca.cert);
write('pki/edge.pem', edge.cert);
write('pki/edge.key', edge.key, 0o600);
write('pki/internal-api-chain.pem', internal.cert + inter.cert);
write('pki/legacy-vpn.pem', vpn.cert);
write('clara/client.crt', clara.cert);
write('clara/client.key', clara.key, 0o600);
write(
  'clara/credentials.json',
  JSON.stringify({ client_id: 'example-client-id-FAKE', client_secret: 'example-client-secret-FAKE', scopes: ['read:transactions'] }, null, 2) + '\n',
);
console.log(`examples regenerated in ${DIR}`);
