// The config's JSON Schema, generated from the same zod schemas the loader validates with (zod 4's
// z.toJSONSchema), so editor completion can never drift from what `validate` accepts.
import { z } from 'zod';
import { kinds } from '../kinds/index.js';
import { notifiers } from '../notifiers/index.js';
import { schemaHelpers } from './helpers.js';
import { credentialSchema, notifierSchemaOf, secretFileFields } from './load.js';
import { topLevelSchema } from './schema.js';

const SCHEMA_ID = 'https://github.com/credwatch/credwatch/config.schema.json';

type Json = Record<string, unknown>;

/**
 * The loader accepts `xFile` for every secret field `x` (read before validation), which the zod
 * schemas never see; the JSON Schema has to say so, and then needs only one of the two.
 */
function addSecretFileForms(node: unknown, fields: ReadonlySet<string> = secretFileFields()): void {
  if (Array.isArray(node)) return node.forEach((n) => addSecretFileForms(n, fields));
  if (node === null || typeof node !== 'object') return;
  const obj = node as Json;
  const props = obj.properties as Record<string, Json> | undefined;
  if (props && obj.type === 'object') {
    const required = new Set((obj.required as string[] | undefined) ?? []);
    const alternatives: Json[] = [];
    for (const key of Object.keys(props)) {
      if (!fields.has(key) || props[`${key}File`]) continue;
      props[`${key}File`] = { type: 'string', minLength: 1, description: `a file whose content is ${key} (instead of ${key})` };
      if (required.has(key)) {
        required.delete(key);
        alternatives.push({ oneOf: [{ required: [key] }, { required: [`${key}File`] }] });
      }
    }
    if (obj.required) obj.required = [...required];
    if (alternatives.length) obj.allOf = [...((obj.allOf as Json[] | undefined) ?? []), ...alternatives];
  }
  for (const value of Object.values(obj)) addSecretFileForms(value, fields);
}

/** A JSON Schema (draft 2020-12) of the whole config file, as editors read it. */
export function configJsonSchema(): Json {
  const h = schemaHelpers('.');
  const credential = kinds.names().map((name) =>
    credentialSchema(h, name)
      .extend({ kind: z.literal(name) })
      .meta({ title: `${name} credential` }),
  );
  const notifier = notifiers.names().map((type) =>
    notifierSchemaOf(h, type)
      .extend({ type: z.literal(type) })
      .meta({ title: `${type} notifier` }),
  );
  const root = topLevelSchema(h).extend({
    notifiers: z.array(z.union(notifier as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])).default([]),
    credentials: z.array(z.union(credential as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])).min(1),
  });
  const schema = z.toJSONSchema(root, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  addSecretFileForms(schema);
  return {
    $schema: schema.$schema,
    $id: SCHEMA_ID,
    title: 'credwatch configuration',
    description: 'credwatch.yaml: credentials to watch, notifiers, thresholds. Any string may hold ${NAME} (an environment variable).',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
