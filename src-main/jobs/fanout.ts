// Fan-out with back-pressure: each subscriber gets its own bounded queue drained asynchronously. When a
// subscriber falls behind, the oldest step-level events (metrics, progress) are dropped; lifecycle events
// (started, epoch, snapshot, finished, …) are always delivered. Publishing never waits for a subscriber.
export interface RunEvent {
  runId: string;
  /** 'metrics' and 'progress' may be dropped for slow subscribers. */
  type: string;
  [k: string]: unknown;
}

const DROPPABLE = new Set(['metrics', 'progress']);

export interface Subscription {
  unsubscribe(): void;
  /** Events dropped for this subscriber so far. */
  readonly dropped: number;
}

export class FanOut<E extends RunEvent = RunEvent> {
  private readonly subs = new Set<{ deliver: (e: E) => void | Promise<void>; queue: E[]; busy: boolean; dropped: number; max: number }>();

  subscribe(deliver: (e: E) => void | Promise<void>, maxQueue = 1000): Subscription {
    const sub = { deliver, queue: [] as E[], busy: false, dropped: 0, max: maxQueue };
    this.subs.add(sub);
    return {
      unsubscribe: () => this.subs.delete(sub),
      get dropped() {
        return sub.dropped;
      },
    };
  }

  publish(e: E): void {
    for (const sub of this.subs) {
      sub.queue.push(e);
      if (sub.queue.length > sub.max) {
        const i = sub.queue.findIndex((x) => DROPPABLE.has(x.type));
        if (i >= 0) {
          sub.queue.splice(i, 1);
          sub.dropped++;
        }
      }
      if (!sub.busy) void this.drain(sub);
    }
  }

  private async drain(sub: { deliver: (e: E) => void | Promise<void>; queue: E[]; busy: boolean }): Promise<void> {
    sub.busy = true;
    await Promise.resolve();
    while (sub.queue.length) {
      const e = sub.queue.shift()!;
      try {
        await sub.deliver(e);
      } catch {
        // A failing subscriber must not affect training or other subscribers.
      }
    }
    sub.busy = false;
  }
}
