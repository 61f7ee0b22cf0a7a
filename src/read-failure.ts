import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Why a local file could not be read, as the end of a sentence that names it:
 * `certificate /etc/ssl/x.pem does not exist`. One wording for config, kinds, probes and notifiers.
 */
export function readFailure(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOTREG':
    case 'EFBIG':
      return (err as Error).message;
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable (permission denied)';
    case 'EISDIR':
      return 'is a directory';
    default:
      return `cannot be read (${(err as Error).message})`;
  }
}

/** The stable code of a failed read, for results: a file that is not there, or one that cannot be read. */
export const readFailureCode = (err: unknown): 'file_missing' | 'file_unreadable' =>
  (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file_missing' : 'file_unreadable';

/** Caps for local files: certificates, keys and secret files are small; a config may list 10,000 credentials. */
const MAX_MATERIAL_BYTES = 1024 * 1024;
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

const mb = (n: number) => (n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`);

function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

/**
 * Reads a local file, refusing anything that is not a regular file (a FIFO would block the daemon
 * forever, /dev/zero would fill its memory) and anything larger than `maxBytes`. The open is
 * non-blocking, so a FIFO is refused without waiting for a writer. Errors carry an errno-style
 * `code` (ENOENT, EACCES, EISDIR, ENOTREG, EFBIG) that `readFailure` turns into words.
 */
export function readRegularFile(file: string, maxBytes = MAX_MATERIAL_BYTES): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) fail('EISDIR', 'is a directory');
    if (!st.isFile()) fail('ENOTREG', 'is not a regular file (a device, FIFO or socket cannot be read safely)');
    if (st.size > maxBytes) fail('EFBIG', `is too large (${st.size} bytes; the limit is ${mb(maxBytes)})`);
    // Read at most maxBytes + 1: a file that grows while we read is still bounded.
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(st.size, 0) + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) break;
      const got = readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) fail('EFBIG', `is too large (over ${mb(maxBytes)})`);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
