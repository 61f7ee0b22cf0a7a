import type { z } from 'zod';
import type { SchemaHelpers } from '../config/helpers.js';
import type { NotifierConfig } from '../config/schema.js';

/**
 * A notifier plugin: one file each, registered in `./index.ts`.
 * (The alerts work extends this with `render`/`send`.)
 */
export interface NotifierPlugin<C extends NotifierConfig = NotifierConfig> {
  readonly type: string;
  /** The notifier's own keys (`name` and `type` are merged in by the loader). */
  schema(h: SchemaHelpers): z.ZodObject<z.ZodRawShape>;
  /** Marker so the type parameter is used; implementations refine. */
  readonly _config?: C;
}
