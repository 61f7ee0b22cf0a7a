import { configJsonSchema } from '../config/json-schema.js';
import { EXIT } from './common.js';

/** `credwatch schema`: the config's JSON Schema on stdout. Needs no config. */
export function schemaCommand(out: NodeJS.WritableStream = process.stdout): number {
  out.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
  return EXIT.ok;
}
