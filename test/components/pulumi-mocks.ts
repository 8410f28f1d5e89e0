import * as pulumi from "@pulumi/pulumi";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../handlers/settings";

export const ACCOUNT_ID = "111111111111";
export const SOURCE_ACCOUNT_ID = "222222222222";
export const REGION = "eu-west-1";

/** A resource as the mocked engine saw it, with the options the SDK resolved for it. */
export interface RecordedResource {
    type: string;
    name: string;
    /** The inputs, resolved to plain values. */
    inputs: Record<string, unknown>;
    ignoreChanges: string[];
    parent?: pulumi.Resource;
    /** Earlier identities of the resource, as its options name them. */
    aliases: pulumi.Input<pulumi.URN | pulumi.Alias>[];
}

/** The ARN AWS gives a resource of each type, by its physical name, in the deploying account. */
const ARN_SERVICES: Record<string, (name: string, account: string) => string> = {
    "aws:ssm/parameter:Parameter": (name, account) => `arn:aws:ssm:${REGION}:${account}:parameter/${name.replace(/^\//, "")}`,
    "aws:sqs/queue:Queue": (name, account) => `arn:aws:sqs:${REGION}:${account}:${name}`,
    "aws:cloudwatch/logGroup:LogGroup": (name, account) => `arn:aws:logs:${REGION}:${account}:log-group:${name}`,
    "aws:iam/role:Role": (name, account) => `arn:aws:iam::${account}:role/${name}`,
    "aws:lambda/function:Function": (name, account) => `arn:aws:lambda:${REGION}:${account}:function:${name}`,
    "aws:sfn/stateMachine:StateMachine": (name, account) => `arn:aws:states:${REGION}:${account}:stateMachine:${name}`,
    "aws:cloudwatch/eventRule:EventRule": (name, account) => `arn:aws:events:${REGION}:${account}:rule/${name}`,
    "aws:scheduler/scheduleGroup:ScheduleGroup": (name, account) => `arn:aws:scheduler:${REGION}:${account}:schedule-group/${name}`,
    "aws:scheduler/schedule:Schedule": (name, account) => `arn:aws:scheduler:${REGION}:${account}:schedule/${name}`,
    "aws:kms/key:Key": (_name, account) => `arn:aws:kms:${REGION}:${account}:key/${CREATED_KEY_ID}`,
    "aws:sns/topic:Topic": (name, account) => `arn:aws:sns:${REGION}:${account}:${name}`,
};

/** The id AWS gives a key the component creates. */
export const CREATED_KEY_ID = "9f8e7d6c-5b4a-4321-8fed-cba987654321";

/**
 * Stands in for the Pulumi engine and AWS: records every resource, answers the three invokes the component
 * makes, and fails on any other invoke so an unexpected call cannot pass unnoticed.
 */
export class RecordingMocks implements pulumi.runtime.Mocks {
    resources: RecordedResource[] = [];
    /** The account the deployment's credentials belong to. */
    callerAccountId = ACCOUNT_ID;
    /** Other stacks' outputs, by fully qualified stack name, as a StackReference reads them. */
    stackOutputs: Record<string, Record<string, unknown>> = {};
    private readonly options = new Map<string, { ignoreChanges: string[]; parent?: pulumi.Resource; aliases: pulumi.Input<pulumi.URN | pulumi.Alias>[] }>();

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        // Physical names as Pulumi's auto-naming would make them: the logical name plus a suffix.
        const physicalName = typeof args.inputs.name === "string" ? args.inputs.name : `${args.name}-1a2b3c4`;
        const options = this.options.get(`${args.type}::${args.name}`) ?? { ignoreChanges: [], aliases: [] };
        this.resources.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs) as Record<string, unknown>, ...options });
        if (args.type === "pulumi:pulumi:StackReference") {
            const stack = args.inputs.name as string;
            return { id: stack, state: { name: stack, outputs: this.stackOutputs[stack] ?? {}, secretOutputNames: [] } };
        }
        const arn = ARN_SERVICES[args.type]?.(physicalName, this.callerAccountId);
        const url = args.type === "aws:sqs/queue:Queue" ? `https://sqs.${REGION}.amazonaws.com/${this.callerAccountId}/${physicalName}` : undefined;
        const keyId = args.type === "aws:kms/key:Key" ? { keyId: CREATED_KEY_ID } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, name: physicalName, ...(arn ? { arn } : {}), ...(url ? { url } : {}), ...keyId } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: this.callerAccountId, arn: `arn:aws:iam::${this.callerAccountId}:user/deployer`, userId: "AIDEXAMPLE", id: this.callerAccountId };
            case "aws:index/getRegion:getRegion":
                return { name: REGION, region: REGION, id: REGION, endpoint: `ec2.${REGION}.amazonaws.com`, description: "Europe (Ireland)" };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
            default:
                throw new Error(`unexpected invoke ${args.token}`);
        }
    }

    /**
     * A legacy transformation runs inside the SDK, so unlike the engine's transforms it sees the options each
     * child is created with even under mocks.
     */
    readonly recordOptions: pulumi.ResourceTransformation = ({ type, name, opts }) => {
        this.options.set(`${type}::${name}`, { ignoreChanges: opts.ignoreChanges ?? [], parent: opts.parent, aliases: opts.aliases ?? [] });
        return undefined;
    };

    reset(): void {
        this.resources = [];
        this.options.clear();
        this.callerAccountId = ACCOUNT_ID;
        this.stackOutputs = {};
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((resource) => resource.type === type);
    }

    /** The one resource of this logical name (and type, where two types share the name). */
    named(name: string, type?: string): RecordedResource {
        const found = this.resources.filter((resource) => resource.name === name && (type === undefined || resource.type === type));
        if (found.length !== 1) {
            throw new Error(`${found.length} resources named ${name}; have ${this.resources.map((resource) => resource.name).join(", ")}`);
        }
        return found[0];
    }

    /** Waits until no resource has been registered for a few turns of the event loop. */
    async settle(): Promise<void> {
        let stableTurns = 0;
        let count = -1;
        while (stableTurns < 5) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            stableTurns = this.resources.length === count ? stableTurns + 1 : 0;
            count = this.resources.length;
        }
    }
}

/** The mocked engine sees secret inputs (an SSM parameter's value) in their wire form. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    // Assets and archives keep their class: a function's code archive is awaited through it.
    if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
    const record = value as Record<string, unknown>;
    if (record["4dabf18193072939515e22adb298388d"] === SECRET_SIGNATURE) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, unwrapSecrets(inner)]));
}

/**
 * A deployment that fails part-way (a check that needs the deploying account) stops there, as `pulumi up` does:
 * the outputs that waited on the failure stay pending. At exit the runtime would report them as leaked promises
 * and fail the test run, so a test that provokes such a failure forgets them afterwards.
 */
function forgetAbandonedOutputs(): void {
    // The runtime's own bookkeeping: not in its typings, but the function that reports the leaks also clears them.
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): unknown };
    debuggable.leakedPromises();
}

/**
 * The error a deployment meets once the deploying account is known, as `pulumi up` reports it. `deploy` builds
 * the component and returns outputs that depend on the failing check.
 */
export async function deploymentFailure(deploy: () => pulumi.Output<unknown>[]): Promise<unknown> {
    const failure = new Promise<unknown>((resolve) => process.once("unhandledRejection", resolve));
    for (const output of deploy()) output.apply(() => undefined);
    const error = await failure;
    await mocks.settle();
    forgetAbandonedOutputs();
    return error;
}

/** A function's settings, as its environment carries them. */
export function settingsOf<T>(lambda: RecordedResource): T {
    const environment = lambda.inputs.environment as { variables: Record<string, string> };
    return JSON.parse(environment.variables[SETTINGS_ENVIRONMENT_VARIABLE]) as T;
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/**
 * One engine stand-in for the whole test run: `setMocks` is process-wide, so every test file records into
 * this instance. Import it before the component so the component's module sees the mocks.
 */
export const mocks = new RecordingMocks();
pulumi.runtime.setMocks(mocks, "snapshot-refresh", "acceptance", false);
