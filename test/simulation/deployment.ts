/**
 * What `pulumi up` of the SnapshotRefresh component puts in place, without Pulumi: the settings the functions
 * find in SNAPSHOT_REFRESH_SETTINGS, the two schedules (expression, time zone and input, from the cadence
 * planner and `schedulePayload`), the SSM parameters and the restore role's one pipeline.
 */
import { SnapshotRefreshArgs } from "../../components/args";
import { CadencePlan } from "../../components/cadence";
import { schedulePayload } from "../../components/snapshot-refresh";
import { resolveArgs } from "../../components/validation";
import { EngineName } from "../../handlers/engines";
import { RefreshSettings, UNSET_SNAPSHOT } from "../../handlers/settings";
import { ACCEPTANCE_ACCOUNT, assumedRole, Caller, humanCaller } from "./accounts";
import { FakeAws } from "./fake-aws";
import { ScheduleDefinition } from "./scheduler-clock";

export type FunctionKind = "update" | "restore";

export interface DeployedFunction {
    kind: FunctionKind;
    /** Physical name as Pulumi's auto-naming makes it. */
    functionName: string;
    roleName: string;
}

export interface Deployment {
    name: string;
    args: SnapshotRefreshArgs;
    settings: RefreshSettings;
    /** The value of SNAPSHOT_REFRESH_SETTINGS. */
    settingsJson: string;
    plan: CadencePlan;
    schedules: ScheduleDefinition<FunctionKind>[];
    functions: Record<FunctionKind, DeployedFunction>;
    pipelineName: string;
    parameterNames: Record<EngineName, { latest: string; current: string }>;
}

/**
 * Resolves the arguments as the component does (every check and default), and builds the settings object the
 * component serializes into both functions' environment.
 */
export function planDeployment(name: string, args: SnapshotRefreshArgs): Deployment {
    const resolved = resolveArgs(name, args);
    if (typeof resolved.pipelineName !== "string") throw new Error("the simulation takes a plain pipelineName");
    const settings: RefreshSettings = {
        instanceName: name,
        sourceAccountId: resolved.sourceAccountId,
        copyIdentifierPrefix: resolved.copyIdentifierPrefix,
        pipelineParameter: `${resolved.parameterPrefix}main_cicd_name`,
        whenCopyNotReady: resolved.whenCopyNotReady,
        engines: resolved.engines.map((engine) => {
            if (engine.kmsKeyArn !== undefined && typeof engine.kmsKeyArn !== "string") throw new Error("the simulation takes plain key ARNs");
            return {
                engine: engine.engine,
                latestParameter: `${resolved.parameterPrefix}${engine.engine}_latest_snapshot_id`,
                currentParameter: `${resolved.parameterPrefix}${engine.engine}_current_snapshot_id`,
                sourceClusters: engine.sourceClusters,
                copy: engine.copy,
                kmsKeyArn: engine.kmsKeyArn,
                keepCopies: engine.keepCopies,
            };
        }),
    };
    const plan = resolved.cadence;
    const parameterNames = Object.fromEntries(settings.engines.map((engine) => [engine.engine, { latest: engine.latestParameter, current: engine.currentParameter }]));
    return {
        name,
        args,
        settings,
        // pulumi.jsonStringify, like JSON.stringify, leaves out an undefined kmsKeyArn.
        settingsJson: JSON.stringify(settings),
        plan,
        schedules: [
            { target: "update", expression: plan.update.expression, timezone: plan.update.timezone, input: schedulePayload(plan.update) },
            { target: "restore", expression: plan.restore.expression, timezone: plan.restore.timezone, input: schedulePayload(plan.restore) },
        ],
        functions: {
            update: { kind: "update", functionName: `${name}-update-5d0c2a1`, roleName: `${name}-update-role-3b9e7f4` },
            restore: { kind: "restore", functionName: `${name}-restore-8a4f6e2`, roleName: `${name}-restore-role-c71d05b` },
        },
        pipelineName: resolved.pipelineName,
        parameterNames: parameterNames as Deployment["parameterNames"],
    };
}

/** The caller a function's role session is; the restore role may use exactly the pipeline of the last `pulumi up`. */
export function functionCaller(deployment: () => Deployment, kind: FunctionKind): Caller {
    const deployed = deployment().functions[kind];
    return {
        account: ACCEPTANCE_ACCOUNT,
        principalArn: assumedRole(ACCEPTANCE_ACCOUNT, deployed.roleName, deployed.functionName),
        label: deployed.functionName,
        mayUsePipeline: (pipelineName) => kind === "restore" && pipelineName === deployment().pipelineName,
    };
}

export const PULUMI = humanCaller("pulumi up", "ci-deployer");

/**
 * Applies the deployment's parameters as Pulumi does: the snapshot parameters are created once with `none`
 * and never touched again (ignoreChanges), `main_cicd_name` follows `pipelineName` on every update.
 */
export function applyParameters(aws: FakeAws, deployment: Deployment): void {
    for (const engine of deployment.settings.engines) {
        for (const name of [engine.latestParameter, engine.currentParameter]) {
            if (aws.parameters.value(name) === undefined) aws.parameters.putParameter(PULUMI, { Name: name, Value: UNSET_SNAPSHOT, Type: "String" });
        }
    }
    const pipelineParameter = deployment.settings.pipelineParameter;
    if (aws.parameters.value(pipelineParameter) !== deployment.pipelineName) {
        aws.parameters.putParameter(PULUMI, { Name: pipelineParameter, Value: deployment.pipelineName, Type: "String", Overwrite: true });
    }
}
