import { ACCOUNT_ID, RecordedResource, REGION } from "./pulumi-mocks";

/** One statement of an IAM or key policy document, as a component declares it. */
export interface PolicyStatement {
    Sid?: string;
    Effect: string;
    Principal?: { AWS?: string | string[]; Service?: string };
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string>>;
}

/** The statements of a resource's `policy` input (a role policy, a queue or key policy). */
export function policyOf(resource: RecordedResource): PolicyStatement[] {
    return (JSON.parse(resource.inputs.policy as string) as { Statement: PolicyStatement[] }).Statement;
}

export function statement(statements: PolicyStatement[], sid: string): PolicyStatement {
    const found = statements.find((candidate) => candidate.Sid === sid);
    if (!found) throw new Error(`no statement ${sid} in ${statements.map((candidate) => candidate.Sid).join(", ")}`);
    return found;
}

export function listOf(value: string | string[]): string[] {
    return Array.isArray(value) ? value : [value];
}

export function arnOfFunction(name: string): string {
    return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;
}
