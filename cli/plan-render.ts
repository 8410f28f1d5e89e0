import { relative } from "node:path";
import { cycleTimesSection, timedStacks } from "./plan-cycles";
import { code, fenced, inline, isRecord, plural, table } from "./plan-format";
import { documentTitle, policyDocuments, statementTable } from "./plan-iam";
import { AUTONAME_SUFFIX, PLACEHOLDER_KEY_ID } from "./plan-mocks";
import { PlannedResource, StackRun } from "./plan-program";
import { DeployingAccount, fileName, Project } from "./plan-project";
import { keySettings } from "./plan-resources";
import { PairedStack, ReferenceAnswer } from "./plan-stacks";
import { mermaidDiagram, plainText } from "./plan-state-machine";
import { formatLocalTime } from "./status-time";

/** Everything one plan shows: the stack's run, how its unknowns were answered, the stacks it pairs with. */
export interface PlanInput {
    project: Project;
    run: StackRun;
    account: DeployingAccount;
    references: ReferenceAnswer[];
    paired: PairedStack[];
    /** What "next" means for the cycle times. */
    now: Date;
}

/** The plan as Markdown, to read in a terminal or paste into a pull request. */
export function renderPlan(input: PlanInput): string {
    const { run } = input;
    const { stacks, failures } = timedStacks(run, input.paired);
    return [
        ...header(input),
        ...resourcesSection(run.resources),
        ...iamSection(run.resources),
        ...stateMachineSection(run.resources),
        ...cycleTimesSection(stacks, failures, input.now),
        ...parametersSection(run.resources),
        ...outputsSection(run.outputs),
    ].join("\n");
}

function header({ project, run, account, references, now }: PlanInput): string[] {
    const stack = run.file.stack;
    const custom = run.resources.filter((resource) => resource.custom);
    const createsKey = custom.some((resource) => resource.type === "aws:kms/key:Key");
    const autonamed = custom.some((resource) => resource.physicalName.endsWith(`-${AUTONAME_SUFFIX}`));
    const facts: string[][] = [
        ["project", `${code(project.name)}, program ${code(relative(project.directory, project.programPath))}`],
        ["stack file", code(fileName(run.file))],
        ["Region", code(run.environment.region)],
        ["account", `${code(account.accountId)}: ${account.source}`],
        ...references.map((reference) => [`stack ${code(reference.stack)}`, reference.source]),
        ...(autonamed ? [[`names ending in ${code(`-${AUTONAME_SUFFIX}`)}`, "Pulumi adds a random suffix when it creates them"]] : []),
        ...(createsKey ? [[`key id ${code(PLACEHOLDER_KEY_ID)}`, "the id AWS gives the KMS key this stack creates"]] : []),
        ...tagFacts(custom),
    ];
    return [
        `# Offline plan: stack ${code(stack)}`,
        "",
        `> **This is an offline rendering of what \`pulumi up\` would create for stack ${code(stack)}, not a preview against the account.** ` +
        `The project's program ran with ${code(fileName(run.file))}'s configuration, with the Pulumi engine and AWS mocked: no credentials, ` +
        "no Pulumi CLI, nothing read from the account. It cannot know what exists there already, so it lists every resource as new; " +
        `\`pulumi preview --stack ${stack}\` shows what would change. What only the account or the Pulumi service knows is shown as below.`,
        "",
        ...table(["", "in this plan"], facts),
        "",
        `Rendered ${formatLocalTime(now, "UTC")} UTC. ${plural(custom.length, "resource")} in ${plural(run.resources.length - custom.length, "component")}.`,
        "",
    ];
}

/** Tags are the same on every taggable resource: listed once. */
function tagFacts(resources: readonly PlannedResource[]): string[][] {
    const tagSets = new Set(resources.map((resource) => resource.inputs.tags).filter((tags) => isRecord(tags) && Object.keys(tags).length > 0).map((tags) => JSON.stringify(tags)));
    return [...tagSets].map((tags) => ["tags", Object.entries(JSON.parse(tags) as Record<string, unknown>).map(([key, value]) => code(`${key}=${String(value)}`)).join(", ")]);
}

// ---------------------------------------------------------------------------------------------------------
// Resources, by the component that creates them

function resourcesSection(resources: readonly PlannedResource[]): string[] {
    const lines = ["## Resources", "", ...table(["type", "count"], typeCounts(resources)), ""];
    const components = resources.filter((resource) => !resource.custom);
    const groups: [PlannedResource | undefined, PlannedResource[]][] = [
        [undefined, resources.filter((resource) => resource.custom && resource.parent === undefined)],
        ...components.map((component): [PlannedResource, PlannedResource[]] =>
            [component, resources.filter((resource) => resource.custom && resource.parent === component.key)]),
    ];
    for (const [component, members] of groups) {
        if (members.length === 0) continue;
        lines.push(component === undefined ? "### At the stack's root" : `### ${componentPath(component, resources)}`, "");
        for (const resource of members) {
            lines.push(`- **${code(resource.name)}** ${code(resource.type)}`);
            for (const [label, value] of keySettings(resource)) lines.push(`  - ${label}: ${value}`);
        }
        lines.push("");
    }
    return lines;
}

function typeCounts(resources: readonly PlannedResource[]): string[][] {
    const counts = new Map<string, number>();
    for (const resource of resources.filter((candidate) => candidate.custom)) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
    return [...counts].map(([type, count]) => [code(type), String(count)]);
}

/** "`snapshot-refresh` SnapshotRefresh › `snapshot-refresh-update` LambdaFunction" */
function componentPath(component: PlannedResource, resources: readonly PlannedResource[]): string {
    const path: PlannedResource[] = [];
    for (let current: PlannedResource | undefined = component; current !== undefined; current = resources.find((resource) => resource.key === current?.parent)) {
        path.unshift(current);
    }
    return path.map((part) => `${code(part.name)} ${part.type.split(":").pop() ?? part.type}`).join(" › ");
}

// ---------------------------------------------------------------------------------------------------------
// IAM

function iamSection(resources: readonly PlannedResource[]): string[] {
    const documents = policyDocuments(resources);
    const lines = [
        "## IAM statements",
        "",
        `Every statement of every policy the stack creates: ${plural(documents.length, "document")}, ` +
        `${plural(documents.reduce((sum, document) => sum + document.statements.length, 0), "statement")}.`,
        "",
    ];
    for (const document of documents) lines.push(`### ${documentTitle(document, resources)}`, "", ...statementTable(document.statements), "");
    return lines;
}

// ---------------------------------------------------------------------------------------------------------
// State machines

function stateMachineSection(resources: readonly PlannedResource[]): string[] {
    const machines = resources.filter((resource) => resource.type === "aws:sfn/stateMachine:StateMachine");
    const lines: string[] = [];
    for (const machine of machines) {
        lines.push(`## State machine ${code(machine.physicalName)}`, "");
        try {
            lines.push(...fenced("mermaid", mermaidDiagram(machine.inputs.definition)), "", ...fenced("text", plainText(machine.inputs.definition)), "");
        } catch (error) {
            lines.push(`Its definition cannot be drawn (${error instanceof Error ? error.message : String(error)}):`, "", ...fenced("json", inline(machine.inputs.definition)), "");
        }
    }
    return lines;
}

// ---------------------------------------------------------------------------------------------------------
// Parameters and outputs

function parametersSection(resources: readonly PlannedResource[]): string[] {
    const parameters = resources.filter((resource) => resource.type === "aws:ssm/parameter:Parameter");
    if (parameters.length === 0) return [];
    return [
        "## SSM parameters",
        "",
        ...table(["name", "type", "value when created", "on a later `pulumi up`"], parameters.map((parameter) => [
            code(parameter.physicalName),
            inline(parameter.inputs.type),
            code(inline(parameter.inputs.value)),
            parameter.ignoreChanges.includes("value") ? "value left as it is" : "value set again",
        ])),
        "",
    ];
}

function outputsSection(outputs: Record<string, unknown>): string[] {
    const lines = ["## Stack outputs", "", "What `pulumi stack output` would show once `pulumi up` has run.", ""];
    for (const [name, value] of Object.entries(outputs)) {
        if (typeof value === "string" && !value.includes("\n")) lines.push(`- ${code(name)}: ${code(value)}`);
        else if (typeof value === "string") lines.push(`- ${code(name)}:`, "", ...fenced("sh", value).map((line) => `  ${line}`), "");
        else if (isCommands(value)) lines.push(`- ${code(name)}:`, "", ...fenced("sh", commandList(value)).map((line) => `  ${line}`), "");
        else if (typeof value === "object" && value !== null) lines.push(`- ${code(name)}:`, "", ...fenced("json", JSON.stringify(value, undefined, 2)).map((line) => `  ${line}`), "");
        else lines.push(`- ${code(name)}: ${code(inline(value))}`);
    }
    lines.push("");
    return lines;
}

/** An output that maps names to command lines (the operator commands): shown as a script to copy from. */
function isCommands(value: unknown): value is Record<string, string> {
    return isRecord(value) && Object.keys(value).length > 0 && Object.values(value).every((command) => typeof command === "string" && /\s/.test(command));
}

function commandList(commands: Record<string, string>): string {
    return Object.entries(commands).map(([name, command]) => `# ${name}\n${command}`).join("\n");
}
