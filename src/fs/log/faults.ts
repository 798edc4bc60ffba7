/**
 * FaultSet: the injected bugs a mount runs with (crash campaigns' `--inject`; the catalogue and
 * what each bug does are in src/crash/bug-catalogue.ts).
 *
 * Each bug is one `faults.has(NAME)` branch in the filesystem, in the one place it belongs, and
 * some of those places are on the commit path of every write (the data flush, the record's
 * checksum, the log's fence and tail update). Every mount but a campaign's injects nothing, so
 * has() answers from one boolean field before it would hash the name into the Set.
 */
export class FaultSet {
  private readonly names: ReadonlySet<string>;
  private readonly any: boolean;

  constructor(names: Iterable<string> = []) {
    this.names = new Set(names);
    this.any = this.names.size > 0;
  }

  has(name: string): boolean {
    return this.any && this.names.has(name);
  }
}
