/**
 * A virtual-time event loop: tasks run in FIFO order, timers fire in time order when no
 * task is left. Nothing ever waits for real time, so a case with "1 s" pauses runs in
 * microseconds and always interleaves the same way.
 */

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Handle of a scheduled timer. */
export interface TimerHandle {
  cancel(): void;
}

export class Reactor {
  /** Virtual seconds since the case started. */
  now = 0;
  #tasks: Array<() => void> = [];
  #head = 0;
  #timers: Timer[] = [];
  #seq = 0;

  /** Runs `fn` on a later turn of the loop, at the current virtual time. */
  callSoon(fn: () => void): void {
    this.#tasks.push(fn);
  }

  /** Runs `fn` after `seconds` of virtual time. */
  callLater(seconds: number, fn: () => void): TimerHandle {
    const timer: Timer = { at: this.now + seconds, seq: this.#seq++, fn, cancelled: false };
    const timers = this.#timers;
    let low = 0;
    let high = timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = timers[mid];
      if (other.at < timer.at || (other.at === timer.at && other.seq < timer.seq)) low = mid + 1;
      else high = mid;
    }
    timers.splice(low, 0, timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Runs until no task and no timer is left. */
  run(): void {
    for (;;) {
      if (this.#head < this.#tasks.length) {
        const task = this.#tasks[this.#head++];
        if (this.#head > 4096 && this.#head * 2 > this.#tasks.length) {
          this.#tasks = this.#tasks.slice(this.#head);
          this.#head = 0;
        }
        task();
        continue;
      }
      const timer = this.#timers.shift();
      if (timer === undefined) return;
      if (timer.cancelled) continue;
      this.now = timer.at;
      timer.fn();
    }
  }
}
