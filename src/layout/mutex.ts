/** Runs async sections one at a time, in call order. In-process only: it guards a store's own writers. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  runExclusive<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    // The next section waits for this one whatever its outcome; errors stay with this caller.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** One mutex per key (a digest, a repository), dropped when nobody holds or waits for it. */
export class KeyedMutex {
  private readonly entries = new Map<string, { mutex: Mutex; users: number }>();

  async runExclusive<T>(key: string, section: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { mutex: new Mutex(), users: 0 }));
    entry.users += 1;
    try {
      return await entry.mutex.runExclusive(section);
    } finally {
      entry.users -= 1;
      if (entry.users === 0) this.entries.delete(key);
    }
  }
}
