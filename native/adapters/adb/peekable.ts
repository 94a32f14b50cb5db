/**
 * An async iterator one can look ahead into by one item: what merge-joining several ordered
 * `content query` streams needs (take the rows of this contact, leave the next contact's).
 */
export class Peekable<T> {
  private head: IteratorResult<T> | undefined;
  private readonly iterator: AsyncIterator<T>;

  constructor(source: AsyncIterable<T>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async peek(): Promise<T | undefined> {
    this.head ??= await this.iterator.next();
    return this.head.done ? undefined : this.head.value;
  }

  async next(): Promise<T | undefined> {
    const value = await this.peek();
    if (!this.head?.done) this.head = undefined;
    return value;
  }

  /** Takes items while `keep` holds for the next one. */
  async takeWhile(keep: (item: T) => boolean): Promise<T[]> {
    const taken: T[] = [];
    for (;;) {
      const item = await this.peek();
      if (item === undefined || !keep(item)) return taken;
      taken.push(item);
      await this.next();
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}
