import { GetParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { UNSET_SNAPSHOT } from "./settings";

/** GetParameters accepts at most ten names a call. */
const NAMES_PER_CALL = 10;

/** The SSM parameters a run reads and writes, with the value each had when the run read it. */
export interface ParameterStore {
    /** Reads the named parameters; a parameter that does not exist fails the run with its name. */
    read(names: readonly string[]): Promise<Map<string, string>>;
    write(name: string, value: string): Promise<void>;
}

export function ssmParameterStore(client: SSMClient): ParameterStore {
    return {
        async read(names) {
            const values = new Map<string, string>();
            const unique = [...new Set(names)];
            for (let start = 0; start < unique.length; start += NAMES_PER_CALL) {
                const response = await client.send(new GetParametersCommand({ Names: unique.slice(start, start + NAMES_PER_CALL) }));
                for (const parameter of response.Parameters ?? []) {
                    if (parameter.Name !== undefined && parameter.Value !== undefined) values.set(parameter.Name, parameter.Value);
                }
                if (response.InvalidParameters?.length) {
                    throw new Error(
                        `SSM parameter(s) ${response.InvalidParameters.join(", ")} do not exist in this account and Region: ` +
                        "they are created by the SnapshotRefresh component; run pulumi up for this stack.",
                    );
                }
            }
            return values;
        },
        async write(name, value) {
            await client.send(new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true }));
        },
    };
}

/** A snapshot parameter's value, or undefined while it still holds the placeholder Pulumi created it with. */
export function snapshotValue(value: string | undefined): string | undefined {
    return value === undefined || value === UNSET_SNAPSHOT || value.trim() === "" ? undefined : value;
}
