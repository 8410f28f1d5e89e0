/**
 * The simulated year: builds the world (fake AWS, production, the people, the deployment), delivers every
 * scheduler firing to the real handlers in time order, records each invocation and checks the invariants
 * after each one and at the end of each cycle.
 */
import { SnapshotRefreshArgs } from "../../components/args";
import { EngineName } from "../../handlers/engines";
import { PRODUCTION_ACCOUNT } from "./accounts";
import { createRestoreHandler, createUpdateHandler } from "../../handlers/lambda";
import { RestoreSummary } from "../../handlers/restore";
import { ClusterSnapshotApiOptions } from "./cluster-snapshot-api";
import { applyParameters, Deployment, functionCaller, FunctionKind, planDeployment } from "./deployment";
import { FakeAws } from "./fake-aws";
import { addMinutes, checkCycleEnd, checkInvocation, isLastAttempt, RestoreWindow, WorldView } from "./invariants";
import { ConsoleCapture, SimulatedFunction } from "./lambda-runtime";
import { CycleExpectation, CycleRecord, InvocationRecord } from "./ledger";
import { Colleague, Operator, Stranger } from "./people";
import { ProductionAccount, ProductionOptions } from "./production-account";
import { Firing, firings, ZoneClock } from "./scheduler-clock";

export interface SimulationConfig {
    componentName: string;
    args: SnapshotRefreshArgs;
    /** Where the timeline starts: production's history begins then. */
    worldStart: Date;
    production: ProductionOptions;
    /** Local dates: firings are delivered from `firingsFrom` up to, not including, `firingsUntil`. */
    firingsFrom: string;
    firingsUntil: string;
    /** The cycle days as the cadence defines them, worked out independently of the gate. */
    firstCycleDate: string;
    cycleEveryDays: number;
    cycleCount: number;
    /** Local update time the cadence names, and the restore window: what the gate must let through. */
    updateTime: string;
    restoreWindow: RestoreWindow;
    snapshotApi: ClusterSnapshotApiOptions;
    expectation: (cycleNumber: number) => CycleExpectation;
}

/** AWS's defaults for the acceptance account: 100 manual cluster snapshots, 5 copies in flight; a copy takes 40 minutes. */
export const ACCEPTANCE_LIMITS: ClusterSnapshotApiOptions = {
    manualSnapshotQuota: 100,
    // Production keeps two months of daily snapshots of its clusters: its quota was raised.
    quotaOverrides: { [PRODUCTION_ACCOUNT]: 1000 },
    concurrentCopyLimit: 5,
    defaultCopy: { minutes: 40, outcome: "available" },
};

/** The component's default restore window: from 04:00 (two hours after a 02:00 update), every 15 minutes, until 06:00. */
export const DEFAULT_RESTORE_WINDOW: RestoreWindow = { start: "04:00", minutes: 120, recheckMinutes: 15 };

export interface Violation {
    at: string;
    what: string;
}

const MS_PER_DAY = 86_400_000;

export class SimulatedWorld implements WorldView {
    readonly aws: FakeAws;
    readonly production: ProductionAccount;
    readonly stranger: Stranger;
    readonly colleague: Colleague;
    readonly operator: Operator;
    readonly zone: ZoneClock;
    readonly cycles: CycleRecord[];
    readonly cycleDates: ReadonlySet<string>;
    readonly invocations: InvocationRecord[] = [];
    readonly violations: Violation[] = [];
    readonly updateTime: string;
    readonly restoreWindow: RestoreWindow;
    readonly functionLabels: Record<FunctionKind, string>;
    readonly restorePrincipal: string;
    deployment: Deployment;
    private readonly functions: Record<FunctionKind, SimulatedFunction>;
    private readonly console = new ConsoleCapture();

    constructor(private readonly config: SimulationConfig) {
        this.aws = new FakeAws(config.worldStart, config.snapshotApi);
        this.deployment = planDeployment(config.componentName, config.args);
        this.zone = new ZoneClock(this.deployment.plan.update.timezone);
        this.production = new ProductionAccount(this.aws, config.production);
        this.stranger = new Stranger(this.aws);
        this.colleague = new Colleague(this.aws);
        this.operator = new Operator(this.aws);
        this.updateTime = config.updateTime;
        this.restoreWindow = config.restoreWindow;
        this.cycles = Array.from({ length: config.cycleCount }, (_, index) => {
            const date = new Date(Date.parse(`${config.firstCycleDate}T00:00:00Z`) + index * config.cycleEveryDays * MS_PER_DAY).toISOString().slice(0, 10);
            return {
                number: index + 1,
                date,
                expectation: config.expectation(index + 1),
                updates: [],
                restores: [],
                cycleStart: this.updateInstant(date),
                sharedWhenUpdated: {},
                expectedData: {},
                executions: [],
            };
        });
        this.cycleDates = new Set(this.cycles.map((cycle) => cycle.date));
        const update = functionCaller(() => this.deployment, "update");
        const restore = functionCaller(() => this.deployment, "restore");
        this.functionLabels = { update: update.label, restore: restore.label };
        this.restorePrincipal = restore.principalArn;
        const settingsJson = () => this.deployment.settingsJson;
        this.functions = {
            update: new SimulatedFunction(update.label, () => update, createUpdateHandler, settingsJson, this.aws, this.console),
            restore: new SimulatedFunction(restore.label, () => restore, createRestoreHandler, settingsJson, this.aws, this.console),
        };
        // The main pipeline restores from the `current` parameters as they are when an execution starts.
        this.aws.pipelines.observeRestoredData = () => Object.fromEntries(this.deployment.settings.engines.map((engine) =>
            [engine.currentParameter, this.aws.parameters.value(engine.currentParameter) ?? ""]));
    }

    /** `pulumi up`: the first one creates the parameters; later ones may change the arguments (the pipeline). */
    deploy(args: SnapshotRefreshArgs = this.config.args): void {
        this.deployment = planDeployment(this.config.componentName, args);
        applyParameters(this.aws, this.deployment);
    }

    /** The instant the cadence's time zone reads `date` `time` (the first, if the clock goes back). */
    localInstant(date: string, time: string): Date {
        return this.zone.instantOf(date, time);
    }

    /**
     * The cycle's update time on `date`, worked out from the calendar rather than taken from the gate: the
     * cadence's local time (its first occurrence when the clock goes back), or the hour after it when the clock
     * springs forward over it, which is when Scheduler's fallback firing runs the update.
     */
    private updateInstant(date: string): Date {
        const [atMs] = this.zone.instantsOf(date, this.config.updateTime);
        return new Date(atMs ?? this.zone.instantsOf(date, addMinutes(this.config.updateTime, 60))[0]);
    }

    cycle(number: number): CycleRecord {
        return this.cycles[number - 1];
    }

    /** Plans `action` on the timeline at a local date and time. */
    at(date: string, time: string, label: string, action: () => void): void {
        this.aws.timeline.schedule(this.localInstant(date, time), label, action);
    }

    startProduction(firstDate: string): void {
        this.production.start(firstDate);
    }

    /** Delivers every firing of the year to the functions, checking as it goes. */
    async run(): Promise<void> {
        const all = firings(this.deployment.schedules, this.config.firingsFrom, this.config.firingsUntil);
        const lastRestoreOfDay = new Map<string, number>();
        for (const firing of all) if (firing.target === "restore") lastRestoreOfDay.set(firing.localDate, firing.atMs);
        this.aws.install();
        this.console.install();
        try {
            for (const firing of all) {
                const failedBefore = this.aws.timeline.failed.length;
                this.aws.timeline.advanceTo(new Date(firing.atMs));
                for (const failed of this.aws.timeline.failed.slice(failedBefore)) {
                    this.report(`timeline ${failed.at.toISOString()}`, [`"${failed.label}" failed: ${failed.error}`]);
                }
                const record = await this.deliver(firing);
                const cycle = record.cycle;
                if (cycle !== undefined && record.kind === "restore" && lastRestoreOfDay.get(firing.localDate) === firing.atMs) {
                    this.report(`cycle ${cycle.number} (${cycle.date})`, checkCycleEnd(this, cycle));
                }
            }
        } finally {
            this.console.uninstall();
            this.aws.restore();
        }
    }

    private async deliver(firing: Firing<FunctionKind>): Promise<InvocationRecord> {
        const parametersBefore = this.aws.parameters.state();
        const callsBefore = this.aws.calls.length;
        const snapshotsBefore = this.aws.store.everything().length;
        const invocation = await this.functions[firing.target].invoke(firing.event);
        const nowMs = this.aws.timeline.nowMs();
        const label = this.functionLabels[firing.target];
        const result = invocation.result as { outcome?: RestoreSummary["outcome"] | "skipped" } | undefined;
        const record: InvocationRecord = {
            kind: firing.target,
            firing,
            invocation,
            status: invocation.error !== undefined ? "failed" : result?.outcome === "skipped" ? "skipped" : "succeeded",
            restoreOutcome: firing.target === "restore" && invocation.error === undefined ? result?.outcome : undefined,
            parametersBefore,
            parametersAfter: this.aws.parameters.state(),
            calls: this.aws.calls.slice(callsBefore),
            copiesStarted: this.aws.store.everything().slice(snapshotsBefore).filter((snapshot) => snapshot.createdBy === label),
            deleted: this.aws.store.everything().filter((snapshot) => snapshot.deletedBy === label && snapshot.deletedAt?.getTime() === nowMs),
        };
        this.invocations.push(record);
        const cycle = this.cycles.find((candidate) => candidate.date === firing.localDate);
        if (cycle !== undefined && record.status !== "skipped") {
            record.cycle = cycle;
            if (record.kind === "update") {
                cycle.updates.push(record);
                record.expectedData = this.perEngine((engine) => this.production.newestSharedAt(engine, nowMs)?.arn);
                cycle.sharedWhenUpdated = record.expectedData;
            } else {
                const restoredBefore = cycle.restores.some((earlier) => earlier.restoreOutcome === "restored");
                cycle.restores.push(record);
                record.lastAttempt = isLastAttempt(this, firing.localDate, firing.localTime);
                record.expectedData = this.perEngine((engine) => this.production.cycleDataAt(engine, cycle.cycleStart.getTime(), nowMs)?.arn);
                // The data is the one of the attempt that restored: later attempts find the execution and stop.
                if (!restoredBefore) cycle.expectedData = record.expectedData;
                cycle.executions = this.aws.pipelines.allExecutions().filter((execution) =>
                    execution.startedBy === this.restorePrincipal && this.zone.localDate(execution.startTime.getTime()) === cycle.date);
            }
        }
        this.report(`${firing.target} ${firing.localDate} ${firing.localTime}`, checkInvocation(this, record));
        return record;
    }

    /** One ARN per deployed engine. Nothing advances the timeline during a run, so "now" is still the firing's instant. */
    private perEngine(arnOf: (engine: EngineName) => string | undefined): Partial<Record<EngineName, string>> {
        return Object.fromEntries(this.deployment.settings.engines.map((engine) => [engine.engine, arnOf(engine.engine)]));
    }

    private report(at: string, problems: string[]): void {
        for (const what of problems) this.violations.push({ at, what });
    }
}
