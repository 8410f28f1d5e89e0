import { GetParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { UNSET_SNAPSHOT } from "./settings";

/** GetParameters accepts at most ten names a call. */
const NAMES_PER_CALL = 10;

/** The SSM parameters a run reads and writes, with the value each had when the run read it. */
export interface ParameterStore {
    /**
     * Reads the named parameters in one pass: a `required` parameter that does not exist fails the run with its
     * name; an `optional` one that does not exist is left out of the map.
     */
    read(required: readonly string[], optional?: readonly string[]): Promise<Map<string, string>>;
    write(name: string, value: string): Promise<void>;
}

export function ssmParameterStore(client: SSMClient): ParameterStore {
    return {
        async read(required, optional = []) {
            const values = new Map<string, string>();
            const unique = [...new Set([...required, ...optional])];
            const missing: string[] = [];
            for (let start = 0; start < unique.length; start += NAMES_PER_CALL) {
                const response = await client.send(new GetParametersCommand({ Names: unique.slice(start, start + NAMES_PER_CALL) }));
                for (const parameter of response.Parameters ?? []) {
                    if (parameter.Name !== undefined && parameter.Value !== undefined) values.set(parameter.Name, parameter.Value);
                }
                missing.push(...(response.InvalidParameters ?? []).filter((name) => required.includes(name)));
            }
            if (missing.length > 0) {
                throw new Error(
                    `SSM parameter(s) ${missing.join(", ")} do not exist in this account and Region: ` +
                    "they are created by the SnapshotRefresh component; run pulumi up for this stack.",
                );
            }
            return values;
        },
        async write(name, value) {
            await client.send(new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true }));
        },
    };
}

/** A parameter write that a dry run reports instead of making. */
export interface ParameterWrite {
    parameter: string;
    value: string;
    /** What it names now; absent while it names no snapshot. */
    before?: string;
}

/** A snapshot parameter's value, or undefined while it still holds the placeholder Pulumi created it with. */
export function snapshotValue(value: string | undefined): string | undefined {
    return value === undefined || value === UNSET_SNAPSHOT || value.trim() === "" ? undefined : value;
}
