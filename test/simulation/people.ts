/**
 * Everyone besides production and the two functions who touches the accounts: a stranger who shares snapshots
 * with acceptance, a colleague in acceptance who makes, copies and deletes manual snapshots of their own, and
 * an operator who restores a chosen snapshot by hand. They act through the same fakes, so AWS's rules (quotas,
 * copy limits) apply to them too.
 */
import { EngineName } from "../../handlers/engines";
import { ACCEPTANCE_ACCOUNT, assumedRole, Caller, humanCaller, STRANGER_ACCOUNT } from "./accounts";
import { FakeAws } from "./fake-aws";
import { ENGINE_VALUE, ENGINE_VERSION } from "./production-account";
import { StoredSnapshot } from "./snapshot-store";

export class Stranger {
    readonly caller: Caller = {
        account: STRANGER_ACCOUNT,
        principalArn: assumedRole(STRANGER_ACCOUNT, "OrganizationAccountAccessRole", "mallory"),
        label: "stranger",
        mayUsePipeline: () => false,
    };

    constructor(private readonly aws: FakeAws) {}

    /** Takes a snapshot now and shares it with acceptance once it is available. */
    shareSnapshot(snapshot: { identifier: string; clusterIdentifier: string; engine: EngineName; minutes: number; kmsKeyId?: string }): StoredSnapshot {
        const created = this.aws.snapshots.createSnapshot(this.caller, {
            identifier: snapshot.identifier,
            clusterIdentifier: snapshot.clusterIdentifier,
            engine: ENGINE_VALUE[snapshot.engine],
            engineVersion: ENGINE_VERSION[snapshot.engine],
            minutes: snapshot.minutes,
            kmsKeyId: snapshot.kmsKeyId,
        });
        this.aws.timeline.schedule(created.readyAt, `stranger shares ${created.identifier}`, () =>
            this.aws.snapshots.share(this.caller, created, ACCEPTANCE_ACCOUNT));
        return created;
    }
}

/** A colleague in acceptance whose manual snapshots and copies have nothing to do with snapshot-refresh. */
export class Colleague {
    readonly caller = humanCaller("colleague", "bob");
    /** Copy durations of the colleague's copies, by target identifier. */
    private readonly copyMinutes = new Map<string, number>();

    constructor(private readonly aws: FakeAws) {
        aws.snapshots.copyTimingRules.push(({ targetIdentifier, caller }) => {
            const minutes = caller.label === this.caller.label ? this.copyMinutes.get(targetIdentifier) : undefined;
            return minutes === undefined ? undefined : { minutes, outcome: "available" };
        });
    }

    createSnapshot(identifier: string, engine: EngineName): StoredSnapshot {
        return this.aws.snapshots.createSnapshot(this.caller, {
            identifier,
            clusterIdentifier: `acceptance-${engine}`,
            engine: ENGINE_VALUE[engine],
            engineVersion: ENGINE_VERSION[engine],
            minutes: 5,
        });
    }

    /** Makes manual snapshots until the account holds `total`; returns their identifiers. */
    fillUpTo(total: number, prefix: string): string[] {
        const made: string[] = [];
        while (this.aws.snapshots.manualSnapshotCount(ACCEPTANCE_ACCOUNT) < total) {
            made.push(this.createSnapshot(`${prefix}-${String(made.length + 1).padStart(3, "0")}`, "aurora").identifier);
        }
        return made;
    }

    deleteSnapshots(identifiers: readonly string[]): void {
        for (const identifier of identifiers) this.aws.snapshots.deleteOwn(this.caller, identifier);
    }

    copySnapshot(sourceIdentifier: string, targetIdentifier: string, minutes: number): StoredSnapshot {
        this.copyMinutes.set(targetIdentifier, minutes);
        this.aws.snapshots.copy("rds", this.caller, { SourceDBClusterSnapshotIdentifier: sourceIdentifier, TargetDBClusterSnapshotIdentifier: targetIdentifier });
        return this.aws.store.own(ACCEPTANCE_ACCOUNT, targetIdentifier)!;
    }

    /** Adds a snapshot that looks like something else (a copy under another name, from another account). */
    adopt(snapshot: Omit<StoredSnapshot, "shares" | "listingKey" | "deletedAt" | "deletedBy" | "createdBy">): StoredSnapshot {
        return this.aws.store.add({ ...snapshot, createdBy: this.caller.label });
    }
}

/** An operator restoring a chosen snapshot outside the schedule, pausing the instance, or running a cycle by hand. */
export class Operator {
    readonly caller = humanCaller("operator", "alice");

    constructor(private readonly aws: FakeAws) {}

    /** `aws stepfunctions start-execution --state-machine-arn ... --name ... --input '<input>'`. */
    startExecution(stateMachineArn: string, name: string, input: object): void {
        this.aws.stepFunctions.startExecution(this.caller, { stateMachineArn, name, input: JSON.stringify(input) });
    }

    setParameter(name: string, value: string): void {
        this.aws.parameters.putParameter(this.caller, { Name: name, Value: value, Type: "String", Overwrite: true });
    }

    startPipeline(pipelineName: string): string {
        return this.aws.pipelines.startExecution(this.caller, { name: pipelineName }).pipelineExecutionId!;
    }
}
