import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EngineName } from "../../handlers/engines";
import { createRefreshStarterHandler, createRestoreHandler, createUpdateHandler, REFRESH_FUNCTION_LABELS } from "../../handlers/refresh/lambda";
import { EngineSettings, RefreshSettings, UNSET_SNAPSHOT } from "../../handlers/refresh/settings";
import { SnapshotRefreshArgs } from "./args";
import { ConfigError } from "../config-error";
import { LambdaFunction } from "../lambda-function";
import { deploymentPlace } from "../account";
import { Cycle } from "../cycle";
import { CYCLE_NAMING, engineParameterNames, EngineParameterNames, pipelineParameterName } from "../names";
import { OperatorCommands, operatorCommands } from "../operator-commands";
import { pauseParameterName } from "../../handlers/pause";
import { PolicyScope, restorePolicy, updatePolicy } from "./policies";
import { refreshCycleDefinition } from "./refresh-cycle";
import { checkKmsKeyArn } from "../validation";
import { checkPipelineName, checkSnapshotPrefix, resolveArgs, ResolvedSource } from "./validation";

export type { EngineParameterNames };

/** Seconds the update or the restore may run; listing 10,000 snapshots takes well under one. */
const REFRESH_FUNCTION_TIMEOUT_SECONDS = 300;

/**
 * Keeps this account's Aurora and DocumentDB databases refreshed from the snapshots a production account
 * shares: the SSM parameters that name the snapshots, the two functions that move them, the refresh cycle
 * state machine that runs them one cycle per execution, the schedule and starter that begin each cycle, and a
 * least-privilege role for each.
 */
export class SnapshotRefresh extends pulumi.ComponentResource {
    /** SSM parameter names per engine. */
    readonly parameterNames: Partial<Record<EngineName, EngineParameterNames>>;
    /** SSM parameter that holds the main pipeline's name. */
    readonly pipelineParameterName: string;
    /** Name of db-update-latest-snapshot-id: invoke it with `{}` to update now. */
    readonly updateFunctionName: pulumi.Output<string>;
    /** ARN of db-update-latest-snapshot-id. */
    readonly updateFunctionArn: pulumi.Output<string>;
    /** Name of db-restore-from-snapshot: invoke it with `{}` to restore now, outside any cycle. */
    readonly restoreFunctionName: pulumi.Output<string>;
    /** ARN of db-restore-from-snapshot. */
    readonly restoreFunctionArn: pulumi.Output<string>;
    /** The refresh cycle state machine: `aws stepfunctions start-execution` with input `{}` runs a cycle now. */
    readonly stateMachineArn: pulumi.Output<string>;
    /** Name of the refresh cycle state machine: each execution is one cycle, `cycle-YYYY-MM-DD` when scheduled. */
    readonly stateMachineName: pulumi.Output<string>;
    /** The EventBridge Scheduler schedule that starts the cycles. */
    readonly scheduleName: pulumi.Output<string>;
    /** Where failed cycles (their execution's status event) and firings that could not start one are kept (14 days). */
    readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The cadence in words, timezone included. */
    readonly schedule: string;
    /** The SNS topic each cycle's message and every alarm go to. */
    readonly notificationTopicArn: pulumi.Output<string>;
    /** The SSM parameter that pauses the instance without a deployment (`none`, `indefinitely` or a time). */
    readonly pauseParameterName: string;
    /** The commands that run, dry-run, restore a chosen snapshot, pause, resume and inspect this instance. */
    readonly operatorCommands: pulumi.Output<OperatorCommands>;

    constructor(name: string, args: SnapshotRefreshArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before super() registers anything: bad arguments leave no resource behind, not even this one.
        const resolved = resolveArgs(name, args);
        super("snapshot-refresh:index:SnapshotRefresh", name, {}, opts);
        const parent = { parent: this };
        const tags = resolved.tags;

        const mainPipelineParameter = pipelineParameterName(resolved.parameterPrefix);
        const snapshotParameters = resolved.engines.map((engine) => {
            const names = engineParameterNames(resolved.parameterPrefix, engine.engine);
            return {
                engine,
                names,
                latest: this.snapshotParameter(`${name}-${engine.engine}-latest`, names.latest, `Newest ${engine.engine} snapshot a restore can use; written by db-update-latest-snapshot-id.`, tags),
                current: this.snapshotParameter(`${name}-${engine.engine}-current`, names.current, `${engine.engine} snapshot the main pipeline restores from; written by db-restore-from-snapshot or an operator.`, tags),
            };
        });
        const pipelineName = pulumi.output(resolved.pipelineName).apply((value) => {
            checkPipelineName(value, "pipelineName");
            return value;
        });
        const pipelineParameter = new aws.ssm.Parameter(`${name}-pipeline`, {
            name: mainPipelineParameter,
            type: "String",
            value: pipelineName,
            description: "Main CI/CD pipeline db-restore-from-snapshot starts; follows the stack's pipelineName on every update.",
            tags,
        }, parent);

        const { accountId, region, partition } = deploymentPlace(this, (account) => account !== resolved.sourceAccountId ? undefined
            : new ConfigError("sourceAccountId", "is the account this stack deploys into: snapshot-refresh belongs in the account that receives production's snapshots, never in production itself", account, "the production account's id, with credentials for the acceptance account"));

        const source = this.sourceFacts(name, resolved.sourceAccountId, resolved.source);
        const settings: pulumi.Output<RefreshSettings> = pulumi.all([
            pulumi.all(resolved.engines.map((engine) => pulumi.output(engine.kmsKeyArn))),
            source.snapshotPrefix,
        ]).apply(([keyArns, sourceSnapshotPrefix]) => ({
            instanceName: name,
            sourceAccountId: resolved.sourceAccountId,
            ...(sourceSnapshotPrefix !== undefined ? { sourceSnapshotPrefix } : {}),
            copyIdentifierPrefix: resolved.copyIdentifierPrefix,
            pipelineParameter: mainPipelineParameter,
            whenCopyNotReady: resolved.whenCopyNotReady,
            maintenanceWindowMinutes: resolved.maintenanceWindowMinutes,
            copyRecheckMinutes: resolved.copyRecheckMinutes,
            pauseParameter: pauseParameterName(name),
            paused: resolved.operations.paused,
            engines: snapshotParameters.map(({ engine, names }, index): EngineSettings => ({
                engine: engine.engine,
                latestParameter: names.latest,
                currentParameter: names.current,
                sourceClusters: engine.sourceClusters,
                copy: engine.copy,
                kmsKeyArn: keyArns[index],
                keepCopies: engine.keepCopies,
            })),
        }));

        const scope = (logGroupArn: pulumi.Output<string>): pulumi.Output<PolicyScope> =>
            pulumi.output({
                accountId,
                region,
                partition,
                pipelineName,
                logGroupArn,
                runtime: settings,
                sourceKeyArn: source.kmsKeyArn,
                latestParameterArns: snapshotParameters.map((parameters) => parameters.latest.arn),
                currentParameterArns: snapshotParameters.map((parameters) => parameters.current.arn),
                pipelineParameterArn: pipelineParameter.arn,
                pauseParameterArn: pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:parameter${pauseParameterName(name)}`,
            }).apply(({ runtime, ...arns }) => ({
                ...arns,
                sourceAccountId: resolved.sourceAccountId,
                copyIdentifierPrefix: resolved.copyIdentifierPrefix,
                copies: runtime.engines.some((engine) => engine.copy),
                copyKeyArns: runtime.engines.flatMap((engine) => (engine.copy && engine.kmsKeyArn ? [engine.kmsKeyArn] : [])),
            }));

        const refreshFunction = (kind: "update" | "restore", policy: (scope: PolicyScope) => aws.iam.PolicyDocument, callbackFactory: LambdaFunctionFactory) => {
            return new LambdaFunction(`${name}-${kind}`, {
                instanceName: name,
                label: REFRESH_FUNCTION_LABELS[kind],
                logRetentionDays: resolved.logRetentionDays,
                callbackFactory,
                policy: (logGroupArn) => scope(logGroupArn).apply((resolvedScope) => JSON.stringify(policy(resolvedScope))),
                settings: pulumi.jsonStringify(settings),
                timeoutSeconds: REFRESH_FUNCTION_TIMEOUT_SECONDS,
                tags,
            }, parent);
        };
        const updateFunction = refreshFunction("update", updatePolicy, createUpdateHandler);
        const restoreFunction = refreshFunction("restore", restorePolicy, createRestoreHandler);

        const cycle = new Cycle(`${name}-refresh-cycle`, {
            instanceName: name,
            side: "refresh",
            ...CYCLE_NAMING.refresh,
            purpose: "update latest, then restore from the cycle's newest data",
            starterLabel: REFRESH_FUNCTION_LABELS.starter,
            starterFactory: createRefreshStarterHandler,
            functionArns: [updateFunction.arn, restoreFunction.arn],
            definition: ([updateFunctionArn, restoreFunctionArn]) => refreshCycleDefinition({
                instanceName: name,
                updateFunctionArn,
                restoreFunctionArn,
                functionTimeoutSeconds: REFRESH_FUNCTION_TIMEOUT_SECONDS,
                maintenanceWindowMinutes: resolved.maintenanceWindowMinutes,
            }),
            plan: resolved.cadence,
            paused: resolved.operations.paused,
            monitoring: resolved.operations.monitoring,
            accountId,
            region,
            partition,
            logRetentionDays: resolved.logRetentionDays,
            tags,
        }, parent);

        this.parameterNames = Object.fromEntries(snapshotParameters.map(({ engine, names }) => [engine.engine, names]));
        this.pipelineParameterName = mainPipelineParameter;
        this.updateFunctionName = updateFunction.name;
        this.updateFunctionArn = updateFunction.arn;
        this.restoreFunctionName = restoreFunction.name;
        this.restoreFunctionArn = restoreFunction.arn;
        this.stateMachineArn = cycle.stateMachineArn;
        this.stateMachineName = cycle.stateMachineName;
        this.scheduleName = cycle.scheduleName;
        this.deadLetterQueueUrl = cycle.deadLetterQueueUrl;
        this.schedule = resolved.cadence.description;
        this.notificationTopicArn = cycle.notificationTopicArn;
        this.pauseParameterName = cycle.pauseParameterName;
        this.operatorCommands = cycle.stateMachineArn.apply((stateMachineArn) =>
            operatorCommands({ stateMachineArn, instanceName: name, stackName: pulumi.getStack(), engines: resolved.engines.map((engine) => engine.engine) }));
        this.registerOutputs({
            parameterNames: this.parameterNames,
            pipelineParameterName: this.pipelineParameterName,
            updateFunctionName: this.updateFunctionName,
            updateFunctionArn: this.updateFunctionArn,
            restoreFunctionName: this.restoreFunctionName,
            restoreFunctionArn: this.restoreFunctionArn,
            stateMachineArn: this.stateMachineArn,
            stateMachineName: this.stateMachineName,
            scheduleName: this.scheduleName,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            schedule: this.schedule,
            notificationTopicArn: this.notificationTopicArn,
            pauseParameterName: this.pauseParameterName,
            operatorCommands: this.operatorCommands,
        });
    }

    /**
     * The source's share key and snapshot prefix: from its stack's outputs (checked once known), as given, or
     * unknown (undefined).
     */
    private sourceFacts(name: string, sourceAccountId: string, source: ResolvedSource): { kmsKeyArn: pulumi.Output<string | undefined>; snapshotPrefix: pulumi.Output<string | undefined> } {
        if (source.stack === undefined) {
            return { kmsKeyArn: pulumi.output(source.kmsKeyArn), snapshotPrefix: pulumi.output(source.snapshotPrefix) };
        }
        const stack = source.stack;
        const reference = new pulumi.StackReference(`${name}-source`, { name: stack }, { parent: this });
        const fromStack = (output: string) => `the output ${output} of sourceStack ${stack}`;
        const accountId = reference.requireOutput("accountId").apply((account) => {
            if (account !== sourceAccountId) {
                throw new ConfigError("sourceStack", `is the production stack of account ${String(account)}, but sourceAccountId is ${sourceAccountId}: name the stack that shares with this account, or correct sourceAccountId`, stack, "acme/snapshot-refresh/production");
            }
            return account as string;
        });
        return {
            kmsKeyArn: pulumi.all([reference.requireOutput("kmsKeyArn"), accountId]).apply(([arn]) => {
                checkKmsKeyArn(arn, fromStack("kmsKeyArn"), "the key its shared snapshots are encrypted with");
                return arn as string;
            }),
            snapshotPrefix: pulumi.all([reference.requireOutput("snapshotIdentifierPrefix"), accountId]).apply(([prefix]) => {
                checkSnapshotPrefix(prefix, fromStack("snapshotIdentifierPrefix"));
                return prefix as string;
            }),
        };
    }

    /**
     * Pulumi creates a snapshot parameter once, with a placeholder; from then on its value belongs to the
     * functions and to operators, so no later `pulumi up` may reset it.
     */
    private snapshotParameter(resourceName: string, parameterName: string, description: string, tags: Record<string, string>): aws.ssm.Parameter {
        return new aws.ssm.Parameter(resourceName, {
            name: parameterName,
            type: "String",
            value: UNSET_SNAPSHOT,
            description,
            tags,
        }, { parent: this, ignoreChanges: ["value"] });
    }
}

type LambdaFunctionFactory = aws.lambda.CallbackFactory<never, unknown>;
