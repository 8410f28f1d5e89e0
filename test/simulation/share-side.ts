/**
 * The production account's SnapshotShare stack in the simulated world: its deployment (read off the component
 * under the mocks) applied to the fake account, every firing of its schedule delivered to the real starter, each
 * share cycle run by Step Functions on the deployed definition with the real share function in its Task states,
 * and the properties that must hold after each run and each cycle, read from the fakes' own records.
 */
import { SnapshotShareArgs } from "../../components/share/args";
import { NOT_PAUSED } from "../../handlers/pause";
import { createShareHandler, createShareStarterHandler } from "../../handlers/share/lambda";
import { ShareSummary } from "../../handlers/share/share-snapshots";
import { parseCopyIdentifier } from "../../handlers/snapshots";
import { humanCaller, PRODUCTION_ACCOUNT } from "./accounts";
import { DeployedFunction, deployShareComponent, ShareDeployment, ShareFunctionKind } from "./deployment";
import { ApiCall, FakeAws } from "./fake-aws";
import { ConsoleCapture, Handler, Invocation, SimulatedFunction } from "./lambda-runtime";
import { ProductionAccount } from "./production-account";
import { Firing } from "./scheduler-clock";
import { existedAt, isSharedWith, restoreAttributeAt, statusAt, StoredSnapshot } from "./snapshot-store";
import { ExecutionRecord, LambdaOutcome } from "./step-functions-service";

export interface ShareSideConfig {
    componentName: string;
    args: SnapshotShareArgs;
    /** The stack's fully qualified name, which the acceptance stack's sourceStack names. */
    stackName: string;
}

/** One run of a production function. */
export interface ShareRunRecord {
    kind: ShareFunctionKind;
    invocation: Invocation;
    firing?: Firing<"share-starter">;
    execution?: ExecutionRecord;
    at: Date;
    calls: ApiCall[];
}

const PRODUCTION_PULUMI = humanCaller("pulumi up (production)", "ci-deployer", PRODUCTION_ACCOUNT);
const HANDLER_FACTORIES: Record<ShareFunctionKind, () => Handler> = { "share-starter": createShareStarterHandler, share: createShareHandler };

export class ShareSide {
    readonly runs: ShareRunRecord[] = [];
    readonly violations: { at: string; what: string }[] = [];
    deployment: ShareDeployment;
    /** Each deployment applied, from when. */
    private readonly applied: { atMs: number; deployment: ShareDeployment }[] = [];
    private readonly functions: Record<ShareFunctionKind, SimulatedFunction>;

    static deploy(config: ShareSideConfig): Promise<ShareDeployment> {
        return deployShareComponent(config.componentName, config.args);
    }

    /**
     * @param namedByTargets the snapshots the target accounts' stacks name now (their parameters' values): what
     * production must never delete.
     */
    constructor(
        private readonly aws: FakeAws,
        private readonly production: ProductionAccount,
        readonly firstDeployment: ShareDeployment,
        console: ConsoleCapture,
        private readonly namedByTargets: () => string[],
    ) {
        this.deployment = firstDeployment;
        this.functions = {
            "share-starter": new SimulatedFunction(() => this.deployment.functions["share-starter"], HANDLER_FACTORIES["share-starter"], aws, console),
            share: new SimulatedFunction(() => this.deployment.functions.share, HANDLER_FACTORIES.share, aws, console),
        };
        aws.functions.set(firstDeployment.functions.share.arn, (payload, execution) => this.runTask(payload, execution));
    }

    /** Another `pulumi up` of the production stack with other arguments, built now, applied by {@link deploy}. */
    async prepare(args: SnapshotShareArgs): Promise<ShareDeployment> {
        const deployment = await deployShareComponent(this.firstDeployment.name, args);
        if (deployment.schedule.expression !== this.firstDeployment.schedule.expression) throw new Error("the simulation keeps one share schedule all year");
        return deployment;
    }

    /**
     * `pulumi up` in production: the key and its policy, the state machine, the pause parameter (created once,
     * unpaused, and then the operators'); the function's settings come with it.
     */
    deploy(deployment: ShareDeployment = this.firstDeployment): void {
        const keyArn = deployment.outputs.kmsKeyArn;
        if (this.aws.kms.byArn(keyArn) === undefined) this.aws.kms.registerFromPolicy(keyArn, deployment.keyPolicy);
        else this.aws.kms.putKeyPolicy(keyArn, deployment.keyPolicy);
        this.aws.stepFunctions.deploy(deployment.stateMachine.arn, deployment.stateMachine.definition);
        const pauseParameter = deployment.settings.pauseParameter;
        if (this.aws.parameters.value(pauseParameter, PRODUCTION_ACCOUNT) === undefined) {
            this.aws.parameters.putParameter(PRODUCTION_PULUMI, { Name: pauseParameter, Value: NOT_PAUSED, Type: "String" });
        }
        this.deployment = deployment;
        this.applied.push({ atMs: this.aws.timeline.nowMs(), deployment });
    }

    /** The deployment in place at `atMs`. */
    deploymentAt(atMs: number): ShareDeployment {
        return this.applied.filter((entry) => entry.atMs <= atMs).at(-1)?.deployment ?? this.firstDeployment;
    }

    async fire(firing: Firing<"share-starter">): Promise<void> {
        await this.invoke("share-starter", firing.event, { firing });
    }

    /** The share cycles' executions, oldest first. */
    executions(): ExecutionRecord[] {
        return this.aws.stepFunctions.all().filter((execution) => execution.stateMachineArn === this.deployment.stateMachine.arn);
    }

    /** The snapshots the share function made (its copies and fresh snapshots), deleted ones included. */
    ownSnapshots(): StoredSnapshot[] {
        return this.aws.store.everything().filter((snapshot) => this.madeByShareFunction(snapshot));
    }

    /** From the fake's own records, not from names: a look-alike someone else made is not the function's. */
    private madeByShareFunction(snapshot: StoredSnapshot): boolean {
        return snapshot.account === PRODUCTION_ACCOUNT && snapshot.createdBy === this.deployment.functions.share.caller.label;
    }

    /** Checks each share cycle that ended: run once the world has run. */
    checkCycles(): void {
        for (const execution of this.executions().filter((candidate) => candidate.status === "SUCCEEDED")) {
            this.report(`share cycle ${execution.name}`, this.checkSucceededCycle(execution));
        }
    }

    private async runTask(payload: unknown, execution: ExecutionRecord): Promise<LambdaOutcome> {
        const record = await this.invoke("share", payload, { execution });
        return record.invocation.error !== undefined ? { error: record.invocation.error } : { result: record.invocation.result };
    }

    private async invoke(kind: ShareFunctionKind, event: unknown, origin: Pick<ShareRunRecord, "firing" | "execution">): Promise<ShareRunRecord> {
        const callsBefore = this.aws.calls.length;
        const invocation = await this.functions[kind].invoke(event);
        const record: ShareRunRecord = {
            kind,
            invocation,
            ...origin,
            at: this.aws.timeline.now(),
            calls: this.aws.calls.slice(callsBefore),
        };
        this.runs.push(record);
        this.report(`${kind} ${record.at.toISOString()}`, this.checkRun(record));
        return record;
    }

    /**
     * After every run: the share function adds only the configured targets, and only to snapshots it made; it
     * deletes nothing it did not make (no automated snapshot, no other manual one), and nothing a target
     * account's parameters name (a restore from it may still need it); the starter changes nothing.
     * (An account removed from the targets keeps its access until the next cycle: the cycle checks say when.)
     */
    private checkRun(record: ShareRunRecord): string[] {
        const problems: string[] = [];
        const deployed: DeployedFunction = this.deployment.functions[record.kind];
        const nowMs = record.at.getTime();
        const changing = record.calls.filter((call) => /^(Copy|Delete|Modify|Create)DBCluster/.test(call.command) && call.error === undefined);
        if (record.kind === "share-starter" && changing.length > 0) problems.push("the share starter changed snapshots");
        const named = this.namedByTargets();
        for (const snapshot of this.aws.store.everything()) {
            const own = this.madeByShareFunction(snapshot);
            const deletedNow = snapshot.deletedBy === deployed.caller.label && snapshot.deletedAt?.getTime() === nowMs;
            if (deletedNow && !own) problems.push(`deleted ${snapshot.identifier}, which it did not make`);
            if (deletedNow && named.includes(snapshot.arn)) problems.push(`deleted ${snapshot.identifier}, which a target account's parameter names`);
            const added = snapshot.shares.filter((share) => share.at.getTime() === nowMs).map((share) => share.account);
            if (added.length > 0 && !own) problems.push(`shared ${snapshot.identifier}, which it did not make`);
            const strangers = added.filter((account) => !this.deployment.settings.targetAccountIds.includes(account));
            if (strangers.length > 0) problems.push(`shared ${snapshot.identifier} with ${strangers.join(", ")}, which are not targets`);
        }
        if (record.invocation.error !== undefined && record.invocation.error.message.length < 40) problems.push(`a failed run says too little: ${record.invocation.error.message}`);
        return problems;
    }

    /**
     * A share cycle that succeeded shared, per cluster, a copy of the newest automated snapshot taken by its
     * start, with exactly the targets; and kept no more than keepShared available copies per cluster.
     */
    private checkSucceededCycle(execution: ExecutionRecord): string[] {
        const problems: string[] = [];
        const endMs = execution.stopDate!.getTime();
        // The targets of the deployment the cycle ran under: the one in place when it started.
        const settings = this.deploymentAt(execution.startDate.getTime()).settings;
        const output = (execution.output as { share?: ShareSummary } | undefined)?.share;
        for (const cluster of settings.clusters) {
            const source = this.production.newestAutomatedAt(cluster.clusterIdentifier, execution.startDate.getTime());
            const copies = this.ownSnapshots().filter((snapshot) => snapshot.clusterIdentifier === cluster.clusterIdentifier &&
                parseCopyIdentifier(settings.snapshotIdentifierPrefix, snapshot.identifier) !== undefined &&
                existedAt(snapshot, endMs) && statusAt(snapshot, endMs) === "available");
            const cycleCopy = copies.find((copy) => copy.sourceArn === source?.arn);
            if (source === undefined) {
                problems.push(`${cluster.clusterIdentifier} had no automated snapshot at the cycle's start`);
            } else if (cycleCopy === undefined) {
                problems.push(`no available copy of ${source.identifier}, the newest automated snapshot of ${cluster.clusterIdentifier} at the start`);
            } else {
                const sharedWith = restoreAttributeAt(cycleCopy, endMs).sort();
                if (JSON.stringify(sharedWith) !== JSON.stringify([...settings.targetAccountIds].sort())) {
                    problems.push(`${cycleCopy.identifier} is shared with [${sharedWith.join(", ")}], not exactly the targets`);
                }
            }
            if (copies.length > settings.keepShared) problems.push(`${cluster.clusterIdentifier} keeps ${copies.length} available copies, more than keepShared ${settings.keepShared}`);
            const reported = output?.clusters.find((report) => report.cluster === cluster.clusterIdentifier);
            if (reported?.outcome !== "shared") problems.push(`the cycle's output reports ${cluster.clusterIdentifier} as ${reported?.outcome ?? "missing"}`);
        }
        return problems;
    }

    /** Whether `account` can restore any of the share function's snapshots at `atMs`. */
    sharesWith(account: string, atMs: number): StoredSnapshot[] {
        return this.ownSnapshots().filter((snapshot) => existedAt(snapshot, atMs) && isSharedWith(snapshot, account, atMs));
    }

    private report(at: string, problems: string[]): void {
        for (const what of problems) this.violations.push({ at, what });
    }
}
