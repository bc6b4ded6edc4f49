// Run ownership: every process that trains runs or queues them (a `moduli serve`, the desktop app, a CLI
// `train` or `study run`) registers as an owner and holds a lease on its runs. A second process on the same
// database then tells a run whose trainer is alive (leave it alone, show its progress) from one whose trainer
// died (interrupted: resumable). Liveness: on the same host, the owner's pid must exist (instant after a
// kill -9); on any host, its heartbeat must be younger than STALE_MS (shared databases on network drives).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from './database';

/** A heartbeat older than this means the owner is gone, whatever its pid says (pid reuse, other hosts). */
export const STALE_MS = 10 * 60_000;
export const HEARTBEAT_MS = 5_000;

export interface OwnerRow {
  id: string;
  pid: number;
  host: string;
  kind: string;
  startedAt: number;
  heartbeatAt: number;
}

/** True when a process with this pid exists on this host (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function ownerAlive(o: OwnerRow, now = Date.now()): boolean {
  if (now - o.heartbeatAt > STALE_MS) return false;
  return o.host !== hostname() || pidAlive(o.pid);
}

/** This process's lease: registered on creation, refreshed by a timer (unref'd), removed by release(). */
export class OwnerLease {
  readonly id = randomBytes(8).toString('hex');
  private timer: NodeJS.Timeout | null;
  private released = false;

  constructor(
    private readonly db: Db,
    readonly kind: string,
  ) {
    const now = Date.now();
    db.prepare('INSERT INTO owners (id, pid, host, kind, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      this.id,
      process.pid,
      hostname(),
      kind,
      now,
      now,
    );
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Refreshes the heartbeat; never throws (a full disk must not take the process down: the pid still proves life). */
  beat(): void {
    if (this.released || !this.db.open) return;
    try {
      this.db.prepare('UPDATE owners SET heartbeat_at = ? WHERE id = ?').run(Date.now(), this.id);
    } catch {
      // Retried at the next beat.
    }
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.released) return;
    this.released = true;
    try {
      if (this.db.open) this.db.prepare('DELETE FROM owners WHERE id = ?').run(this.id);
    } catch {
      // A lease left behind is recognised as dead by its pid.
    }
  }
}

export function listOwners(db: Db): OwnerRow[] {
  return db.prepare('SELECT id, pid, host, kind, started_at AS startedAt, heartbeat_at AS heartbeatAt FROM owners').all() as OwnerRow[];
}

/** Owners whose process is alive now. */
export function liveOwnerIds(db: Db): Set<string> {
  const now = Date.now();
  return new Set(
    listOwners(db)
      .filter((o) => ownerAlive(o, now))
      .map((o) => o.id),
  );
}
