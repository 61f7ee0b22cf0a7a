import { dirname, extname, resolve } from 'node:path';
import jsyaml from 'js-yaml';
import { z } from 'zod';
import { kinds } from '../kinds/index.js';
import { notifiers } from '../notifiers/index.js';
import { schemaHelpers, type SchemaHelpers } from './helpers.js';
import {
  commonCredentialShape,
  commonNotifierShape,
  ConfigError,
  topLevelSchema,
  type Config,
  type ConfigProblem,
  type CredentialConfig,
  type NotifierConfig,
} from './schema.js';
import { formatIssues } from './issues.js';
import { expandTree } from './expand.js';
import { fileFormFields, secretValueFields } from './secret-fields.js';
import { MAX_CONFIG_BYTES, readFailure, readRegularFile } from '../read-failure.js';
import { registerConfigSecrets } from './secrets.js';
import { budgetProblems, projectRequests } from './budget.js';
import { checkRotations } from './rotation.js';

const DEFAULT_CONFIG_FILE = 'credwatch.yaml';

/** `--config FILE`, else `$CREDWATCH_CONFIG`, else `./credwatch.yaml`. */
export function resolveConfigPath(cliPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(cliPath ?? env.CREDWATCH_CONFIG ?? DEFAULT_CONFIG_FILE);
}

function offsetPosition(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return `line ${line}, column ${before.length - before.lastIndexOf('\n')}: `;
}

function yamlErrorPosition(text: string): string {
  try {
    jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    if (mark) return `line ${mark.line + 1}, column ${mark.column + 1}: `;
  }
  return '';
}

/** Values a config may expand to (after YAML aliases): 10,000 credentials take about 200,000. */
const MAX_CONFIG_NODES = 2_000_000;

/** True when walking `data` (aliases followed as often as they are used) visits at most `budget` values. */
function withinNodeBudget(data: unknown, budget: number): boolean {
  let left = budget;
  const stack: unknown[] = [data];
  while (stack.length) {
    const node = stack.pop();
    if (--left < 0) return false;
    if (node !== null && typeof node === 'object') {
      const children = Array.isArray(node) ? node : Object.values(node);
      if (children.length > left) return false;
      for (const c of children) stack.push(c);
    }
  }
  return true;
}

/** Parses YAML (or JSON by extension) into plain data; syntax errors carry line and column. */
export function parseConfigText(text: string, file: string): { data: unknown; problems: ConfigProblem[] } {
  if (extname(file).toLowerCase() === '.json') {
    try {
      return { data: JSON.parse(text), problems: [] };
    } catch (err) {
      // V8's message does not always carry a position; the YAML parser (JSON is YAML) finds it.
      const where = yamlErrorPosition(text) || offsetPosition(text, (err as Error).message);
      return { data: undefined, problems: [{ path: '', level: 'error', message: `${file}: ${where}invalid JSON: ${(err as Error).message.split('\n')[0]}` }] };
    }
  }
  try {
    // CORE_SCHEMA: `2026-01-10` stays a string (we parse dates ourselves, as 00:00 UTC).
    const data = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, filename: file });
    // An alias is a reference: a few hundred bytes of nested aliases expand into billions of values
    // for everything that walks the tree. Count what a walk would visit, and stop early.
    if (!withinNodeBudget(data, MAX_CONFIG_NODES)) {
      return {
        data: undefined,
        problems: [{ path: '', level: 'error', message: `${file}: the YAML expands to more than ${MAX_CONFIG_NODES.toLocaleString('en')} values through aliases (*name); use fewer or shallower aliases` }],
      };
    }
    return { data, problems: [] };
  } catch (err) {
    if (!(err instanceof jsyaml.YAMLException)) throw err;
    const mark = err.mark as { line: number; column: number } | undefined;
    const where = mark ? `line ${mark.line + 1}, column ${mark.column + 1}: ` : '';
    return { data: undefined, problems: [{ path: '', level: 'error', message: `${file}: ${where}invalid YAML: ${err.reason}` }] };
  }
}

/** Builds each schema once per load: zod compiles a schema on first use, which is the expensive part. */
function memo<T>(build: (name: string) => T): (name: string) => T {
  const cache = new Map<string, T>();
  return (name) => {
    let v = cache.get(name);
    if (v === undefined) cache.set(name, (v = build(name)));
    return v;
  };
}

type SchemaFor = (name: string) => z.ZodType;

function validateCredential(raw: unknown, index: number, schemaFor: SchemaFor, problems: ConfigProblem[]): CredentialConfig | null {
  const at = `credentials[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ path: at, level: 'error', message: 'must be a mapping with id and kind' });
    return null;
  }
  const kindName = (raw as { kind?: unknown }).kind;
  if (typeof kindName !== 'string') {
    problems.push({ path: `${at}.kind`, level: 'error', message: `is required (one of ${kinds.names().join(', ')})` });
    return null;
  }
  const kind = kinds.get(kindName);
  if (!kind) {
    problems.push({ path: `${at}.kind`, level: 'error', message: `unknown kind "${kindName}" (known: ${kinds.names().join(', ')})` });
    return null;
  }
  const parsed = schemaFor(kindName).safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    problems.push(...formatIssues(parsed.error.issues, ['credentials', index]));
    return null;
  }
  const cred = parsed.data as CredentialConfig;
  const found = kind.check?.(cred) ?? [];
  for (const p of found) problems.push({ path: `${at}.${p.path}`, level: 'error', message: p.message });
  return found.length ? null : cred;
}

function validateNotifier(raw: unknown, index: number, schemaFor: SchemaFor, problems: ConfigProblem[]): NotifierConfig | null {
  const at = `notifiers[${index}]`;
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') {
    problems.push({ path: `${at}.type`, level: 'error', message: `is required (one of ${notifiers.names().join(', ')})` });
    return null;
  }
  const plugin = notifiers.get(type);
  if (!plugin) {
    problems.push({ path: `${at}.type`, level: 'error', message: `unknown notifier type "${type}" (known: ${notifiers.names().join(', ')})` });
    return null;
  }
  const parsed = schemaFor(type).safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    problems.push(...formatIssues(parsed.error.issues, ['notifiers', index]));
    return null;
  }
  return parsed.data as NotifierConfig;
}

/** Checks that need the whole config: unique ids and names, notify targets that exist. */
function crossCheck(config: Config, problems: ConfigProblem[]): void {
  const names = new Map<string, number>();
  config.notifiers.forEach((n, i) => {
    if (names.has(n.name)) problems.push({ path: `notifiers[${i}].name`, level: 'error', message: `duplicate notifier name "${n.name}" (also notifiers[${names.get(n.name)}])` });
    else names.set(n.name, i);
  });
  const checkTargets = (list: string[] | undefined, path: string) =>
    list?.forEach((name, j) => {
      if (!names.has(name)) problems.push({ path: `${path}[${j}]`, level: 'error', message: `no notifier named "${name}"` });
    });
  checkTargets(config.defaults.notify, 'defaults.notify');

  const t = config.thresholds;
  if (t.criticalDays > t.warningDays) problems.push({ path: 'thresholds.criticalDays', level: 'error', message: `must not exceed warningDays (${t.warningDays})` });

  const ids = new Map<string, number>();
  config.credentials.forEach((c, i) => {
    const first = ids.get(c.id);
    if (first !== undefined) problems.push({ path: `credentials[${i}].id`, level: 'error', message: `duplicate id "${c.id}" (also credentials[${first}])` });
    else ids.set(c.id, i);
    checkTargets(c.notify, `credentials[${i}].notify`);
    const warn = c.thresholds?.warningDays ?? t.warningDays;
    const crit = c.thresholds?.criticalDays ?? t.criticalDays;
    // A bad global pair is reported once, at thresholds; here only what this credential sets itself.
    const own = c.thresholds?.warningDays !== undefined || c.thresholds?.criticalDays !== undefined;
    if (own && crit > warn) problems.push({ path: `credentials[${i}].thresholds.criticalDays`, level: 'error', message: `must not exceed warningDays (${warn})` });
  });
}

/** Lints that do not make the config invalid (printed by `validate`, logged by the daemon). */
function lint(config: Config): ConfigProblem[] {
  const out: ConfigProblem[] = [...haProblems(config)];
  const unrouted = unroutedCredentials(config);
  if (unrouted.length) {
    const shown = unrouted.slice(0, 5).join(', ') + (unrouted.length > 5 ? `, and ${unrouted.length - 5} more` : '');
    const who =
      unrouted.length === config.credentials.length
        ? 'no credential reaches a notifier'
        : `${unrouted.length} credential${unrouted.length === 1 ? ' reaches' : 's reach'} no notifier (${shown})`;
    out.push({ path: 'defaults.notify', level: 'warning', message: `${who}: set defaults.notify or a credential's notify, or alerts go nowhere` });
  }
  const host = config.server.listen.slice(0, config.server.listen.lastIndexOf(':'));
  if (!config.server.token && !/^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/i.test(host)) {
    out.push({
      path: 'server.listen',
      level: 'warning',
      message: `${config.server.listen} is reachable from other machines and server.token is not set: anyone who can connect can read /status and /metrics`,
    });
  }
  for (const name of kinds.names()) {
    const kind = kinds.get(name)!;
    if (!kind.lint) continue;
    const mine = config.credentials.filter((c) => c.kind === name);
    if (mine.length) out.push(...kind.lint(mine));
  }
  if (config.credentials.some((c) => c.probe?.budget !== undefined)) out.push(...budgetProblems(projectRequests(config)));
  return out;
}

/** Notifiers that send each replica's copy (nothing merges them): in HA, only Alertmanager deduplicates. */
const NON_DEDUPLICATING = new Set(['slack', 'email', 'webhook']);

/** With `ha: true`, every notifier that would page once per replica, and a missing Alertmanager. */
function haProblems(config: Pick<Config, 'ha' | 'notifiers'>): ConfigProblem[] {
  if (!config.ha) return [];
  const out: ConfigProblem[] = config.notifiers.flatMap((n, i) =>
    NON_DEDUPLICATING.has(n.type)
      ? [{ path: `notifiers[${i}]`, level: 'warning' as const, message: `with ha: true every replica sends its own copy through ${n.type} notifier "${n.name}", which cannot deduplicate; route ${n.type} through an Alertmanager receiver instead (README: High availability)` }]
      : [],
  );
  if (!config.notifiers.some((n) => n.type === 'alertmanager')) {
    out.push({ path: 'ha', level: 'warning', message: 'ha: true needs an alertmanager notifier (a cluster that deduplicates the replicas\' alerts); there is none' });
  }
  return out;
}

/** Credentials with no `notify` of their own and no `defaults.notify` to fall back on. */
function unroutedCredentials(config: Pick<Config, 'credentials' | 'defaults'>): string[] {
  if (config.defaults.notify.length) return [];
  return config.credentials.filter((c) => c.notify === undefined).map((c) => c.id);
}

export interface LoadedConfig {
  config: Config;
  /** Warnings from lint; errors throw instead. */
  warnings: ConfigProblem[];
}

/** Builds a Config from already-parsed data. Throws ConfigError listing every problem. */
/** One credential of kind `name`: the common keys, the rotation's `switchedAt`, and the kind's own. The loader and `credwatch schema` share it. */
export function credentialSchema(h: SchemaHelpers, name: string) {
  return z.strictObject({ ...commonCredentialShape, switchedAt: h.date().optional(), ...kinds.get(name)!.schema(h).shape });
}

/** One notifier of type `type`: its name, its type and the plugin's own keys. */
export function notifierSchemaOf(h: SchemaHelpers, type: string) {
  return z.strictObject({ ...commonNotifierShape, ...notifiers.get(type)!.schema(h).shape });
}

/** The top-level, every kind's and every notifier's schema: where the secret declarations live. */
function allSchemas(): z.ZodType[] {
  const h = schemaHelpers('.');
  return [topLevelSchema(h), ...kinds.names().map((n) => credentialSchema(h, n)), ...notifiers.names().map((t) => notifierSchemaOf(h, t))];
}

let fileFields: ReadonlySet<string> | undefined;
let valueFields: ReadonlySet<string> | undefined;

/** Keys that also accept `xFile`, from the declarations in the top-level, kind and notifier schemas. */
export function secretFileFields(): ReadonlySet<string> {
  fileFields ??= fileFormFields(allSchemas());
  return fileFields;
}

/** Keys declared secret (`h.secret()`) in the top-level, kind and notifier schemas: what logs redact by name. */
export function secretFields(): ReadonlySet<string> {
  valueFields ??= secretValueFields(allSchemas());
  return valueFields;
}

export function buildConfig(data: unknown, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const dir = dirname(file);
  const expansion: ConfigProblem[] = [];
  const expanded = expandTree(data ?? {}, env, dir, expansion, secretFileFields());
  const problems: ConfigProblem[] = [];
  const h = schemaHelpers(dir);
  if (typeof expanded !== 'object' || expanded === null || Array.isArray(expanded)) {
    throw new ConfigError([{ path: '', level: 'error', message: `${file}: the config must be a mapping (database, credentials, ...)` }]);
  }
  const root = expanded as Record<string, unknown>;

  const top = topLevelSchema(h).safeParse(root, { reportInput: true });
  if (!top.success) problems.push(...formatIssues(top.error.issues, []));

  // Items are validated even when the top level has problems, so one run lists everything.
  const kindSchema = memo((name) => credentialSchema(h, name));
  const notifierSchema = memo((type) => notifierSchemaOf(h, type)
  );
  const rawNotifiers = Array.isArray(root.notifiers) ? root.notifiers : [];
  const rawCredentials = Array.isArray(root.credentials) ? root.credentials : [];
  const notifierList = rawNotifiers.map((n, i) => validateNotifier(n, i, notifierSchema, problems));
  const credentialList = rawCredentials.map((c, i) => validateCredential(c, i, kindSchema, problems));

  const base = top.success ? top.data : topLevelSchema(h).parse({ credentials: [{}] });
  const config: Config = {
    ...base,
    file,
    notifiers: notifierList.filter((n): n is NotifierConfig => n !== null),
    credentials: credentialList.filter((c): c is CredentialConfig => c !== null),
  };
  crossCheck(config, problems);
  problems.push(...checkRotations(credentialList, rawCredentials));

  // An unset ${NAME} or unreadable xFile already explains the value at that path (for xFile, at x);
  // the schema's complaint about the same value adds nothing.
  const explained = new Set(expansion.flatMap((p) => (p.path.endsWith('File') ? [p.path, p.path.slice(0, -4)] : [p.path])));
  const all = [...expansion, ...problems.filter((p) => !explained.has(p.path))];
  if (all.length) throw new ConfigError(all);
  registerConfigSecrets(config);
  return { config, warnings: lint(config) };
}

/** Reads, parses, expands and validates a config file. Throws ConfigError listing every problem. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readRegularFile(file, MAX_CONFIG_BYTES).toString('utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', level: 'error', message: `config ${file} ${readFailure(err)}` }]);
  }
  const { data, problems } = parseConfigText(text, file);
  if (problems.length) throw new ConfigError(problems);
  return buildConfig(data, file, env);
}


/** A load that did not throw: the config and its warnings, or every error problem. */
type LoadOutcome = ({ ok: true } & LoadedConfig) | { ok: false; errors: ConfigProblem[] };

/** loadConfig for callers that report problems themselves (the CLI to stderr, the daemon to its log). */
export function tryLoadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadOutcome {
  try {
    return { ok: true, ...loadConfig(file, env) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { ok: false, errors: err.problems.filter((p) => p.level === 'error') };
  }
}
