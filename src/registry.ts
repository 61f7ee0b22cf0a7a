/** A typed name → plugin map that refuses duplicates, so two plugins can never shadow each other. */
export class Registry<T> {
  readonly #items = new Map<string, T>();
  constructor(
    what: string,
    items: readonly T[],
    key: (item: T) => string = (item) => (item as { name?: string; type?: string }).name ?? (item as { type: string }).type,
  ) {
    for (const item of items) {
      const k = key(item);
      if (this.#items.has(k)) throw new Error(`duplicate ${what} "${k}"`);
      this.#items.set(k, item);
    }
  }
  get(name: string): T | undefined {
    return this.#items.get(name);
  }
  names(): string[] {
    return [...this.#items.keys()];
  }
}
