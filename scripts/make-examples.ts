// Regenerates examples/: a sample config with clearly fake, freshly generated certificates whose
// expiries are spread relative to today, so `npm run demo` (which runs this first) shows ok,
// warning, critical and expired whatever the date, and never goes stale.
// Run: node --import tsx scripts/make-examples.ts [DIR]   (default: examples/)
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createCa, createClientCert, createServerCert } from '../test/helpers/pki.js';

const DIR = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'examples'));
const DAY = 86_400_000;
// Midnight UTC today: dates in the config are days, and the demo reads the same all day.
const today = Math.floor(Date.now() / DAY) * DAY;
const inDays = (d: number) => new Date(today + d * DAY);
const date = (d: number) => inDays(d).toISOString().slice(0, 10);

mkdirSync(join(DIR, 'pki'), { recursive: true });
mkdirSync(join(DIR, 'clara'), { recursive: true });
const write = (name: string, content: string, mode = 0o644) => {
  writeFileSync(join(DIR, name), content);
  chmodSync(join(DIR, name), mode);
};

const ca = await createCa({ cn: 'credwatch EXAMPLE CA - not for real use', notBefore: inDays(-400), notAfter: inDays(3650) });
const inter = await createCa({ cn: 'credwatch EXAMPLE intermediate - not for real use', notBefore: inDays(-30), notAfter: inDays(400) });
const edge = await createServerCert(ca, { cn: 'edge.example.test', dns: ['edge.example.test'], notBefore: inDays(-30), notAfter: inDays(210) });
const internal = await createServerCert(inter, { cn: 'internal-api.example.test', dns: ['internal-api.example.test'], notBefore: inDays(-30), notAfter: inDays(25) });
const vpn = await createServerCert(ca, { cn: 'legacy-vpn.example.test', dns: ['legacy-vpn.example.test'], notBefore: inDays(-360), notAfter: inDays(5) });
const partner = await createClientCert(ca, { cn: 'credwatch EXAMPLE partner client - fake', notBefore: inDays(-365), notAfter: inDays(-3) });
const clara = await createClientCert(ca, { cn: 'credwatch EXAMPLE Clara client - fake', notBefore: inDays(-300), notAfter: inDays(65) });

write('pki/ca.pem', ca.cert);
write('pki/edge.pem', edge.cert);
write('pki/edge.key', edge.key, 0o600);
write('pki/internal-api-chain.pem', internal.cert + inter.cert);
write('pki/legacy-vpn.pem', vpn.cert);
write('pki/partner-client.pem', partner.cert);
write('clara/client.crt', clara.cert);
write('clara/client.key', clara.key, 0o600);
write(
  'clara/credentials.json',
  JSON.stringify({ client_id: 'example-client-id-FAKE', client_secret: 'example-client-secret-FAKE', scopes: ['read:transactions'] }, null, 2) + '\n',
);
write(
  'credwatch.yaml',
  `# credwatch example config, written by scripts/make-examples.ts (\`npm run examples\`) with dates
# relative to the day it ran. Every certificate, key and credential under examples/ is generated
# and fake; nothing here grants access to anything.
#
#   node dist/cli.cjs check --no-probe --config examples/credwatch.yaml
#
# The database goes to examples/data/credwatch.db (paths are relative to this file).
database: ./data/credwatch.db
thresholds: { warningDays: 30, criticalDays: 7 }
defaults: { owner: platform-team }
credentials:
  - id: edge-cert
    kind: x509
    path: ./pki/edge.pem
    key: ./pki/edge.key
    runbook: https://wiki.example.test/runbooks/edge-tls

  - id: internal-api-chain
    kind: x509
    path: ./pki/internal-api-chain.pem
    description: leaf plus intermediate; the earliest notAfter counts

  - id: legacy-vpn
    kind: x509
    path: ./pki/legacy-vpn.pem
    owner: network-team

  - id: partner-client
    kind: x509
    path: ./pki/partner-client.pem
    description: expired a few days ago, so the demo exits 2

  - id: clara-erp-prod
    kind: clara-project
    country: mx
    project: "ERP Integration - Prod"
    createdAt: ${date(-300)}
    validityDays: 360
    certificate: ./clara/client.crt
    privateKey: ./clara/client.key
    credentialsFile: ./clara/credentials.json
    probe: { path: /api/v3/transactions, taxIdentifiers: [ACME8001011H0] }
    renewalLeadDays: 21
    owner: payments-team
    runbook: https://wiki.example.test/runbooks/clara-renewal

  - id: stripe-key
    kind: static
    expiresAt: ${date(90)}
    description: restricted key, rotated by hand
`,
);
console.log(`examples regenerated in ${DIR}`);
