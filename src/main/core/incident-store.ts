import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IncidentSchema, type Incident } from '../../shared/incident';

/** Incidents kept in memory and on disk. */
export const MAX_INCIDENTS = 200;

/**
 * Keeps the recent incidents: in memory for the dashboard, and as JSON lines in `file`
 * so they survive a restart of the supervisor. A line that fails its schema on load is
 * skipped and counted (`skippedOnLoad`), never a crash; the file is compacted to the last
 * {@link MAX_INCIDENTS} when it grows past twice that. A failing disk never loses the
 * in-memory copy: the error is kept in `lastWriteError`.
 */
export class IncidentStore extends EventEmitter<{ incident: [Incident] }> {
  private incidents: Incident[] = [];
  private linesOnDisk = 0;
  skippedOnLoad = 0;
  lastWriteError: string | null = null;

  constructor(private readonly file: string | null) {
    super();
    if (file) this.load(file);
  }

  /** Newest first. */
  list(): Incident[] {
    return [...this.incidents].reverse();
  }

  /** Records one incident (memory, disk, `incident` event). */
  add(incident: Incident): void {
    this.incidents.push(incident);
    if (this.incidents.length > MAX_INCIDENTS) this.incidents.splice(0, this.incidents.length - MAX_INCIDENTS);
    this.persist(incident);
    this.emit('incident', incident);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      this.linesOnDisk++;
      try {
        const parsed = IncidentSchema.safeParse(JSON.parse(line));
        if (parsed.success) this.incidents.push(parsed.data);
        else this.skippedOnLoad++;
      } catch {
        this.skippedOnLoad++;
      }
    }
    if (this.incidents.length > MAX_INCIDENTS) this.incidents.splice(0, this.incidents.length - MAX_INCIDENTS);
  }

  private persist(incident: Incident): void {
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      if (this.linesOnDisk >= 2 * MAX_INCIDENTS) {
        writeFileSync(this.file, this.incidents.map((i) => JSON.stringify(i)).join('\n') + '\n', { mode: 0o600 });
        this.linesOnDisk = this.incidents.length;
      } else {
        appendFileSync(this.file, JSON.stringify(incident) + '\n', { mode: 0o600 });
        this.linesOnDisk++;
      }
      this.lastWriteError = null;
    } catch (err) {
      this.lastWriteError = (err as Error).message;
    }
  }
}
