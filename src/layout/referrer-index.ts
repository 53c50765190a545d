import type { Descriptor, Digest } from '../oci/index.js';

/** Subject → referrers, kept in memory and updated as manifests come and go. */
export class ReferrerIndex {
  private readonly bySubject = new Map<Digest, Map<Digest, Descriptor>>();
  private readonly subjectOf = new Map<Digest, Digest>();

  add(subject: Digest, referrer: Descriptor): void {
    let entries = this.bySubject.get(subject);
    if (!entries) this.bySubject.set(subject, (entries = new Map()));
    entries.set(referrer.digest, referrer);
    this.subjectOf.set(referrer.digest, subject);
  }

  /** Forgets a referrer manifest (it was deleted). */
  remove(referrer: Digest): void {
    const subject = this.subjectOf.get(referrer);
    if (subject === undefined) return;
    this.subjectOf.delete(referrer);
    const entries = this.bySubject.get(subject);
    entries?.delete(referrer);
    if (entries?.size === 0) this.bySubject.delete(subject);
  }

  list(subject: Digest): Descriptor[] {
    return [...(this.bySubject.get(subject)?.values() ?? [])];
  }
}
