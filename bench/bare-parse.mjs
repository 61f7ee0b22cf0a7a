// The baseline: a bare Node script that only reads and parses the same PEM files.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let earliest = Infinity;
for (const name of readdirSync(dir)) {
  if (!name.endsWith('.pem')) continue;
  const cert = new X509Certificate(readFileSync(join(dir, name)));
  earliest = Math.min(earliest, Date.parse(cert.validTo));
}
process.stdout.write(JSON.stringify({ earliest: new Date(earliest).toISOString() }) + '\n');
