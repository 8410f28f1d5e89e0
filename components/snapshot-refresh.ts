import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ScheduleEvent } from "../handlers/start-cycle";
import { EngineName } from "../handlers/engines";
import { createRestoreHandler, createStarterHandler, createUpdateHandler, FUNCTION_LABELS } from "../handlers/lambda";
import { EngineSettings, RefreshSettings, StarterSettings, UNSET_SNAPSHOT } from "../handlers/settings";
import { SnapshotRefreshArgs } from "./args";
import { CadencePlan } from "./cadence";
import { ConfigError } from "./config-error";
import { LambdaFunction, MAX_FUNCTION_NAME_LENGTH } from "./lambda-function";
import { instanceResourceName } from "./names";
import {
    failedCyclesQueuePolicy,
    PolicyScope,
    restorePolicy,
    schedulerPolicy,
    schedulerTrustPolicy,
    starterPolicy,
    stateMachinePolicy,
    stateMachineTrustPolicy,
    updatePolicy,
} from "./policies";
import { failedExecutionsPattern, refreshCycleDefinition } from "./refresh-cycle";
import { checkPipelineName, resolveArgs } from "./validation";

/** The SSM parameter names of one engine. */
export interface EngineParameterNames {
    /** The newest snapshot a restore can use, written by db-update-latest-snapshot-id. */
    readonly latest: string;
    /** The snapshot the main pipeline restores from, written by db-restore-from-snapshot or an operator. */
    readonly current: string;
}

/** A firing the starter could not run (after Lambda's retries) is kept in the dead-letter queue. */
const MAX_EVENT_AGE_SECONDS = 3600;
/** Seconds the update or the restore may run; listing 10,000 snapshots takes well under one. */
const REFRESH_FUNCTION_TIMEOUT_SECONDS = 300;
/** Step Functions' limit on a state machine's name. */
const MAX_STATE_MACHINE_NAME_LENGTH = 80;

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
    readonly updateFunctionArn: pulumi.Output<string>;
    /** Name of db-restore-from-snapshot: invoke it with `{}` to restore now, outside any cycle. */
    readonly restoreFunctionName: pulumi.Output<string>;
    readonly restoreFunctionArn: pulumi.Output<string>;
    /** The refresh cycle state machine: `aws stepfunctions start-execution` with input `{}` runs a cycle now. */
    readonly stateMachineArn: pulumi.Output<string>;
    readonly stateMachineName: pulumi.Output<string>;
    /** The EventBridge Scheduler schedule that starts the cycles. */
    readonly scheduleName: pulumi.Output<string>;
    /** Where failed cycles (their execution's status event) and firings that could not start one are kept (14 days). */
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
            maintenanceWindowMinutes: resolved.maintenanceWindowMinutes,
            copyRecheckMinutes: resolved.copyRecheckMinutes,
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

        const refreshFunction = (kind: "update" | "restore", policy: (scope: PolicyScope) => aws.iam.PolicyDocument, callbackFactory: LambdaFunctionFactory) => {
            const label = FUNCTION_LABELS[kind];
            return new LambdaFunction(`${name}-${kind}`, {
                functionName: instanceResourceName(name, label, MAX_FUNCTION_NAME_LENGTH),
                description: `${label} of snapshot-refresh ${name}`,
                logGroupName: `/snapshot-refresh/${name}/${label}`,
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

        const stateMachineName = instanceResourceName(name, "refresh-cycle", MAX_STATE_MACHINE_NAME_LENGTH);
        const stateMachineArn = pulumi.interpolate`arn:${partition}:states:${region}:${accountId}:stateMachine:${stateMachineName}`;
        const stateMachineRole = new aws.iam.Role(`${name}-refresh-cycle-role`, {
            description: `Runs the refresh cycle of snapshot-refresh ${name}`,
            assumeRolePolicy: pulumi.all([accountId, stateMachineArn]).apply(([account, arn]) => JSON.stringify(stateMachineTrustPolicy(account, arn))),
            tags,
        }, parent);
        const stateMachineRolePolicy = new aws.iam.RolePolicy(`${name}-refresh-cycle-policy`, {
            role: stateMachineRole.id,
            policy: pulumi.all([updateFunction.arn, restoreFunction.arn]).apply((arns) => JSON.stringify(stateMachinePolicy(arns))),
        }, parent);
        // Under /aws/vendedlogs/, CloudWatch Logs need not add this log group to the account's size-limited resource policy.
        const stateMachineLogs = new aws.cloudwatch.LogGroup(`${name}-refresh-cycle-logs`, {
            name: `/aws/vendedlogs/states/snapshot-refresh/${name}/refresh-cycle`,
            retentionInDays: resolved.logRetentionDays,
            tags,
        }, parent);
        const stateMachine = new aws.sfn.StateMachine(`${name}-refresh-cycle`, {
            name: stateMachineName,
            type: "STANDARD",
            roleArn: stateMachineRole.arn,
            definition: pulumi.all([updateFunction.arn, restoreFunction.arn]).apply(([updateFunctionArn, restoreFunctionArn]) =>
                JSON.stringify(refreshCycleDefinition({
                    instanceName: name,
                    updateFunctionArn,
                    restoreFunctionArn,
                    functionTimeoutSeconds: REFRESH_FUNCTION_TIMEOUT_SECONDS,
                    maintenanceWindowMinutes: resolved.maintenanceWindowMinutes,
                }), undefined, 2)),
            loggingConfiguration: {
                level: "ALL",
                includeExecutionData: true,
                logDestination: pulumi.interpolate`${stateMachineLogs.arn}:*`,
            },
            tags,
        }, { parent: this, dependsOn: [stateMachineRolePolicy] });

        // A cycle that fails or times out lands in the dead-letter queue too, as its execution's status event.
        const cycleFailures = new aws.cloudwatch.EventRule(`${name}-cycle-failures`, {
            description: `Failed refresh cycles of snapshot-refresh ${name}`,
            eventPattern: stateMachine.arn.apply((arn) => JSON.stringify(failedExecutionsPattern(arn))),
            tags,
        }, parent);
        const cycleFailuresPolicy = new aws.sqs.QueuePolicy(`${name}-dead-letters-policy`, {
            queueUrl: deadLetters.url,
            policy: pulumi.all([deadLetters.arn, cycleFailures.arn]).apply(([queue, rule]) => JSON.stringify(failedCyclesQueuePolicy(queue, rule))),
        }, parent);
        new aws.cloudwatch.EventTarget(`${name}-cycle-failures`, {
            rule: cycleFailures.name,
            arn: deadLetters.arn,
        }, { parent: this, dependsOn: [cycleFailuresPolicy] });

        const starter = new LambdaFunction(`${name}-starter`, {
            functionName: instanceResourceName(name, FUNCTION_LABELS.starter, MAX_FUNCTION_NAME_LENGTH),
            description: `${FUNCTION_LABELS.starter} of snapshot-refresh ${name}: starts each refresh cycle's execution`,
            logGroupName: `/snapshot-refresh/${name}/${FUNCTION_LABELS.starter}`,
            logRetentionDays: resolved.logRetentionDays,
            callbackFactory: createStarterHandler,
            policy: (logGroupArn) => pulumi.all([stateMachine.arn, logGroupArn, deadLetters.arn]).apply(([machine, logs, queue]) =>
                JSON.stringify(starterPolicy(machine, logs, queue))),
            settings: pulumi.jsonStringify(stateMachine.arn.apply((stateMachineArn): StarterSettings => ({ instanceName: name, stateMachineArn }))),
            timeoutSeconds: 60,
            // The schedule invokes it asynchronously; a start that keeps failing lands in the dead-letter queue.
            asyncInvocation: { retries: 2, maximumEventAgeSeconds: MAX_EVENT_AGE_SECONDS, deadLetterQueueArn: deadLetters.arn },
            tags,
        }, parent);

        const schedulerRole = new aws.iam.Role(`${name}-scheduler-role`, {
            description: `Lets the schedule of snapshot-refresh ${name} invoke its cycle starter`,
            assumeRolePolicy: accountId.apply((account) => JSON.stringify(schedulerTrustPolicy(account))),
            tags,
        }, parent);
        const schedulerRolePolicy = new aws.iam.RolePolicy(`${name}-scheduler-policy`, {
            role: schedulerRole.id,
            policy: pulumi.all([starter.arn, deadLetters.arn]).apply(([starterArn, queue]) => JSON.stringify(schedulerPolicy(starterArn, queue))),
        }, parent);
        const group = new aws.scheduler.ScheduleGroup(`${name}-schedules`, { tags }, parent);
        const plan = resolved.cadence;
        const schedule = new aws.scheduler.Schedule(`${name}-cycle`, {
            description: `Starts the refresh cycles of snapshot-refresh ${name}: ${plan.description}`,
            groupName: group.name,
            scheduleExpression: plan.expression,
            scheduleExpressionTimezone: plan.timezone,
            flexibleTimeWindow: { mode: "OFF" },
            state: "ENABLED",
            target: {
                arn: starter.arn,
                roleArn: schedulerRole.arn,
                input: JSON.stringify(schedulePayload(plan)),
                retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS },
                deadLetterConfig: { arn: deadLetters.arn },
            },
        }, { parent: this, dependsOn: [schedulerRolePolicy] });

        this.parameterNames = Object.fromEntries(snapshotParameters.map(({ engine, names }) => [engine.engine, names]));
        this.pipelineParameterName = pipelineParameterName;
        this.updateFunctionName = updateFunction.name;
        this.updateFunctionArn = updateFunction.arn;
        this.restoreFunctionName = restoreFunction.name;
        this.restoreFunctionArn = restoreFunction.arn;
        this.stateMachineArn = stateMachine.arn;
        this.stateMachineName = stateMachine.name;
        this.scheduleName = schedule.name;
        this.deadLetterQueueUrl = deadLetters.url;
        this.schedule = plan.description;
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

type LambdaFunctionFactory = aws.lambda.CallbackFactory<never, unknown>;

/** The names the pipeline and operators know an engine's parameters by: `<prefix><engine>_latest_snapshot_id`. */
function engineParameterNames(prefix: string, engine: EngineName): EngineParameterNames {
    return { latest: `${prefix}${engine}_latest_snapshot_id`, current: `${prefix}${engine}_current_snapshot_id` };
}

/** The schedule's input: Scheduler fills in the firing's time, the gate tells the starter which firings are cycles. */
export function schedulePayload(plan: CadencePlan): ScheduleEvent {
    return { scheduledTime: "<aws.scheduler.scheduled-time>", ...(plan.gate ? { gate: plan.gate } : {}) };
}
