/**
 * The simulated AWS behind the real SDK v3 clients: aws-sdk-client-mock routes every command of the five
 * clients the functions use to the stateful fakes, in the name of whoever is calling (set per Lambda run), at
 * the timeline's "now". Every call is logged, so a run that should not have touched AWS can be caught.
 */
import { CodePipelineClient, ListPipelineExecutionsCommand, StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import {
    CopyDBClusterSnapshotCommand as CopyDocDbSnapshot,
    CreateDBClusterSnapshotCommand as CreateDocDbSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteDocDbSnapshot,
    DescribeDBClusterSnapshotAttributesCommand as DescribeDocDbAttributes,
    DescribeDBClusterSnapshotsCommand as DescribeDocDbSnapshots,
    DocDBClient,
    ModifyDBClusterSnapshotAttributeCommand as ModifyDocDbAttribute,
} from "@aws-sdk/client-docdb";
import {
    CopyDBClusterSnapshotCommand as CopyRdsSnapshot,
    CreateDBClusterSnapshotCommand as CreateRdsSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteRdsSnapshot,
    DescribeDBClusterSnapshotAttributesCommand as DescribeRdsAttributes,
    DescribeDBClusterSnapshotsCommand as DescribeRdsSnapshots,
    ModifyDBClusterSnapshotAttributeCommand as ModifyRdsAttribute,
    RDSClient,
} from "@aws-sdk/client-rds";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { Caller } from "./accounts";
import { ClusterSnapshotApi, ClusterSnapshotApiOptions } from "./cluster-snapshot-api";
import { FaultInjector, ServiceClient } from "./fault-injection";
import { simulatedAccountKeys } from "./kms";
import { ParameterService } from "./parameter-service";
import { PipelineService } from "./pipeline-service";
import { SnapshotStore } from "./snapshot-store";
import { ExecutionRecord, LambdaOutcome, StepFunctionsService } from "./step-functions-service";
import { Timeline } from "./timeline";

export interface ApiCall {
    at: Date;
    caller: string;
    client: ServiceClient;
    command: string;
    /**
     * What the request asked for, where it matters to a test: a listing's type and whether it asked for a later
     * page, the snapshot a creation, change of sharing or deletion names.
     */
    request?: string;
    /** `name: message` of the error it failed with. */
    error?: string;
}

export class FakeAws {
    readonly timeline: Timeline;
    readonly store = new SnapshotStore();
    /** The accounts' KMS keys; a test registers more (a key a component declares) with `kms.registerFromPolicy`. */
    readonly kms = simulatedAccountKeys();
    readonly snapshots: ClusterSnapshotApi;
    readonly parameters: ParameterService;
    readonly pipelines: PipelineService;
    readonly stepFunctions: StepFunctionsService;
    /** The deployed functions by ARN, as the world registers them: what a Task state invokes. */
    readonly functions = new Map<string, (payload: unknown, execution: ExecutionRecord) => Promise<LambdaOutcome>>();
    readonly faults = new FaultInjector();
    readonly calls: ApiCall[] = [];
    private caller: Caller | undefined;
    private restoreClients: (() => void) | undefined;

    constructor(start: Date, snapshotOptions: ClusterSnapshotApiOptions) {
        this.timeline = new Timeline(start);
        this.snapshots = new ClusterSnapshotApi(this.store, this.timeline, this.kms, snapshotOptions);
        this.parameters = new ParameterService(this.timeline);
        this.pipelines = new PipelineService(this.timeline);
        this.stepFunctions = new StepFunctionsService(this.timeline, (functionArn, payload, execution) => {
            const run = this.functions.get(functionArn);
            if (run === undefined) throw new Error(`a Task state invokes ${functionArn}, which is not a deployed function`);
            return run(payload, execution);
        });
    }

    /** Runs `work` with SDK calls made in the name of `caller` (one Lambda run at a time: the simulated runs never overlap). */
    async actAs<T>(caller: Caller, work: () => Promise<T>): Promise<T> {
        if (this.caller !== undefined) throw new Error(`${caller.label} cannot call AWS while ${this.caller.label} is still running`);
        this.caller = caller;
        try {
            return await work();
        } finally {
            this.caller = undefined;
        }
    }

    /** Replaces `send` of every client of the five kinds until {@link restore}. */
    install(): void {
        const rds = mockClient(RDSClient);
        const docdb = mockClient(DocDBClient);
        const ssm = mockClient(SSMClient);
        const codePipeline = mockClient(CodePipelineClient);
        const sfn = mockClient(SFNClient);
        // A command the fake does not model is a test failure, not a silent `undefined`.
        const unmodeled = (client: ServiceClient) => async (input: unknown) => {
            throw new Error(`the simulated ${client} endpoint does not model this command (input ${JSON.stringify(input)})`);
        };
        rds.onAnyCommand().callsFake(unmodeled("rds"));
        docdb.onAnyCommand().callsFake(unmodeled("docdb"));
        ssm.onAnyCommand().callsFake(unmodeled("ssm"));
        codePipeline.onAnyCommand().callsFake(unmodeled("codepipeline"));
        sfn.onAnyCommand().callsFake(unmodeled("sfn"));

        rds.on(DescribeRdsSnapshots).callsFake((input) =>
            this.serve("rds", "DescribeDBClusterSnapshots", (caller) => this.snapshots.describe("rds", caller, input), describedListing(input)));
        rds.on(CopyRdsSnapshot).callsFake((input) => this.serve("rds", "CopyDBClusterSnapshot", (caller) => this.snapshots.copy("rds", caller, input)));
        rds.on(DeleteRdsSnapshot).callsFake((input) =>
            this.serve("rds", "DeleteDBClusterSnapshot", (caller) => this.snapshots.delete("rds", caller, input), input.DBClusterSnapshotIdentifier));
        rds.on(CreateRdsSnapshot).callsFake((input) =>
            this.serve("rds", "CreateDBClusterSnapshot", (caller) => this.snapshots.createClusterSnapshot("rds", caller, input), describedCreation(input)));
        rds.on(ModifyRdsAttribute).callsFake((input) =>
            this.serve("rds", "ModifyDBClusterSnapshotAttribute", (caller) => this.snapshots.modifyAttribute("rds", caller, input), describedChange(input)));
        rds.on(DescribeRdsAttributes).callsFake((input) =>
            this.serve("rds", "DescribeDBClusterSnapshotAttributes", (caller) => this.snapshots.describeAttributes("rds", caller, input), input.DBClusterSnapshotIdentifier));
        docdb.on(DescribeDocDbSnapshots).callsFake((input) =>
            this.serve("docdb", "DescribeDBClusterSnapshots", (caller) => this.snapshots.describe("docdb", caller, input), describedListing(input)));
        docdb.on(CopyDocDbSnapshot).callsFake((input) => this.serve("docdb", "CopyDBClusterSnapshot", (caller) => this.snapshots.copy("docdb", caller, input)));
        docdb.on(DeleteDocDbSnapshot).callsFake((input) =>
            this.serve("docdb", "DeleteDBClusterSnapshot", (caller) => this.snapshots.delete("docdb", caller, input), input.DBClusterSnapshotIdentifier));
        docdb.on(CreateDocDbSnapshot).callsFake((input) =>
            this.serve("docdb", "CreateDBClusterSnapshot", (caller) => this.snapshots.createClusterSnapshot("docdb", caller, input), describedCreation(input)));
        docdb.on(ModifyDocDbAttribute).callsFake((input) =>
            this.serve("docdb", "ModifyDBClusterSnapshotAttribute", (caller) => this.snapshots.modifyAttribute("docdb", caller, input), describedChange(input)));
        docdb.on(DescribeDocDbAttributes).callsFake((input) =>
            this.serve("docdb", "DescribeDBClusterSnapshotAttributes", (caller) => this.snapshots.describeAttributes("docdb", caller, input), input.DBClusterSnapshotIdentifier));
        ssm.on(GetParametersCommand).callsFake((input) => this.serve("ssm", "GetParameters", (caller) => this.parameters.getParameters(caller, input)));
        ssm.on(GetParameterCommand).callsFake((input) => this.serve("ssm", "GetParameter", (caller) => this.parameters.getParameter(caller, input), input.Name));
        ssm.on(PutParameterCommand).callsFake((input) => this.serve("ssm", "PutParameter", (caller) => this.parameters.putParameter(caller, input)));
        codePipeline.on(ListPipelineExecutionsCommand).callsFake((input) =>
            this.serve("codepipeline", "ListPipelineExecutions", (caller) => this.pipelines.listExecutions(caller, input)));
        codePipeline.on(StartPipelineExecutionCommand).callsFake((input) =>
            this.serve("codepipeline", "StartPipelineExecution", (caller) => this.pipelines.startExecution(caller, input)));
        sfn.on(StartExecutionCommand).callsFake((input) => this.serve("sfn", "StartExecution", (caller) => this.stepFunctions.startExecution(caller, input)));

        this.restoreClients = () => {
            for (const stub of [rds, docdb, ssm, codePipeline, sfn]) stub.restore();
        };
    }

    restore(): void {
        this.restoreClients?.();
        this.restoreClients = undefined;
    }

    /**
     * Answers one SDK call: throttled if a burst covers it, otherwise by the fake (whose answer a fault may lose
     * on its way back), logged either way.
     */
    private async serve<T>(client: ServiceClient, command: string, answer: (caller: Caller) => T, request?: string): Promise<T> {
        const caller = this.caller;
        if (caller === undefined) throw new Error(`${client} ${command} was called outside any simulated Lambda run`);
        const call: ApiCall = { at: this.timeline.now(), caller: caller.label, client, command, request };
        this.calls.push(call);
        try {
            const throttled = this.faults.errorFor(client, command, caller.label, this.timeline.nowMs());
            if (throttled !== undefined) throw throttled;
            const answered = answer(caller);
            const lost = this.faults.lostAnswerFor(client, command, caller.label, this.timeline.nowMs());
            if (lost !== undefined) throw lost;
            return answered;
        } catch (error) {
            call.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            throw error;
        }
    }
}

/** "shared, page 2+", "manual, page 1", "automated of orders, page 1", or the identifier looked up. */
function describedListing(input: { SnapshotType?: string; Marker?: string; DBClusterSnapshotIdentifier?: string; DBClusterIdentifier?: string }): string {
    if (input.DBClusterSnapshotIdentifier !== undefined) return `lookup ${input.DBClusterSnapshotIdentifier}`;
    const cluster = input.DBClusterIdentifier === undefined ? "" : ` of ${input.DBClusterIdentifier}`;
    return `${input.SnapshotType ?? "any"}${cluster}, ${input.Marker === undefined ? "page 1" : "page 2+"}`;
}

/** "orders-fresh-1 of orders". */
function describedCreation(input: { DBClusterSnapshotIdentifier?: string; DBClusterIdentifier?: string }): string {
    return `${input.DBClusterSnapshotIdentifier} of ${input.DBClusterIdentifier}`;
}

/** "share-copy-1 restore +222222222222 -all". */
function describedChange(input: { DBClusterSnapshotIdentifier?: string; AttributeName?: string; ValuesToAdd?: string[]; ValuesToRemove?: string[] }): string {
    const changes = [...(input.ValuesToAdd ?? []).map((value) => `+${value}`), ...(input.ValuesToRemove ?? []).map((value) => `-${value}`)];
    return [input.DBClusterSnapshotIdentifier, input.AttributeName, ...changes].join(" ");
}
