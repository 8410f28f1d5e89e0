/**
 * What `pulumi up` of each component puts in place, read off the component itself: it is built under the Pulumi
 * mocks, as its account's deployment, and the simulation takes from the resources it declares the functions'
 * names, roles and settings, the state machine's definition, the schedule's expression and payload, the restore
 * role's pipeline and the share key's policy. Nothing here re-derives what the component decides.
 */
import { mocks, valueOf } from "../components/pulumi-mocks";
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { SnapshotShareArgs } from "../../components/share/args";
import { ShareSettings } from "../../handlers/share/settings";
import { EngineName } from "../../handlers/engines";
import { NOT_PAUSED } from "../../handlers/pause";
import { RefreshSettings, UNSET_SNAPSHOT } from "../../handlers/refresh/settings";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../handlers/settings";
import { ScheduleEvent } from "../../handlers/start-cycle";
import { ACCEPTANCE_ACCOUNT, assumedRole, Caller, humanCaller, PRODUCTION_ACCOUNT, REGION } from "./accounts";
import { FakeAws } from "./fake-aws";
import { ScheduleDefinition } from "./scheduler-clock";

export type FunctionKind = "starter" | "update" | "restore";
export const FUNCTION_KINDS: readonly FunctionKind[] = ["starter", "update", "restore"];
/** The production side's functions. */
export type ShareFunctionKind = "share-starter" | "share";

export interface DeployedFunction {
    kind: FunctionKind | ShareFunctionKind;
    functionName: string;
    arn: string;
    /** Its role's session name is the function's name: what CloudTrail and CodePipeline's trigger record. */
    caller: Caller;
    /** The value of SNAPSHOT_REFRESH_SETTINGS. */
    settingsJson: string;
}

export interface Deployment {
    name: string;
    args: SnapshotRefreshArgs;
    /** The refresh functions' settings, as their environment carries them. */
    settings: RefreshSettings;
    schedule: ScheduleDefinition<"starter">;
    stateMachine: { arn: string; name: string; definition: string };
    functions: Record<FunctionKind, DeployedFunction>;
    pipelineName: string;
    parameterNames: Record<EngineName, { latest: string; current: string }>;
}

const FUNCTION = "aws:lambda/function:Function";

/**
 * Builds the component under the mocks, in the acceptance account, and reads what it deploys. `stacks` are the
 * other stacks' outputs its sourceStack may name.
 */
export async function deployComponent(name: string, args: SnapshotRefreshArgs, stacks: Record<string, Record<string, unknown>> = {}): Promise<Deployment> {
    const { SnapshotRefresh } = await import("../../components");
    mocks.reset();
    mocks.callerAccountId = ACCEPTANCE_ACCOUNT;
    mocks.stackOutputs = { ...stacks };
    try {
        const refresh = new SnapshotRefresh(name, args);
        await Promise.all([refresh.scheduleName, refresh.stateMachineArn, refresh.restoreFunctionArn].map(valueOf));
        await mocks.settle();
        const restorePolicy = JSON.parse(mocks.named(`${name}-restore-policy`).inputs.policy as string) as { Statement: { Sid?: string; Resource: string[] }[] };
        const allowedPipelines = restorePolicy.Statement.find((statement) => statement.Sid === "StartMainPipeline")?.Resource ?? [];
        // IAM, as far as the simulation needs it: what the deployed policy lets the restore's role do with pipelines.
        const deployedFunction = (kind: FunctionKind) => readFunction(kind, `${name}-${kind}`, ACCEPTANCE_ACCOUNT,
            (pipeline) => kind === "restore" && allowedPipelines.some((arn) => arn.endsWith(`:${pipeline}`)));
        const functions = { starter: deployedFunction("starter"), update: deployedFunction("update"), restore: deployedFunction("restore") };
        const machine = mocks.named(`${name}-refresh-cycle`, "aws:sfn/stateMachine:StateMachine").inputs;
        return {
            name,
            args,
            settings: JSON.parse(functions.update.settingsJson) as RefreshSettings,
            schedule: readSchedule(`${name}-cycle`, "starter", functions.starter),
            stateMachine: {
                arn: await valueOf(refresh.stateMachineArn),
                name: machine.name as string,
                definition: machine.definition as string,
            },
            functions,
            pipelineName: mocks.named(`${name}-pipeline`).inputs.value as string,
            parameterNames: refresh.parameterNames as Deployment["parameterNames"],
        };
    } finally {
        mocks.reset();
    }
}

const PULUMI = humanCaller("pulumi up", "ci-deployer");

/** What `pulumi up` of SnapshotShare puts in place in production. */
export interface ShareDeployment {
    name: string;
    args: SnapshotShareArgs;
    settings: ShareSettings;
    schedule: ScheduleDefinition<"share-starter">;
    stateMachine: { arn: string; name: string; definition: string };
    functions: Record<ShareFunctionKind, DeployedFunction>;
    /** The created key's policy document, as JSON. */
    keyPolicy: string;
    /** The stack outputs an acceptance stack reads through sourceStack. */
    outputs: { accountId: string; kmsKeyArn: string; snapshotIdentifierPrefix: string };
}

/** Builds SnapshotShare under the mocks, in the production account, and reads what it deploys. */
export async function deployShareComponent(name: string, args: SnapshotShareArgs): Promise<ShareDeployment> {
    const { SnapshotShare } = await import("../../components");
    mocks.reset();
    mocks.callerAccountId = PRODUCTION_ACCOUNT;
    try {
        const share = new SnapshotShare(name, args);
        const [stateMachineArn, kmsKeyArn, accountId] = await Promise.all([share.stateMachineArn, share.kmsKeyArn, share.accountId, share.scheduleName].map(valueOf));
        await mocks.settle();
        const deployedFunction = (kind: ShareFunctionKind, resourceName: string) => readFunction(kind, resourceName, PRODUCTION_ACCOUNT, () => false);
        const functions = { "share-starter": deployedFunction("share-starter", `${name}-starter`), share: deployedFunction("share", `${name}-share`) };
        const machine = mocks.named(`${name}-share-cycle`, "aws:sfn/stateMachine:StateMachine").inputs;
        return {
            name,
            args,
            settings: JSON.parse(functions.share.settingsJson) as ShareSettings,
            schedule: readSchedule(`${name}-cycle`, "share-starter", functions["share-starter"]),
            stateMachine: { arn: stateMachineArn, name: machine.name as string, definition: machine.definition as string },
            functions,
            keyPolicy: mocks.named(`${name}-key`).inputs.policy as string,
            outputs: { accountId, kmsKeyArn, snapshotIdentifierPrefix: share.snapshotIdentifierPrefix },
        };
    } finally {
        mocks.reset();
    }
}

/**
 * Applies a deployment to the fake account as Pulumi would: the state machine's definition, the parameters
 * (the snapshot parameters are created once with `none`, the pause parameter once unpaused, and none of them is
 * touched again; `main_cicd_name` follows `pipelineName` on every update). The functions themselves are the
 * world's to run.
 */
export function applyDeployment(aws: FakeAws, deployment: Deployment): void {
    aws.stepFunctions.deploy(deployment.stateMachine.arn, deployment.stateMachine.definition);
    const createdOnce = [
        ...deployment.settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter].map((name) => ({ name, value: UNSET_SNAPSHOT }))),
        { name: deployment.settings.pauseParameter, value: NOT_PAUSED },
    ];
    for (const { name, value } of createdOnce) {
        if (aws.parameters.value(name) === undefined) aws.parameters.putParameter(PULUMI, { Name: name, Value: value, Type: "String" });
    }
    const pipelineParameter = deployment.settings.pipelineParameter;
    if (aws.parameters.value(pipelineParameter) !== deployment.pipelineName) {
        aws.parameters.putParameter(PULUMI, { Name: pipelineParameter, Value: deployment.pipelineName, Type: "String", Overwrite: true });
    }
}

/** A function as the component declares it, calling AWS in the name of its role, in `account`. */
function readFunction(kind: DeployedFunction["kind"], resourceName: string, account: string, mayUsePipeline: Caller["mayUsePipeline"]): DeployedFunction {
    const { inputs } = mocks.named(resourceName, FUNCTION);
    const functionName = inputs.name as string;
    const roleName = (inputs.role as string).split("/").pop()!;
    return {
        kind,
        functionName,
        arn: `arn:aws:lambda:${REGION}:${account}:function:${functionName}`,
        caller: { account, principalArn: assumedRole(account, roleName, functionName), label: functionName, mayUsePipeline },
        settingsJson: (inputs.environment as { variables: Record<string, string> }).variables[SETTINGS_ENVIRONMENT_VARIABLE],
    };
}

/** The schedule as the component declares it; it must target the starter. */
function readSchedule<Target extends string>(resourceName: string, target: Target, starter: DeployedFunction): ScheduleDefinition<Target> {
    const schedule = mocks.named(resourceName, "aws:scheduler/schedule:Schedule").inputs;
    const scheduleTarget = schedule.target as { arn: string; input: string };
    if (scheduleTarget.arn !== starter.arn) throw new Error(`the schedule targets ${scheduleTarget.arn}, not the starter`);
    return {
        target,
        expression: schedule.scheduleExpression as string,
        timezone: schedule.scheduleExpressionTimezone as string,
        input: JSON.parse(scheduleTarget.input) as ScheduleEvent,
    };
}
