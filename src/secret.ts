import { inspect } from 'node:util';

const REDACTED = '<secret>';

/**
 * A secret value from the config. It prints as `<secret>` everywhere (JSON, util.inspect,
 * template strings), so a log line or an error that carries the object leaks nothing; the value
 * comes out only through `reveal()`, at the one place that sends it over the wire.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}
