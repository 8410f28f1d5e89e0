/**
 * The simulated year: builds the world (fake AWS, production, the people, the deployment the component makes
 * under the Pulumi mocks), delivers every firing of its schedule to the real starter, lets Step Functions run
 * each cycle's execution of the deployed definition (its Task states run the real functions, its waits take
 * simulated minutes), records every run and checks the invariants after each one and for each cycle.
 */
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { EngineName } from "../../handlers/engines";
import { createRefreshStarterHandler, createRestoreHandler, createUpdateHandler } from "../../handlers/refresh/lambda";
import { PRODUCTION_ACCOUNT } from "./accounts";
import { ClusterSnapshotApiOptions } from "./cluster-snapshot-api";
import { applyDeployment, Deployment, deployComponent, FUNCTION_KINDS, FunctionKind, ShareDeployment } from "./deployment";
import { FakeAws } from "./fake-aws";
import { addMinutes, checkCycleEnd, checkInvocation, WorldView } from "./invariants";
import { ConsoleCapture, Handler, SimulatedFunction } from "./lambda-runtime";
import { CycleExpectation, CycleRecord, InvocationRecord } from "./ledger";
import { Colleague, Operator, Stranger } from "./people";
import { ProductionAccount, ProductionOptions } from "./production-account";
import { Firing, firings, ScheduleDefinition, ZoneClock } from "./scheduler-clock";
import { ShareSide, ShareSideConfig } from "./share-side";
import { ExecutionRecord, LambdaOutcome } from "./step-functions-service";

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
    /** Local time the cadence names: when a cycle starts. */
    cycleTime: string;
    snapshotApi: ClusterSnapshotApiOptions;
    expectation: (cycleNumber: number) => CycleExpectation;
    /** Production's SnapshotShare stack, which then shares what production's automated backups take. */
    share?: ShareSideConfig;
    /** Scheduler delivers these firings (their `scheduledTime`) a second time, a minute after the first. */
    redeliveredFirings?: readonly string[];
}

/** AWS's defaults for the acceptance account: 100 manual cluster snapshots, 5 copies in flight; a copy takes 40 minutes. */
export const ACCEPTANCE_LIMITS: ClusterSnapshotApiOptions = {
    manualSnapshotQuota: 100,
    // Production keeps two months of daily snapshots of its clusters: its quota was raised.
    quotaOverrides: { [PRODUCTION_ACCOUNT]: 1000 },
    concurrentCopyLimit: 5,
    defaultCopy: { minutes: 40, outcome: "available" },
};

export interface Violation {
    at: string;
    what: string;
}

const MS_PER_DAY = 86_400_000;
const HANDLER_FACTORIES: Record<FunctionKind, () => Handler> = { starter: createRefreshStarterHandler, update: createUpdateHandler, restore: createRestoreHandler };

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
    readonly cycleTime: string;
    /** Production's share stack, when the world has one. */
    readonly share: ShareSide | undefined;
    deployment: Deployment;
    private readonly functions: Record<FunctionKind, SimulatedFunction>;
    private readonly console = new ConsoleCapture();

    /** Builds the world around the component's first deployment (applied by {@link deploy}, when the scenario says). */
    static async create(config: SimulationConfig): Promise<SimulatedWorld> {
        const shareDeployment = config.share === undefined ? undefined : await ShareSide.deploy(config.share);
        const deployment = await deployComponent(config.componentName, config.args, stacksOf(config, shareDeployment));
        return new SimulatedWorld(config, deployment, shareDeployment);
    }

    private constructor(private readonly config: SimulationConfig, readonly firstDeployment: Deployment, shareDeployment: ShareDeployment | undefined) {
        this.aws = new FakeAws(config.worldStart, config.snapshotApi);
        this.deployment = firstDeployment;
        this.zone = new ZoneClock(firstDeployment.schedule.timezone);
        this.production = new ProductionAccount(this.aws, config.production);
        this.share = shareDeployment === undefined ? undefined
            : new ShareSide(this.aws, this.production, shareDeployment, this.console, () => Object.values(this.aws.parameters.state()).map((parameter) => parameter.value));
        this.stranger = new Stranger(this.aws);
        this.colleague = new Colleague(this.aws);
        this.operator = new Operator(this.aws);
        this.cycleTime = config.cycleTime;
        this.cycles = Array.from({ length: config.cycleCount }, (_, index) => {
            const date = new Date(Date.parse(`${config.firstCycleDate}T00:00:00Z`) + index * config.cycleEveryDays * MS_PER_DAY).toISOString().slice(0, 10);
            return {
                number: index + 1,
                date,
                expectation: config.expectation(index + 1),
                updates: [],
                restores: [],
                cycleStart: this.cycleStartOn(date),
                sharedWhenUpdated: {},
                expectedData: {},
                executions: [],
            };
        });
        this.cycleDates = new Set(this.cycles.map((cycle) => cycle.date));
        this.functions = Object.fromEntries(FUNCTION_KINDS.map((kind) => [kind, new SimulatedFunction(
            () => this.deployment.functions[kind], HANDLER_FACTORIES[kind], this.aws, this.console,
        )])) as Record<FunctionKind, SimulatedFunction>;
        for (const kind of ["update", "restore"] as const) {
            this.aws.functions.set(firstDeployment.functions[kind].arn, (payload, execution) => this.runTask(kind, payload, execution));
        }
        // The main pipeline restores from the `current` parameters as they are when an execution starts.
        this.aws.pipelines.observeRestoredData = () => Object.fromEntries(this.deployment.settings.engines.map((engine) =>
            [engine.currentParameter, this.aws.parameters.value(engine.currentParameter) ?? ""]));
    }

    /** Another `pulumi up` of the component with other arguments, built now (before the year runs), applied by {@link deploy}. */
    async prepare(args: SnapshotRefreshArgs): Promise<Deployment> {
        const deployment = await deployComponent(this.config.componentName, args, stacksOf(this.config, this.share?.deployment));
        if (deployment.schedule.expression !== this.firstDeployment.schedule.expression) throw new Error("the simulation keeps one schedule all year");
        return deployment;
    }

    /** `pulumi up`: the first one creates the parameters; later ones may change the arguments (the pipeline, say). */
    deploy(deployment: Deployment = this.firstDeployment): void {
        this.deployment = deployment;
        applyDeployment(this.aws, deployment);
    }

    /** The instant the cadence's time zone reads `date` `time` (the first, if the clock goes back). */
    localInstant(date: string, time: string): Date {
        return this.zone.instantOf(date, time);
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

    /** Every engine's followed clusters, as the current deployment says. */
    sourceClusters(engine: EngineName): string[] {
        return this.deployment.settings.engines.find((settings) => settings.engine === engine)?.sourceClusters ?? [];
    }

    /**
     * Delivers every firing of the schedule to the starter, and lets each execution run to its end, checking as
     * it goes; then checks each cycle.
     */
    async run(): Promise<void> {
        const schedules: ScheduleDefinition<"starter" | "share-starter">[] = [this.deployment.schedule, ...(this.share ? [this.share.deployment.schedule] : [])];
        const delivered = firings(schedules, this.config.firingsFrom, this.config.firingsUntil);
        const redelivered = delivered.filter((firing) => this.config.redeliveredFirings?.includes(firing.scheduledTime)).map((firing) => ({ ...firing, atMs: firing.atMs + 60_000 }));
        const all = [...delivered, ...redelivered].sort((a, b) => a.atMs - b.atMs);
        const end = new Date(Date.parse(`${this.config.firingsUntil}T00:00:00Z`) + MS_PER_DAY);
        this.aws.install();
        this.console.install();
        try {
            await this.aws.timeline.asProcessClock(async () => {
                for (const firing of all) {
                    await this.runUntil(firing.atMs);
                    if (firing.target === "share-starter") await this.share!.fire(firing as Firing<"share-starter">);
                    else await this.fire(firing as Firing<"starter">);
                }
                await this.runUntil(end.getTime());
            });
        } finally {
            this.console.uninstall();
            this.aws.restore();
        }
        for (const cycle of this.cycles.filter((candidate) => candidate.execution === undefined)) {
            this.report(`cycle ${cycle.number} (${cycle.date})`, [`no execution ran the cycle: ${checkCycleEnd(this, cycle).join("; ")}`]);
        }
        // An execution still running when the world stops was never checked by its own end: check it now.
        for (const cycle of this.cycles.filter((candidate) => candidate.execution?.status === "RUNNING")) {
            this.report(`cycle ${cycle.number} (${cycle.date})`, checkCycleEnd(this, cycle));
        }
        if (this.share !== undefined) {
            this.share.checkCycles();
            for (const violation of this.share.violations) this.report(`production ${violation.at}`, [violation.what]);
        }
    }

    private async runUntil(atMs: number): Promise<void> {
        const failedBefore = this.aws.timeline.failed.length;
        await this.aws.timeline.runUntil(new Date(atMs));
        for (const failed of this.aws.timeline.failed.slice(failedBefore)) {
            this.report(`timeline ${failed.at.toISOString()}`, [`"${failed.label}" failed: ${failed.error}`]);
        }
    }

    private async fire(firing: Firing<"starter">): Promise<void> {
        this.check(await this.invoke("starter", firing.event, { firing }));
    }

    /** A Task state's invocation of the update or the restore. */
    private async runTask(kind: "update" | "restore", payload: unknown, execution: ExecutionRecord): Promise<LambdaOutcome> {
        const record = await this.invoke(kind, payload, { execution });
        const nowMs = this.aws.timeline.nowMs();
        // What the run had to work with, from production's own records: the newest shared snapshot for the
        // update; for the restore, the newest taken by the execution's start and shared by now.
        record.expectedData = this.perEngine((engine) => (kind === "update"
            ? this.production.newestSharedAt(engine, nowMs, this.sourceClusters(engine))
            : this.production.cycleDataAt(engine, execution.startDate.getTime(), nowMs, this.sourceClusters(engine)))?.arn);
        record.final = kind === "restore" && nowMs >= execution.startDate.getTime() + this.deployment.settings.maintenanceWindowMinutes * 60_000;
        const cycle = this.cycles.find((candidate) => `cycle-${candidate.date}` === execution.name);
        if (cycle !== undefined) {
            if (cycle.execution === undefined) {
                cycle.execution = execution;
                // Checked once the execution stops, against the world as it is then (the pipeline, the deployment).
                void execution.stopped.then(() => this.report(`cycle ${cycle.number} (${cycle.date})`, checkCycleEnd(this, cycle)));
            }
            if (kind === "update") {
                cycle.updates.push(record);
                cycle.sharedWhenUpdated = record.expectedData;
            } else {
                // The data is the one of the check that restored.
                if (!cycle.restores.some((earlier) => earlier.outcome === "restored")) cycle.expectedData = record.expectedData;
                cycle.restores.push(record);
            }
        }
        this.check(record);
        return record.invocation.error !== undefined ? { error: record.invocation.error } : { result: record.invocation.result };
    }

    private async invoke(kind: FunctionKind, event: unknown, origin: Pick<InvocationRecord, "firing" | "execution">): Promise<InvocationRecord> {
        const parametersBefore = this.aws.parameters.state();
        const callsBefore = this.aws.calls.length;
        const snapshotsBefore = this.aws.store.everything().length;
        const invocation = await this.functions[kind].invoke(event);
        const nowMs = this.aws.timeline.nowMs();
        const label = this.deployment.functions[kind].caller.label;
        const result = invocation.result as { outcome?: string } | undefined;
        const record: InvocationRecord = {
            kind,
            invocation,
            ...origin,
            status: invocation.error !== undefined ? "failed" : "succeeded",
            outcome: result?.outcome,
            localDate: this.zone.localDate(nowMs),
            localTime: this.zone.localTime(nowMs),
            parametersBefore,
            parametersAfter: this.aws.parameters.state(),
            calls: this.aws.calls.slice(callsBefore),
            copiesStarted: this.aws.store.everything().slice(snapshotsBefore).filter((snapshot) => snapshot.createdBy === label),
            deleted: this.aws.store.everything().filter((snapshot) => snapshot.deletedBy === label && snapshot.deletedAt?.getTime() === nowMs),
        };
        this.invocations.push(record);
        return record;
    }

    private check(record: InvocationRecord): void {
        this.report(`${record.kind} ${record.localDate} ${record.localTime}`, checkInvocation(this, record));
    }

    /**
     * The cycle's start on `date`, worked out from the calendar rather than taken from the gate: the cadence's
     * local time (its first occurrence when the clock goes back), or the hour after it when the clock springs
     * forward over it, which is when Scheduler's fallback firing starts the cycle.
     */
    private cycleStartOn(date: string): Date {
        const [atMs] = this.zone.instantsOf(date, this.config.cycleTime);
        return new Date(atMs ?? this.zone.instantsOf(date, addMinutes(this.config.cycleTime, 60))[0]);
    }

    /** One ARN per deployed engine. Nothing advances the timeline during a run, so "now" is still the run's instant. */
    private perEngine(arnOf: (engine: EngineName) => string | undefined): Partial<Record<EngineName, string>> {
        return Object.fromEntries(this.deployment.settings.engines.map((engine) => [engine.engine, arnOf(engine.engine)]));
    }

    private report(at: string, problems: string[]): void {
        for (const what of problems) this.violations.push({ at, what });
    }
}

/** The production stack's outputs, under the name the acceptance stack's sourceStack gives it. */
function stacksOf(config: SimulationConfig, shareDeployment: ShareDeployment | undefined): Record<string, Record<string, unknown>> {
    return config.share !== undefined && shareDeployment !== undefined ? { [config.share.stackName]: shareDeployment.outputs } : {};
}
