import * as pulumi from "@pulumi/pulumi";

/** Stands in for the random suffix Pulumi gives a resource it names: `snapshot-refresh-update-role-xxxxxxx`. */
export const AUTONAME_SUFFIX = "xxxxxxx";
/** Stands in for the id AWS gives a KMS key the program creates. */
export const PLACEHOLDER_KEY_ID = "00000000-0000-0000-0000-000000000000";

/** A resource the program registered, as the engine received it. */
export interface RegisteredResource {
    type: string;
    /** The logical name the program gave it. */
    name: string;
    /** Its inputs, resolved to plain values (secrets unwrapped). */
    inputs: Record<string, unknown>;
    /** False for a component, which only groups others. */
    custom: boolean;
    /** The name AWS knows it by: its `name` input, or the logical name with Pulumi's suffix. */
    physicalName: string;
    arn?: string;
}

/** Where the stack deploys, and what the engine answers for other stacks. */
export interface PlanEnvironment {
    accountId: string;
    region: string;
    /** The outputs of a stack a `pulumi.StackReference` names (`acme/snapshot-refresh/production`). */
    stackOutputs(stack: string): Record<string, unknown>;
}

/** The ARN AWS gives a resource, by type, from its physical name; types not listed get the usual `service:region:account:name` shape. */
const ARN_FORMATS: Readonly<Record<string, (place: ArnPlace, name: string, inputs: Record<string, unknown>) => string>> = {
    "aws:iam/role:Role": (place, name) => `arn:${place.partition}:iam::${place.accountId}:role/${name}`,
    "aws:iam/policy:Policy": (place, name) => `arn:${place.partition}:iam::${place.accountId}:policy/${name}`,
    "aws:ssm/parameter:Parameter": (place, name) => `${regional(place, "ssm")}:parameter/${name.replace(/^\//, "")}`,
    "aws:sqs/queue:Queue": (place, name) => `${regional(place, "sqs")}:${name}`,
    "aws:sns/topic:Topic": (place, name) => `${regional(place, "sns")}:${name}`,
    "aws:cloudwatch/logGroup:LogGroup": (place, name) => `${regional(place, "logs")}:log-group:${name}`,
    "aws:cloudwatch/metricAlarm:MetricAlarm": (place, name) => `${regional(place, "cloudwatch")}:alarm:${name}`,
    "aws:cloudwatch/eventRule:EventRule": (place, name) => `${regional(place, "events")}:rule/${name}`,
    "aws:lambda/function:Function": (place, name) => `${regional(place, "lambda")}:function:${name}`,
    "aws:sfn/stateMachine:StateMachine": (place, name) => `${regional(place, "states")}:stateMachine:${name}`,
    "aws:scheduler/scheduleGroup:ScheduleGroup": (place, name) => `${regional(place, "scheduler")}:schedule-group/${name}`,
    "aws:scheduler/schedule:Schedule": (place, name, inputs) => `${regional(place, "scheduler")}:schedule/${typeof inputs.groupName === "string" ? inputs.groupName : "default"}/${name}`,
    "aws:kms/key:Key": (place) => `${regional(place, "kms")}:key/${PLACEHOLDER_KEY_ID}`,
    "aws:kms/alias:Alias": (place, name) => `${regional(place, "kms")}:${name}`,
};

interface ArnPlace {
    partition: string;
    region: string;
    accountId: string;
}

function regional(place: ArnPlace, service: string): string {
    return `arn:${place.partition}:${service}:${place.region}:${place.accountId}`;
}

/** The partition of a Region: `aws-cn` for China, `aws-us-gov` for GovCloud, `aws` elsewhere. */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** A program called something an offline plan cannot answer: only AWS or the Pulumi service could. */
export class UnanswerableCallError extends Error {
    constructor(token: string) {
        super(`The program calls ${token}, which the offline plan cannot answer without AWS; it answers aws:index/getCallerIdentity, getRegion and getPartition.`);
        this.name = "UnanswerableCallError";
    }
}

/**
 * Stands in for the Pulumi engine and AWS while the program runs: records every resource, gives each the
 * outputs AWS would (its ARN, URL or key id, built from the account and Region), and answers the invokes that
 * tell the program where it deploys.
 */
export class PlanMocks implements pulumi.runtime.Mocks {
    readonly resources: RegisteredResource[] = [];
    private readonly place: ArnPlace;

    constructor(private readonly environment: PlanEnvironment) {
        this.place = { partition: partitionOf(environment.region), region: environment.region, accountId: environment.accountId };
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
        if (args.type === "pulumi:pulumi:StackReference") {
            const stack = String(inputs.name);
            this.resources.push({ type: args.type, name: args.name, inputs, custom: true, physicalName: stack });
            return { id: stack, state: { name: stack, outputs: this.environment.stackOutputs(stack), secretOutputNames: [] } };
        }
        const physicalName = typeof inputs.name === "string" ? inputs.name : `${args.name}-${AUTONAME_SUFFIX}`;
        const arn = args.custom === false ? undefined : (ARN_FORMATS[args.type] ?? genericArn(args.type))(this.place, physicalName, inputs);
        this.resources.push({ type: args.type, name: args.name, inputs, custom: args.custom !== false, physicalName, ...(arn ? { arn } : {}) });
        const extra = outputsOnlyAwsKnows(args.type, physicalName, arn);
        return { id: String(extra.id ?? physicalName), state: { ...args.inputs, name: physicalName, ...(arn ? { arn } : {}), ...extra } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const { accountId, region, partition } = this.place;
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId, arn: `arn:${partition}:iam::${accountId}:user/deployer`, userId: "AIDAOFFLINEPLAN", id: accountId };
            case "aws:index/getRegion:getRegion":
                return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
            case "aws:index/getPartition:getPartition":
                return { partition, dnsSuffix: "amazonaws.com", id: partition, reverseDnsPrefix: "com.amazonaws" };
            default:
                throw new UnanswerableCallError(args.token);
        }
    }
}

/** `aws:sns/topicPolicy:TopicPolicy` -> the `sns` service. */
function genericArn(type: string): (place: ArnPlace, name: string) => string {
    const service = /^aws:([a-z0-9]+)\//.exec(type)?.[1] ?? "unknown";
    return (place, name) => `${regional(place, service)}:${name}`;
}

/** Output-only properties the program may read: ids as AWS forms them, a queue's URL, a key's id. */
function outputsOnlyAwsKnows(type: string, physicalName: string, arn: string | undefined): Record<string, unknown> {
    const [, partition, , region, accountId] = arn?.split(":") ?? [];
    switch (type) {
        case "aws:sqs/queue:Queue": {
            const url = `https://sqs.${region}.amazonaws.com/${accountId}/${physicalName}`;
            return { id: url, url };
        }
        case "aws:kms/key:Key":
            return { id: PLACEHOLDER_KEY_ID, keyId: PLACEHOLDER_KEY_ID };
        case "aws:sfn/stateMachine:StateMachine":
            return { id: arn };
        case "aws:lambda/function:Function":
            return { invokeArn: `arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations` };
        default:
            return {};
    }
}

/** The mocked engine sees secret inputs (an SSM parameter's value) in their wire form. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
const SPECIAL_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    // Assets and archives keep their class: the renderer reads a function's code through it.
    if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
    const record = value as Record<string, unknown>;
    if (record[SPECIAL_SIGNATURE_KEY] === SECRET_SIGNATURE) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, unwrapSecrets(inner)]));
}
