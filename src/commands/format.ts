import type { Config } from '../config/schema.js';
import type { ThresholdsFor } from '../render/nagios.js';
import { UsageError } from './common.js';
import { effectiveThresholds } from '../config/effective.js';

const FORMATS = ['table', 'json', 'nagios'] as const;
type Format = (typeof FORMATS)[number];

/** `--format table|json|nagios`; `--json` is `--format json`. */
export function outputFormat(opts: { json?: boolean; format?: string }): Format {
  const f = opts.format ?? (opts.json ? 'json' : 'table');
  if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format ${f}: expected one of ${FORMATS.join(', ')}`);
  if (opts.json && f !== 'json') throw new UsageError(`--json and --format ${f} disagree; pass one of them`);
  return f as Format;
}

/** Each credential's effective thresholds, as evaluation uses them. */
export function thresholdsFor(config: Config): ThresholdsFor {
  const byId = new Map(config.credentials.map((c) => [c.id, c]));
  return (id) => {
    return effectiveThresholds(config, byId.get(id));
  };
}
