/**
 * Simulated time. Nothing in the simulated world reads the wall clock: production's snapshots appear, copies
 * finish and people interfere at instants on this timeline, and the world is advanced to each scheduler firing
 * before the firing is delivered, so "now" inside a handler run is the firing's scheduled time.
 */

interface PendingAction {
    atMs: number;
    /** Insertion order breaks ties, so two actions at one instant run in the order they were planned. */
    order: number;
    label: string;
    run: () => void;
}

export interface TimelineEntry {
    at: Date;
    label: string;
}

export interface FailedAction extends TimelineEntry {
    error: string;
}

export class Timeline {
    private currentMs: number;
    private readonly pending: PendingAction[] = [];
    private nextOrder = 0;
    /** Every action that ran, in order: the world's own log, for the report of a failed test. */
    readonly history: TimelineEntry[] = [];
    /**
     * Actions that threw. The simulation goes on (one broken action must not hide the rest of the year), and
     * the test reports them: a person's action failing is either a scenario mistake or AWS refusing it.
     */
    readonly failed: FailedAction[] = [];

    constructor(start: Date) {
        this.currentMs = start.getTime();
    }

    now(): Date {
        return new Date(this.currentMs);
    }

    nowMs(): number {
        return this.currentMs;
    }

    /** Plans `run` at `at`; an action may plan further actions (a daily job plans the next day's). */
    schedule(at: Date, label: string, run: () => void): void {
        const atMs = at.getTime();
        if (atMs < this.currentMs) {
            throw new Error(`cannot plan "${label}" at ${at.toISOString()}: the simulation is already at ${this.now().toISOString()}`);
        }
        const action: PendingAction = { atMs, order: this.nextOrder++, label, run };
        const index = this.pending.findIndex((other) => other.atMs > atMs);
        this.pending.splice(index < 0 ? this.pending.length : index, 0, action);
    }

    /** Runs every action due at or before `target`, each at its own instant, then stands at `target`. */
    advanceTo(target: Date): void {
        const targetMs = target.getTime();
        if (targetMs < this.currentMs) {
            throw new Error(`time cannot go back from ${this.now().toISOString()} to ${target.toISOString()}`);
        }
        while (this.pending.length > 0 && this.pending[0].atMs <= targetMs) {
            const action = this.pending.shift()!;
            this.currentMs = action.atMs;
            this.history.push({ at: this.now(), label: action.label });
            try {
                action.run();
            } catch (error) {
                this.failed.push({ at: this.now(), label: action.label, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
            }
        }
        this.currentMs = targetMs;
    }
}
