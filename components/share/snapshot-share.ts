import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createShareHandler, createShareStarterHandler, SHARE_FUNCTION_LABELS } from "../../handlers/share/lambda";
import { ShareSettings } from "../../handlers/share/settings";
import { ConfigError } from "../config-error";
import { deploymentPlace } from "../account";
import { Cycle } from "../cycle";
import { CYCLE_NAMING } from "../names";
import { OperatorCommands, operatorCommands } from "../operator-commands";
import { pauseParameterName } from "../../handlers/pause";
import { LambdaFunction } from "../lambda-function";
import { SnapshotShareArgs } from "./args";
import { sharePolicy, shareKeyPolicy } from "./policies";
import { shareCycleDefinition } from "./share-cycle";
import { resolveShareArgs } from "./validation";

/** Seconds the share function may run: a few calls per cluster. */
const SHARE_FUNCTION_TIMEOUT_SECONDS = 300;
/** Days a deleted share key can still be recovered (AWS allows 7 to 30). */
const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * Makes production's newest cluster snapshots shareable and shares them: each share cycle copies every
 * configured cluster's newest snapshot under a customer-managed KMS key whose key policy lets the target
 * accounts use it, shares the copies with exactly those accounts, and keeps the newest few. Holds the key (unless
 * an existing one is given), the share function with its role, and the cycle's state machine, schedule and
 * starter. Deployed in the production account; each target account runs a SnapshotRefresh.
 */
export class SnapshotShare extends pulumi.ComponentResource {
    /** ARN of the key the shared snapshots are encrypted with: the acceptance stack's `sourceKmsKeyArn`. */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** Prefix of the shared snapshots' identifiers: the acceptance stack's `sourceSnapshotPrefix`. */
    readonly snapshotIdentifierPrefix: string;
    /** The account this stack deploys into: the acceptance stack's `sourceAccountId`. */
    readonly accountId: pulumi.Output<string>;
    /** The accounts the snapshots are shared with. */
    readonly targetAccountIds: pulumi.Output<string[]>;
    /** Name of db-share-latest-snapshots. */
    readonly shareFunctionName: pulumi.Output<string>;
    /** ARN of db-share-latest-snapshots. */
    readonly shareFunctionArn: pulumi.Output<string>;
    /** The share cycle state machine: `aws stepfunctions start-execution` with input `{}` runs a cycle now. */
    readonly stateMachineArn: pulumi.Output<string>;
    /** Name of the share cycle state machine: each execution is one cycle, `share-YYYY-MM-DD` when scheduled. */
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
    /** The commands that run, dry-run, pause, resume and inspect this instance. */
    readonly operatorCommands: pulumi.Output<OperatorCommands>;

    constructor(name: string, args: SnapshotShareArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before super() registers anything: bad arguments leave no resource behind, not even this one.
        const resolved = resolveShareArgs(name, args);
        super("snapshot-refresh:index:SnapshotShare", name, {}, opts);
        const parent = { parent: this };
        const tags = resolved.tags;

        const place = deploymentPlace(this, () => undefined);
        const { region, partition } = place;
        const accountId = pulumi.all([place.accountId, resolved.targetAccountIds]).apply(([account, targets]) => {
            if (targets.includes(account)) {
                throw new ConfigError("targetAccountIds", "includes the account this stack deploys into: SnapshotShare belongs in the production account that owns the clusters, and shares with the others", account, "the acceptance accounts' ids, with credentials for the production account");
            }
            return account;
        });

        const shareKeyArn = resolved.kmsKeyArn !== undefined
            ? pulumi.all([pulumi.output(resolved.kmsKeyArn), accountId]).apply(([arn, account]) => {
                if (arn.split(":")[4] !== account) {
                    throw new ConfigError("kmsKeyArn", "must be a key of the account this stack deploys into: the copies are encrypted with it there", arn, `arn:aws:kms:eu-west-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
                }
                return arn;
            })
            : this.createShareKey(name, resolved.targetAccountIds, accountId, partition, tags).arn;

        const settings: pulumi.Output<ShareSettings> = pulumi.all([shareKeyArn, resolved.targetAccountIds]).apply(([kmsKeyArn, targetAccountIds]) => ({
            instanceName: name,
            targetAccountIds,
            clusters: resolved.clusters,
            keepShared: resolved.keepShared,
            kmsKeyArn,
            source: resolved.source,
            snapshotIdentifierPrefix: resolved.snapshotIdentifierPrefix,
            maintenanceWindowMinutes: resolved.maintenanceWindowMinutes,
            copyRecheckMinutes: resolved.copyRecheckMinutes,
            pauseParameter: pauseParameterName(name),
            paused: resolved.operations.paused,
        }));
        const shareFunction = new LambdaFunction(`${name}-share`, {
            instanceName: name,
            label: SHARE_FUNCTION_LABELS.share,
            logRetentionDays: resolved.logRetentionDays,
            callbackFactory: createShareHandler,
            policy: (logGroupArn) => pulumi.all([partition, region, accountId, shareKeyArn, logGroupArn]).apply(([partitionName, regionName, account, keyArn, logGroup]) =>
                JSON.stringify(sharePolicy({
                    partition: partitionName,
                    region: regionName,
                    accountId: account,
                    clusters: resolved.clusters,
                    source: resolved.source,
                    snapshotIdentifierPrefix: resolved.snapshotIdentifierPrefix,
                    shareKeyArn: keyArn,
                    logGroupArn: logGroup,
                    pauseParameterArn: `arn:${partitionName}:ssm:${regionName}:${account}:parameter${pauseParameterName(name)}`,
                }))),
            settings: pulumi.jsonStringify(settings),
            timeoutSeconds: SHARE_FUNCTION_TIMEOUT_SECONDS,
            tags,
        }, parent);

        const cycle = new Cycle(`${name}-share-cycle`, {
            instanceName: name,
            side: "share",
            ...CYCLE_NAMING.share,
            purpose: "copy each cluster's newest snapshot under the share key and share it with the target accounts",
            starterLabel: SHARE_FUNCTION_LABELS.starter,
            starterFactory: createShareStarterHandler,
            functionArns: [shareFunction.arn],
            definition: ([shareFunctionArn]) => shareCycleDefinition({
                instanceName: name,
                shareFunctionArn,
                functionTimeoutSeconds: SHARE_FUNCTION_TIMEOUT_SECONDS,
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

        this.kmsKeyArn = shareKeyArn;
        this.snapshotIdentifierPrefix = resolved.snapshotIdentifierPrefix;
        this.accountId = accountId;
        this.targetAccountIds = resolved.targetAccountIds;
        this.shareFunctionName = shareFunction.name;
        this.shareFunctionArn = shareFunction.arn;
        this.stateMachineArn = cycle.stateMachineArn;
        this.stateMachineName = cycle.stateMachineName;
        this.scheduleName = cycle.scheduleName;
        this.deadLetterQueueUrl = cycle.deadLetterQueueUrl;
        this.schedule = resolved.cadence.description;
        this.notificationTopicArn = cycle.notificationTopicArn;
        this.pauseParameterName = cycle.pauseParameterName;
        this.operatorCommands = cycle.stateMachineArn.apply((stateMachineArn) =>
            operatorCommands({ stateMachineArn, instanceName: name, stackName: pulumi.getStack() }));
        this.registerOutputs({
            kmsKeyArn: this.kmsKeyArn,
            snapshotIdentifierPrefix: this.snapshotIdentifierPrefix,
            accountId: this.accountId,
            targetAccountIds: this.targetAccountIds,
            shareFunctionName: this.shareFunctionName,
            shareFunctionArn: this.shareFunctionArn,
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

    /** The customer-managed key the shared copies are encrypted with, and its alias. */
    private createShareKey(
        name: string,
        targetAccountIds: pulumi.Output<string[]>,
        accountId: pulumi.Output<string>,
        partition: pulumi.Output<string>,
        tags: Record<string, string>,
    ): aws.kms.Key {
        const key = new aws.kms.Key(`${name}-key`, {
            description: targetAccountIds.apply((targets) => `snapshot-refresh ${name}: encrypts the snapshot copies shared with ${targets.join(", ")}`),
            enableKeyRotation: true,
            deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
            policy: pulumi.all([partition, accountId, targetAccountIds]).apply(([partitionName, account, targets]) => JSON.stringify(shareKeyPolicy(partitionName, account, targets))),
            tags,
        }, { parent: this });
        new aws.kms.Alias(`${name}-key-alias`, { name: shareKeyAliasName(name), targetKeyId: key.keyId }, { parent: this });
        return key;
    }
}

/** `alias/snapshot-refresh/<name>`, with what an alias name does not allow replaced. */
function shareKeyAliasName(name: string): string {
    return `alias/snapshot-refresh/${name.replace(/[^A-Za-z0-9/_-]/g, "-")}`.slice(0, 256);
}
