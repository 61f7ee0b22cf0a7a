import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveConfigPath } from '../config/load.js';
import { configJsonSchema } from '../config/json-schema.js';
import { EXIT, type GlobalOptions } from './common.js';
import { SCHEMA_FILE, STARTER_CONFIG } from './starter-config.js';

/** Writes `text` to a file that must not exist yet; false when it does (O_EXCL: no race, no overwrite). */
function createNew(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * `credwatch init`: a commented starter config at --config (else $CREDWATCH_CONFIG, else
 * ./credwatch.yaml), never over an existing file (exit 3), plus the JSON Schema its modeline names.
 */
export function initCommand(opts: GlobalOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  const file = resolveConfigPath(opts.config);
  if (existsSync(file)) {
    err.write(`credwatch: ${file} already exists; not overwriting it (move it away or pass --config NEW_FILE)\n`);
    return EXIT.usage;
  }
  mkdirSync(dirname(file), { recursive: true });
  if (!createNew(file, STARTER_CONFIG)) {
    err.write(`credwatch: ${file} already exists; not overwriting it\n`);
    return EXIT.usage;
  }
  out.write(`wrote ${file}\n`);
  const schema = join(dirname(file), SCHEMA_FILE);
  if (createNew(schema, JSON.stringify(configJsonSchema(), null, 2) + '\n')) out.write(`wrote ${schema} (editor completion)\n`);
  else out.write(`kept the existing ${schema}\n`);
  out.write(`next: edit it, then run credwatch validate --config ${file}\n`);
  return EXIT.ok;
}
