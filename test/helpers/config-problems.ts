// The error problems a config file gets from the real loader, formatted as `validate` prints them.
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/schema.js';
import { tempDir } from './cli.js';

/** Writes `yaml` to a temporary file, loads it, and returns its errors (warnings left out); [] when it loads. */
export function configProblems(yaml: string, env: NodeJS.ProcessEnv = {}, name = 'credwatch.yaml'): string[] {
  const t = tempDir();
  try {
    loadConfig(t.write(name, yaml), env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.filter((p) => p.level === 'error').map(formatProblem);
  } finally {
    t.cleanup();
  }
}
