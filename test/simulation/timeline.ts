/**
 * Simulated time. Nothing in the simulated world reads the wall clock: production's snapshots appear, copies
 * finish and people interfere at instants on this timeline. While the world runs, the process's `Date`,
 * `setTimeout` and `clearTimeout` are this timeline's too (see {@link Timeline.asProcessClock}), so a Step
 * Functions Wait or Retry lasts its declared time in simulated minutes, and "now" inside a function is the
 * simulated instant at which Step Functions ran it.
 */
import { Clock, createClock } from "@sinonjs/fake-timers";

export interface TimelineEntry {
    at: Date;
    label: string;
}

export interface FailedAction extends TimelineEntry {
    error: string;
}

/** A year holds tens of thousands of timers; fake-timers' guard against runaway loops must not trip on it. */
const LOOP_LIMIT = 1_000_000;
/** A timer's longest delay, as Node's (about 24.8 days): an action planned further ahead gets there in hops. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export class Timeline {
    private readonly clock: Clock;
    /**
     * Actions that threw. The simulation goes on (one broken action must not hide the rest of the year), and
     * the test reports them: a person's action failing is either a scenario mistake or AWS refusing it.
     */
    readonly failed: FailedAction[] = [];

    constructor(start: Date) {
        this.clock = createClock(start.getTime(), LOOP_LIMIT);
    }

    now(): Date {
        return new Date(this.clock.now);
    }

    nowMs(): number {
        return this.clock.now;
    }

    /**
     * Plans `run` at `at`; an action may plan further actions (a daily job plans the next day's). Actions at one
     * instant run in the order their timers were set: the order they were planned, unless one had to hop.
     */
    schedule(at: Date, label: string, run: () => void): void {
        const atMs = at.getTime();
        if (atMs < this.clock.now) {
            throw new Error(`cannot plan "${label}" at ${at.toISOString()}: the simulation is already at ${this.now().toISOString()}`);
        }
        this.setTimer(atMs, () => this.perform(label, run));
    }

    /** Runs every action due at or before `target`, each at its own instant, then stands at `target`. */
    advanceTo(target: Date): void {
        this.clock.tick(this.stepTo(target));
    }

    /**
     * As {@link advanceTo}, letting whatever the actions set going (a Step Functions execution, say) run between
     * them: promises settle before the clock moves on to the next action.
     */
    async runUntil(target: Date): Promise<void> {
        await this.clock.tickAsync(this.stepTo(target));
    }

    /** While `work` runs, `Date`, `setTimeout` and `clearTimeout` of the whole process are this timeline's. */
    async asProcessClock<T>(work: () => Promise<T>): Promise<T> {
        const saved = { Date: globalThis.Date, setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
        Object.assign(globalThis, { Date: this.clock.Date, setTimeout: this.clock.setTimeout, clearTimeout: this.clock.clearTimeout });
        try {
            return await work();
        } finally {
            Object.assign(globalThis, saved);
        }
    }

    private setTimer(atMs: number, callback: () => void): void {
        const delay = atMs - this.clock.now;
        if (delay > MAX_TIMER_DELAY_MS) this.clock.setTimeout(() => this.setTimer(atMs, callback), MAX_TIMER_DELAY_MS);
        else this.clock.setTimeout(callback, delay);
    }

    private stepTo(target: Date): number {
        const step = target.getTime() - this.clock.now;
        if (step < 0) throw new Error(`time cannot go back from ${this.now().toISOString()} to ${target.toISOString()}`);
        return step;
    }

    private perform(label: string, run: () => void): void {
        try {
            run();
        } catch (error) {
            this.failed.push({ at: this.now(), label, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        }
    }
}
