/**
 * Why a local file could not be read, as the end of a sentence that names it:
 * `certificate /etc/ssl/x.pem does not exist`. One wording for config, kinds, probes and notifiers.
 */
export function readFailure(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
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
