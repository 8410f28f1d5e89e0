import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EngineName } from "../handlers/engines";
import { createRestoreHandler, createUpdateHandler, InvocationEvent } from "../handlers/lambda";
import { EngineSettings, RefreshSettings, SETTINGS_ENVIRONMENT_VARIABLE, UNSET_SNAPSHOT } from "../handlers/settings";
import { SnapshotRefreshArgs } from "./args";
import { SchedulePlan } from "./cadence";
import { ConfigError } from "./config-error";
import { lambdaTrustPolicy, PolicyScope, restorePolicy, schedulerPolicy, schedulerTrustPolicy, updatePolicy } from "./policies";
import { checkPipelineName, ResolvedArgs, resolveArgs } from "./validation";

/** The SSM parameter names of one engine. */
export interface EngineParameterNames {
    latest: string;
    current: string;
}

/** The Lambda runtime ships AWS SDK v3: bundling these clients would only make the archive larger. */
const RUNTIME_PROVIDED_PACKAGES = ["@aws-sdk/client-codepipeline", "@aws-sdk/client-docdb", "@aws-sdk/client-rds", "@aws-sdk/client-ssm"];

/** A scheduled invocation that Lambda could not run is retried for at most this long, then dead-lettered. */
const MAX_EVENT_AGE_SECONDS = 3600;

const FUNCTIONS = {
    update: { label: "db-update-latest-snapshot-id", timeoutSeconds: 300, asyncRetries: 2 },
    // The restore window's next attempt is the retry: Lambda's own retries would only overlap it.
    restore: { label: "db-restore-from-snapshot", timeoutSeconds: 300, asyncRetries: 0 },
} as const;

type FunctionKind = keyof typeof FUNCTIONS;

/**
 * Keeps this account's Aurora and DocumentDB databases refreshed from the snapshots a production account
 * shares: the SSM parameters that name the snapshots, the two functions that move them, their least-privilege
 * roles, and the timezone-aware schedules that run them.
 */
export class SnapshotRefresh extends pulumi.ComponentResource {
    /** SSM parameter names per engine. */
    readonly parameterNames: Partial<Record<EngineName, EngineParameterNames>>;
    /** SSM parameter that holds the pipeline's name. */
    readonly pipelineParameterName: string;
    readonly updateFunctionName: pulumi.Output<string>;
    readonly updateFunctionArn: pulumi.Output<string>;
    readonly restoreFunctionName: pulumi.Output<string>;
    readonly restoreFunctionArn: pulumi.Output<string>;
    readonly updateScheduleName: pulumi.Output<string>;
    readonly restoreScheduleName: pulumi.Output<string>;
    /** Where invocations that failed for good are kept (14 days). */
    readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The cadence in words, timezone included. */
    readonly schedule: string;

    constructor(name: string, args: SnapshotRefreshArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before super() registers anything: bad arguments leave no resource behind, not even this one.
        const resolved = resolveArgs(name, args);
        super("snapshot-refresh:index:SnapshotRefresh", name, {}, opts);
        const parent = { parent: this };
        const tags = resolved.tags;

        const pipelineParameterName = `${resolved.parameterPrefix}main_cicd_name`;
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
            name: pipelineParameterName,
            type: "String",
            value: pipelineName,
            description: "Main CI/CD pipeline db-restore-from-snapshot starts; follows the stack's pipelineName on every update.",
            tags,
        }, parent);

        const deadLetters = new aws.sqs.Queue(`${name}-dead-letters`, {
            messageRetentionSeconds: 14 * 24 * 3600,
            sqsManagedSseEnabled: true,
            tags,
        }, parent);

        const caller = aws.getCallerIdentityOutput({}, parent);
        const accountId = caller.accountId.apply((account) => {
            if (account === resolved.sourceAccountId) {
                throw new ConfigError("sourceAccountId", "is the account this stack deploys into: snapshot-refresh belongs in the account that receives production's snapshots, never in production itself", account, "the production account's id, with credentials for the acceptance account");
            }
            return account;
        });
        const region = aws.getRegionOutput({}, parent).region;
        const partition = aws.getPartitionOutput({}, parent).partition;

        const settings: pulumi.Output<RefreshSettings> = pulumi.all(
            resolved.engines.map((engine) => pulumi.output(engine.kmsKeyArn)),
        ).apply((keyArns) => ({
            instanceName: name,
            sourceAccountId: resolved.sourceAccountId,
            copyIdentifierPrefix: resolved.copyIdentifierPrefix,
            pipelineParameter: pipelineParameterName,
            whenCopyNotReady: resolved.whenCopyNotReady,
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
                deadLetterQueueArn: deadLetters.arn,
                runtime: settings,
                latestParameterArns: snapshotParameters.map((parameters) => parameters.latest.arn),
                currentParameterArns: snapshotParameters.map((parameters) => parameters.current.arn),
                pipelineParameterArn: pipelineParameter.arn,
            }).apply(({ runtime, ...arns }) => ({
                ...arns,
                sourceAccountId: resolved.sourceAccountId,
                copyIdentifierPrefix: resolved.copyIdentifierPrefix,
                copies: runtime.engines.some((engine) => engine.copy),
                copyKeyArns: runtime.engines.flatMap((engine) => (engine.copy && engine.kmsKeyArn ? [engine.kmsKeyArn] : [])),
            }));

        const makeFunction = (
            kind: FunctionKind,
            policy: (scope: PolicyScope) => aws.iam.PolicyDocument,
            callbackFactory: aws.lambda.CallbackFactory<InvocationEvent, unknown>,
        ) => {
            const { label, timeoutSeconds, asyncRetries } = FUNCTIONS[kind];
            const logGroup = new aws.cloudwatch.LogGroup(`${name}-${kind}-logs`, {
                name: `/snapshot-refresh/${name}/${label}`,
                retentionInDays: resolved.logRetentionDays,
                tags,
            }, parent);
            const role = new aws.iam.Role(`${name}-${kind}-role`, {
                description: `${label} of snapshot-refresh ${name}`,
                assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
                tags,
            }, parent);
            const rolePolicy = new aws.iam.RolePolicy(`${name}-${kind}-policy`, {
                role: role.id,
                policy: scope(logGroup.arn).apply((resolvedScope) => JSON.stringify(policy(resolvedScope))),
            }, parent);
            const lambda = new aws.lambda.CallbackFunction(`${name}-${kind}`, {
                description: `${label}: snapshot-refresh ${name}`,
                callbackFactory,
                runtime: aws.lambda.Runtime.NodeJS22dX,
                architectures: ["arm64"],
                role,
                timeout: timeoutSeconds,
                memorySize: 256,
                reservedConcurrentExecutions: 1,
                environment: { variables: { [SETTINGS_ENVIRONMENT_VARIABLE]: pulumi.jsonStringify(settings) } },
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
                codePathOptions: { extraExcludePackages: [...RUNTIME_PROVIDED_PACKAGES] },
                tags,
            }, { parent: this, dependsOn: [rolePolicy] });
            new aws.lambda.FunctionEventInvokeConfig(`${name}-${kind}-async`, {
                functionName: lambda.name,
                maximumRetryAttempts: asyncRetries,
                maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS,
                destinationConfig: { onFailure: { destination: deadLetters.arn } },
            }, parent);
            return lambda;
        };
        const updateFunction = makeFunction("update", updatePolicy, createUpdateHandler);
        const restoreFunction = makeFunction("restore", restorePolicy, createRestoreHandler);

        const schedulerRole = new aws.iam.Role(`${name}-scheduler-role`, {
            description: `Lets the schedules of snapshot-refresh ${name} invoke its two functions`,
            assumeRolePolicy: accountId.apply((account) => JSON.stringify(schedulerTrustPolicy(account))),
            tags,
        }, parent);
        const schedulerRolePolicy = new aws.iam.RolePolicy(`${name}-scheduler-policy`, {
            role: schedulerRole.id,
            policy: pulumi.all([updateFunction.arn, restoreFunction.arn, deadLetters.arn]).apply(([update, restore, queue]) =>
                JSON.stringify(schedulerPolicy([update, restore], queue))),
        }, parent);
        const group = new aws.scheduler.ScheduleGroup(`${name}-schedules`, { tags }, parent);
        const makeSchedule = (kind: FunctionKind, plan: SchedulePlan, target: aws.lambda.Function, retryWithinSeconds: number) =>
            new aws.scheduler.Schedule(`${name}-${kind}`, {
                description: `${FUNCTIONS[kind].label}: ${resolved.cadence.description}`,
                groupName: group.name,
                scheduleExpression: plan.expression,
                scheduleExpressionTimezone: plan.timezone,
                flexibleTimeWindow: { mode: "OFF" },
                state: "ENABLED",
                target: {
                    arn: target.arn,
                    roleArn: schedulerRole.arn,
                    input: JSON.stringify(schedulePayload(plan)),
                    retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: retryWithinSeconds },
                    deadLetterConfig: { arn: deadLetters.arn },
                },
            }, { parent: this, dependsOn: [schedulerRolePolicy] });
        const restoreGate = resolved.cadence.restore.gate;
        const updateSchedule = makeSchedule("update", resolved.cadence.update, updateFunction, MAX_EVENT_AGE_SECONDS);
        // A delivery retried after the next attempt's firing would only duplicate it.
        const restoreSchedule = makeSchedule("restore", resolved.cadence.restore, restoreFunction,
            Math.max(60, Math.min(MAX_EVENT_AGE_SECONDS, (restoreGate?.recheckMinutes ?? 60) * 60)));

        this.parameterNames = Object.fromEntries(snapshotParameters.map(({ engine, names }) => [engine.engine, names]));
        this.pipelineParameterName = pipelineParameterName;
        this.updateFunctionName = updateFunction.name;
        this.updateFunctionArn = updateFunction.arn;
        this.restoreFunctionName = restoreFunction.name;
        this.restoreFunctionArn = restoreFunction.arn;
        this.updateScheduleName = updateSchedule.name;
        this.restoreScheduleName = restoreSchedule.name;
        this.deadLetterQueueUrl = deadLetters.url;
        this.schedule = resolved.cadence.description;
        this.registerOutputs({
            parameterNames: this.parameterNames,
            pipelineParameterName: this.pipelineParameterName,
            updateFunctionName: this.updateFunctionName,
            updateFunctionArn: this.updateFunctionArn,
            restoreFunctionName: this.restoreFunctionName,
            restoreFunctionArn: this.restoreFunctionArn,
            updateScheduleName: this.updateScheduleName,
            restoreScheduleName: this.restoreScheduleName,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            schedule: this.schedule,
        });
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

/** The names the pipeline and operators know an engine's parameters by: `<prefix><engine>_latest_snapshot_id`. */
function engineParameterNames(prefix: string, engine: EngineName): EngineParameterNames {
    return { latest: `${prefix}${engine}_latest_snapshot_id`, current: `${prefix}${engine}_current_snapshot_id` };
}

/** The schedule's input: Scheduler fills in the firing's time, the gate tells the function which firings are cycles. */
export function schedulePayload(plan: SchedulePlan): InvocationEvent {
    return { scheduledTime: "<aws.scheduler.scheduled-time>", ...(plan.gate ? { gate: plan.gate } : {}) };
}

export type { ResolvedArgs };
