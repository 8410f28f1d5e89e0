import { asPolicyStatements } from "./plan-iam";
import { code, inline, isRecord, parseJson, plural, seconds } from "./plan-format";
import { PlannedResource } from "./plan-program";

/** One key setting of a resource: "timeout", "300 s". */
export type Setting = [label: string, value: string];

/** Reads a resource's inputs and remembers which it read, so the rest can be listed too. */
class Inputs {
    private readonly read = new Set<string>();

    constructor(private readonly inputs: Record<string, unknown>) {}

    get(key: string): unknown {
        this.read.add(key);
        return this.inputs[key];
    }

    has(key: string): boolean {
        return this.inputs[key] !== undefined;
    }

    /** The inputs no special case read, without tags (the plan lists them once). */
    unread(): [string, unknown][] {
        return Object.entries(this.inputs).filter(([key, value]) => !this.read.has(key) && !IGNORED_INPUTS.has(key) && value !== undefined);
    }
}

/** Shown once for the whole stack, or meaningless in a plan. */
const IGNORED_INPUTS = new Set(["tags", "tagsAll", "__defaults"]);

type Describe = (inputs: Inputs, resource: PlannedResource) => (Setting | undefined)[];

/** Per resource type, the settings a reviewer looks at first; any other input follows them. */
const KEY_SETTINGS: Readonly<Record<string, Describe>> = {
    "aws:lambda/function:Function": (inputs, resource) => {
        const logging = record(inputs.get("loggingConfig"));
        const environment = record(record(inputs.get("environment")).variables);
        return [
            named(inputs, resource),
            ["runtime", `${inline(inputs.get("runtime"))} on ${inline(inputs.get("architectures") ?? "x86_64")}, handler ${code(inline(inputs.get("handler")))}`],
            ["memory", `${inline(inputs.get("memorySize") ?? 128)} MB`],
            ["timeout", seconds(inputs.get("timeout") ?? 3)],
            optional(inputs, "reservedConcurrentExecutions", "reserved concurrency", inline),
            ["role", code(inline(inputs.get("role")))],
            logging.logFormat === undefined ? undefined
                : ["logs", `${inline(logging.logFormat)} to ${code(inline(logging.logGroup))}, application ${inline(logging.applicationLogLevel)}, system ${inline(logging.systemLogLevel)}`],
            // A function's settings are what it runs with: shown whole.
            ...Object.entries(environment).map(([variable, value]): Setting => [`environment ${code(variable)}`, code(JSON.stringify(parseJson(value) ?? value))]),
            ["code", archiveSummary(inputs.get("code"))],
            optional(inputs, "description", "description", inline),
        ];
    },
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (inputs) => {
        const destinations = record(inputs.get("destinationConfig"));
        return [
            ["function", code(inline(inputs.get("functionName")))],
            ["retries of a failed asynchronous run", inline(inputs.get("maximumRetryAttempts") ?? 2)],
            optional(inputs, "maximumEventAgeInSeconds", "events kept for", seconds),
            ...Object.entries(destinations).map(([when, destination]): Setting => [when, code(inline(record(destination).destination))]),
        ];
    },
    "aws:lambda/permission:Permission": (inputs) => [
        ["allows", `${code(inline(inputs.get("principal")))} to ${code(inline(inputs.get("action")))} ${code(inline(inputs.get("function")))}`],
        optional(inputs, "sourceArn", "only from", (value) => code(inline(value))),
    ],
    "aws:iam/role:Role": (inputs, resource) => [
        named(inputs, resource),
        policyReference(inputs, "assumeRolePolicy", "trust policy"),
        optional(inputs, "managedPolicyArns", "managed policies", inline),
        optional(inputs, "description", "description", inline),
    ],
    "aws:iam/rolePolicy:RolePolicy": (inputs) => [["role", code(inline(inputs.get("role")))], policyReference(inputs, "policy", "policy")],
    "aws:cloudwatch/logGroup:LogGroup": (inputs, resource) => [
        named(inputs, resource),
        ["retention", inputs.has("retentionInDays") ? plural(Number(inputs.get("retentionInDays")), "day") : "forever"],
        optional(inputs, "kmsKeyId", "encrypted with", (value) => code(inline(value))),
    ],
    "aws:sqs/queue:Queue": (inputs, resource) => [
        named(inputs, resource),
        ["messages kept", seconds(inputs.get("messageRetentionSeconds") ?? 345_600)],
        ["encryption", inputs.has("kmsMasterKeyId") ? `KMS key ${code(inline(inputs.get("kmsMasterKeyId")))}` : inputs.get("sqsManagedSseEnabled") === false ? "none" : "SQS-managed (SSE-SQS)"],
        optional(inputs, "visibilityTimeoutSeconds", "visibility timeout", seconds),
    ],
    "aws:sqs/queuePolicy:QueuePolicy": (inputs) => [["queue", code(inline(inputs.get("queueUrl")))], policyReference(inputs, "policy", "policy")],
    "aws:sns/topic:Topic": (inputs, resource) => [
        named(inputs, resource),
        optional(inputs, "kmsMasterKeyId", "encrypted with", (value) => code(inline(value))),
        optional(inputs, "displayName", "display name", inline),
        policyReference(inputs, "policy", "policy"),
    ],
    "aws:sns/topicPolicy:TopicPolicy": (inputs) => [["topic", code(inline(inputs.get("arn")))], policyReference(inputs, "policy", "policy")],
    "aws:sns/topicSubscription:TopicSubscription": (inputs) => [
        ["topic", code(inline(inputs.get("topic")))],
        ["delivers to", `${inline(inputs.get("protocol"))} ${code(inline(inputs.get("endpoint")))}`],
    ],
    "aws:kms/key:Key": (inputs) => [
        optional(inputs, "description", "description", inline),
        ["rotation", inputs.get("enableKeyRotation") === true ? `on, every ${plural(Number(inputs.get("rotationPeriodInDays") ?? 365), "day")}` : "off"],
        ["deleted after", plural(Number(inputs.get("deletionWindowInDays") ?? 30), "day")],
        optional(inputs, "keyUsage", "usage", inline),
        policyReference(inputs, "policy", "key policy"),
    ],
    "aws:kms/alias:Alias": (inputs, resource) => [named(inputs, resource), ["key", code(inline(inputs.get("targetKeyId")))]],
    "aws:ssm/parameter:Parameter": (inputs, resource) => [
        named(inputs, resource),
        ["type", inline(inputs.get("type"))],
        ["value", `${code(inline(inputs.get("value")))}${resource.ignoreChanges.includes("value") ? " when created; `pulumi up` never resets it" : ", set on every `pulumi up`"}`],
        optional(inputs, "description", "description", inline),
    ],
    "aws:sfn/stateMachine:StateMachine": (inputs, resource) => {
        const logging = record(inputs.get("loggingConfiguration"));
        return [
            named(inputs, resource),
            ["type", inline(inputs.get("type") ?? "STANDARD")],
            ["role", code(inline(inputs.get("roleArn")))],
            logging.level === undefined ? undefined
                : ["logs", `level ${inline(logging.level)}${logging.includeExecutionData === true ? " with execution data" : ""} to ${code(inline(logging.logDestination))}`],
            ["definition", inputs.get("definition") === undefined ? "none" : "see the state machine below"],
        ];
    },
    "aws:scheduler/scheduleGroup:ScheduleGroup": (inputs, resource) => [named(inputs, resource)],
    "aws:scheduler/schedule:Schedule": (inputs, resource) => {
        const target = record(inputs.get("target"));
        const retry = record(target.retryPolicy);
        return [
            named(inputs, resource),
            optional(inputs, "groupName", "group", (value) => code(inline(value))),
            ["fires", `${code(inline(inputs.get("scheduleExpression")))} in ${inline(inputs.get("scheduleExpressionTimezone") ?? "UTC")}`],
            ["state", inline(inputs.get("state") ?? "ENABLED")],
            ["flexible time window", inline(record(inputs.get("flexibleTimeWindow")).mode)],
            ["target", code(inline(target.arn))],
            ["as role", code(inline(target.roleArn))],
            target.input === undefined ? undefined : ["input", code(inline(target.input))],
            retry.maximumRetryAttempts === undefined ? undefined
                : ["retries", `${inline(retry.maximumRetryAttempts)}, for at most ${seconds(retry.maximumEventAgeInSeconds)}`],
            target.deadLetterConfig === undefined ? undefined : ["undeliverable firings to", code(inline(record(target.deadLetterConfig).arn))],
            optional(inputs, "description", "description", inline),
        ];
    },
    "aws:cloudwatch/eventRule:EventRule": (inputs, resource) => [
        named(inputs, resource),
        optional(inputs, "eventPattern", "matches", (value) => code(inline(parseJson(value) ?? value))),
        optional(inputs, "scheduleExpression", "fires", (value) => code(inline(value))),
        optional(inputs, "state", "state", inline),
        optional(inputs, "description", "description", inline),
    ],
    "aws:cloudwatch/eventTarget:EventTarget": (inputs) => [
        ["rule", code(inline(inputs.get("rule")))],
        ["target", code(inline(inputs.get("arn")))],
        optional(inputs, "input", "input", (value) => code(inline(value))),
    ],
    "aws:cloudwatch/metricAlarm:MetricAlarm": (inputs, resource) => [
        named(inputs, resource),
        ["alarms when", alarmCondition(inputs)],
        ["missing data", inline(inputs.get("treatMissingData") ?? "missing")],
        optional(inputs, "alarmActions", "on alarm, notifies", (value) => code(inline(value))),
        optional(inputs, "okActions", "on OK, notifies", (value) => code(inline(value))),
        optional(inputs, "alarmDescription", "description", inline),
    ],
    "pulumi:pulumi:StackReference": (inputs) => [["reads the outputs of stack", code(inline(inputs.get("name")))]],
};

/** The settings of one resource: its type's key settings, then any other input compactly. */
export function keySettings(resource: PlannedResource): Setting[] {
    const inputs = new Inputs(resource.inputs);
    const special = KEY_SETTINGS[resource.type]?.(inputs, resource) ?? [];
    const rest = inputs.unread().map(([key, value]): Setting =>
        [key, asPolicyStatements(value) !== undefined ? "a policy document: see the IAM statements below" : code(inline(parseJson(value) ?? value))]);
    return [...special.filter((setting): setting is Setting => setting !== undefined), ...rest];
}

/** The name given, or the one Pulumi makes up from the logical name. */
function named(inputs: Inputs, resource: PlannedResource): Setting {
    return inputs.has("name") ? ["name", code(inline(inputs.get("name")))] : ["name", `${code(resource.physicalName)} (made up by Pulumi)`];
}

function optional(inputs: Inputs, key: string, label: string, render: (value: unknown) => string): Setting | undefined {
    return inputs.has(key) ? [label, render(inputs.get(key))] : undefined;
}

function policyReference(inputs: Inputs, key: string, label: string): Setting | undefined {
    return inputs.has(key) ? [label, asPolicyStatements(inputs.get(key)) === undefined ? code(inline(inputs.get(key))) : "see the IAM statements below"] : undefined;
}

function record(value: unknown): Record<string, unknown> {
    return isRecord(value) ? value : {};
}

const COMPARISON_SYMBOLS: Readonly<Record<string, string>> = {
    GreaterThanOrEqualToThreshold: ">=",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
};

/** "AWS/SQS ApproximateNumberOfMessagesVisible (Maximum over 5 min) >= 1, 1 of 1 periods" */
function alarmCondition(inputs: Inputs): string {
    const queries = Array.isArray(inputs.get("metricQueries")) ? (inputs.get("metricQueries") as unknown[]).map(record) : [];
    const returned = queries.find((query) => query.returnData === true);
    const metric = returned?.expression !== undefined
        ? `${code(inline(returned.expression))} where ${queries.filter((query) => query !== returned).map((query) => {
            const stat = record(query.metric);
            return `${inline(query.id)} = ${inline(stat.namespace)} ${inline(stat.metricName)} (${inline(stat.stat)} over ${seconds(stat.period)})`;
        }).join(", ")}`
        : `${inline(inputs.get("namespace"))} ${inline(inputs.get("metricName"))} ${code(inline(inputs.get("dimensions") ?? {}))} (${inline(inputs.get("statistic") ?? inputs.get("extendedStatistic"))} over ${seconds(inputs.get("period"))})`;
    const operator = String(inputs.get("comparisonOperator"));
    const periods = inputs.get("evaluationPeriods");
    const datapoints = inputs.get("datapointsToAlarm") ?? periods;
    return `${metric} ${COMPARISON_SYMBOLS[operator] ?? operator} ${inline(inputs.get("threshold"))}, in ${inline(datapoints)} of ${plural(Number(periods), "period")}`;
}

/** A function's code: the files of its archive, as Pulumi uploads it. */
function archiveSummary(archive: unknown): string {
    const files = isRecord(archive) && isRecord(archive.archiveFiles) ? archive.archiveFiles : undefined;
    if (files === undefined) return inline(archive);
    return Object.entries(files).map(([file, bytes]) => typeof bytes === "number" ? `${code(file)} (${(bytes / 1024).toFixed(1)} KiB)` : code(file)).join(", ");
}
