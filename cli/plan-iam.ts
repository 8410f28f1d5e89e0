import { code, inline, isRecord, parseJson, table } from "./plan-format";
import { PlannedResource } from "./plan-program";

/** An IAM policy document one of the resources carries, wherever it sits in its inputs. */
export interface PolicyDocument {
    resource: PlannedResource;
    /** Where in the inputs: `policy`, `assumeRolePolicy`, `inlinePolicies[0].policy`. */
    path: string;
    statements: Record<string, unknown>[];
}

/** How deep into a resource's inputs documents are looked for (`inlinePolicies[0].policy` is 3 deep). */
const MAX_SEARCH_DEPTH = 4;

/** Every policy document of every resource: role policies, trust policies, key, queue and topic policies, and any other. */
export function policyDocuments(resources: readonly PlannedResource[]): PolicyDocument[] {
    return resources.flatMap((resource) => findDocuments(resource.inputs, "", 0).map(({ path, statements }) => ({ resource, path, statements })));
}

/** Whether an input is a policy document: its JSON has a `Statement` list (or one statement). */
export function asPolicyStatements(value: unknown): Record<string, unknown>[] | undefined {
    const parsed = parseJson(value);
    if (!isRecord(parsed) || !("Statement" in parsed)) return undefined;
    const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    return statements.every(isRecord) ? statements : undefined;
}

function findDocuments(value: unknown, path: string, depth: number): { path: string; statements: Record<string, unknown>[] }[] {
    const statements = path === "" ? undefined : asPolicyStatements(value);
    if (statements !== undefined) return [{ path, statements }];
    if (depth >= MAX_SEARCH_DEPTH) return [];
    if (Array.isArray(value)) return value.flatMap((item, index) => findDocuments(item, `${path}[${index}]`, depth + 1));
    if (!isRecord(value)) return [];
    return Object.entries(value).flatMap(([key, inner]) => findDocuments(inner, path === "" ? key : `${path}.${key}`, depth + 1));
}

/** What a document is, in words: "inline policy of role `x`", "trust policy of role `x`". */
export function documentTitle(document: PolicyDocument, resources: readonly PlannedResource[]): string {
    const { resource, path } = document;
    const name = code(resource.physicalName);
    switch (`${resource.type} ${path}`) {
        case "aws:iam/role:Role assumeRolePolicy":
            return `Trust policy of role ${name}: who may assume it`;
        case "aws:iam/rolePolicy:RolePolicy policy":
            return `Inline policy ${code(resource.name)} of role ${code(roleName(resource.inputs.role, resources))}`;
        case "aws:kms/key:Key policy":
            return `Key policy of KMS key ${code(resource.name)} (\`Resource: *\` is the key itself)`;
        case "aws:sqs/queuePolicy:QueuePolicy policy":
            return `Queue policy of ${code(inline(resource.inputs.queueUrl))}`;
        case "aws:sns/topicPolicy:TopicPolicy policy":
            return `Topic policy of ${code(inline(resource.inputs.arn))}`;
        default:
            return `${code(path)} of ${code(resource.type)} ${code(resource.name)}`;
    }
}

/** A role policy names its role by id, which is the role's name. */
function roleName(role: unknown, resources: readonly PlannedResource[]): string {
    const named = resources.find((resource) => resource.type === "aws:iam/role:Role" && (resource.physicalName === role || resource.arn === role));
    return named?.physicalName ?? inline(role);
}

/** One row per statement: Effect, (Principal,) Action, Resource, Condition; a `Not...` element says so. */
export function statementTable(statements: readonly Record<string, unknown>[]): string[] {
    const withPrincipal = statements.some((statement) => "Principal" in statement || "NotPrincipal" in statement);
    const header = ["#", "Effect", ...(withPrincipal ? ["Principal"] : []), "Action", "Resource", "Condition"];
    const rows = statements.map((statement, index) => [
        `${index + 1}${typeof statement.Sid === "string" && statement.Sid !== "" ? ` ${statement.Sid}` : ""}`,
        String(statement.Effect ?? ""),
        ...(withPrincipal ? [element(statement, "Principal", principals)] : []),
        element(statement, "Action", values),
        element(statement, "Resource", values),
        conditions(statement.Condition),
    ]);
    return table(header, rows);
}

/** `Action` or `NotAction` (and the like), each value in code, one a line. */
function element(statement: Record<string, unknown>, name: string, render: (value: unknown) => string[]): string {
    if (name in statement) return render(statement[name]).join("\n");
    const negated = `Not${name}`;
    if (negated in statement) return [`all but:`, ...render(statement[negated])].join("\n");
    return "";
}

function values(value: unknown): string[] {
    return (Array.isArray(value) ? value : [value]).map((item) => code(typeof item === "string" ? item : JSON.stringify(item)));
}

/** `*`, or `AWS: arn:...:root`, `Service: states.amazonaws.com`. */
function principals(value: unknown): string[] {
    if (!isRecord(value)) return values(value);
    return Object.entries(value).flatMap(([kind, principal]) => values(principal).map((item) => `${kind}: ${item}`));
}

/** `StringEquals aws:SourceAccount = 111111111111`, one condition a line. */
function conditions(value: unknown): string {
    if (!isRecord(value)) return value === undefined ? "" : code(inline(value));
    return Object.entries(value).flatMap(([operator, tests]) => isRecord(tests)
        ? Object.entries(tests).map(([key, expected]) => `${operator} ${code(key)} = ${values(expected).join(", ")}`)
        : [`${operator} ${code(inline(tests))}`]).join("\n");
}
