import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../handlers/settings";
import { instanceResourceName } from "./names";
import { lambdaTrustPolicy } from "./policies";

/** The Lambda runtime ships AWS SDK v3: bundling these clients would only make the archive larger. */
const RUNTIME_PROVIDED_PACKAGES = [
    "@aws-sdk/client-cloudwatch",
    "@aws-sdk/client-codepipeline",
    "@aws-sdk/client-docdb",
    "@aws-sdk/client-rds",
    "@aws-sdk/client-sfn",
    "@aws-sdk/client-sns",
    "@aws-sdk/client-ssm",
];

/** Lambda's limit on a function's name. */
const MAX_FUNCTION_NAME_LENGTH = 64;

export interface LambdaFunctionArgs {
    /** The component the function belongs to: its name, log group and description start from it. */
    readonly instanceName: string;
    /**
     * What the function is known as (`db-update-latest-snapshot-id`): it is named `<instance>-<label>` (shortened
     * with a hash past Lambda's 64 characters) and logs to `/snapshot-refresh/<instance>/<label>`.
     */
    readonly label: string;
    /** What it does, after its label in its description and its role's. Default: nothing more. */
    readonly purpose?: string;
    /** Days its logs are kept. */
    readonly logRetentionDays: number;
    /** Builds the handler inside Lambda; Pulumi serializes it with what it captures. */
    readonly callbackFactory: aws.lambda.CallbackFactory<never, unknown>;
    /** The role's one inline policy, given the log group's ARN: everything the function may do. */
    readonly policy: (logGroupArn: pulumi.Output<string>) => pulumi.Input<string>;
    /** Its settings, as JSON, in SNAPSHOT_REFRESH_SETTINGS. */
    readonly settings: pulumi.Input<string>;
    /** Seconds a run may take. */
    readonly timeoutSeconds: number;
    /**
     * For a function invoked asynchronously (by a schedule): how often Lambda retries a failed run, and the queue
     * a run that still fails lands in. Absent for functions invoked synchronously, whose caller sees the error.
     */
    readonly asyncInvocation?: { readonly retries: number; readonly maximumEventAgeSeconds: number; readonly deadLetterQueueArn: pulumi.Input<string> };
    readonly tags: Record<string, string>;
}

/**
 * One function of snapshot-refresh, the same way every time: its own role with one inline policy (never the
 * CallbackFunction default role and its FullAccess policies), its own log group, JSON logs, nodejs22.x on arm64,
 * one run at a time, and an archive without the AWS SDK clients the runtime provides.
 */
export class LambdaFunction extends pulumi.ComponentResource {
    readonly function: aws.lambda.CallbackFunction<never, unknown>;
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: LambdaFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("snapshot-refresh:index:LambdaFunction", name, {}, opts);
        const description = `${args.label} of snapshot-refresh ${args.instanceName}${args.purpose ? `: ${args.purpose}` : ""}`;
        // These resources were the parent's own children before this component existed: the alias keeps a
        // `pulumi up` of an existing stack from replacing them (the log group's fixed name could not be created twice).
        const child = { parent: this, aliases: opts?.parent ? [{ parent: opts.parent }] : [] };
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
            name: `/snapshot-refresh/${args.instanceName}/${args.label}`,
            retentionInDays: args.logRetentionDays,
            tags: args.tags,
        }, child);
        const role = new aws.iam.Role(`${name}-role`, {
            description,
            assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
            tags: args.tags,
        }, child);
        const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, {
            role: role.id,
            policy: args.policy(logGroup.arn),
        }, child);
        this.function = new aws.lambda.CallbackFunction(name, {
            name: instanceResourceName(args.instanceName, args.label, MAX_FUNCTION_NAME_LENGTH),
            description,
            callbackFactory: args.callbackFactory,
            runtime: aws.lambda.Runtime.NodeJS22dX,
            architectures: ["arm64"],
            role,
            timeout: args.timeoutSeconds,
            memorySize: 256,
            reservedConcurrentExecutions: 1,
            environment: { variables: { [SETTINGS_ENVIRONMENT_VARIABLE]: args.settings } },
            loggingConfig: { logFormat: "JSON", logGroup: logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
            codePathOptions: { extraExcludePackages: [...RUNTIME_PROVIDED_PACKAGES] },
            tags: args.tags,
        }, { ...child, dependsOn: [rolePolicy] });
        if (args.asyncInvocation !== undefined) {
            new aws.lambda.FunctionEventInvokeConfig(`${name}-async`, {
                functionName: this.function.name,
                maximumRetryAttempts: args.asyncInvocation.retries,
                maximumEventAgeInSeconds: args.asyncInvocation.maximumEventAgeSeconds,
                destinationConfig: { onFailure: { destination: args.asyncInvocation.deadLetterQueueArn } },
            }, child);
        }
        this.name = this.function.name;
        this.arn = this.function.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
