import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENGINE_NAMES, EngineName, isEngineName } from "../handlers/engines";
import { snapshotValue } from "../handlers/refresh/parameters";
import { ConfigError } from "./config-error";
import { engineParameterNames } from "./names";

/**
 * Where `currentSnapshot` finds an engine's `current` parameter: by the prefix the SnapshotRefresh stack was
 * given, or by the parameter's name as that stack outputs it. Not both.
 */
export type CurrentSnapshotSource =
    | {
          /** The `parameterPrefix` the SnapshotRefresh stack of this account was given. Default: empty. */
          readonly parameterPrefix?: string;
          readonly parameterName?: never;
      }
    | {
          /**
           * The parameter's full name, e.g. the refresh stack's output `parameterNames.<engine>.current` read
           * through a `pulumi.StackReference`.
           */
          readonly parameterName: pulumi.Input<string>;
          readonly parameterPrefix?: never;
      };

/**
 * The snapshot (identifier or ARN) an engine's databases are to be restored from: the value of its `current`
 * SSM parameter (`<parameterPrefix><engine>_current_snapshot_id`) in the account and Region the program deploys
 * to, or undefined while no snapshot has been chosen yet (`none`). For the main pipeline's own program: give
 * the result to a cluster's `snapshotIdentifier`. `opts` selects the provider (account, Region) to read with.
 */
export function currentSnapshot(engine: EngineName, source: CurrentSnapshotSource = {}, opts?: pulumi.InvokeOptions): pulumi.Output<string | undefined> {
    if (!isEngineName(engine)) {
        throw new ConfigError("currentSnapshot's engine", `must be one of ${ENGINE_NAMES.join(", ")}`, engine, 'currentSnapshot("aurora")');
    }
    const name = source.parameterName ?? engineParameterNames(source.parameterPrefix ?? "", engine).current;
    return pulumi.output(name).apply(async (parameterName) => {
        try {
            // insecureValue: a snapshot name is no secret, and a plain value lets previews show which one is restored.
            const parameter = await aws.ssm.getParameter({ name: parameterName, withDecryption: false }, opts);
            return snapshotValue(parameter.insecureValue);
        } catch (error) {
            throw parameterReadError(engine, parameterName, source, error);
        }
    });
}

/** A failed read, with what to check when the parameter does not exist where the program looked. */
function parameterReadError(engine: EngineName, parameterName: string, source: CurrentSnapshotSource, cause: unknown): Error {
    const reason = cause instanceof Error ? cause.message : String(cause);
    if (!/ParameterNotFound/.test(reason)) {
        return new Error(`Cannot read the ${engine} snapshot to restore from, SSM parameter ${parameterName}: ${reason}`, { cause });
    }
    const lookedUp = source.parameterName !== undefined ? "the parameterName given" : `parameterPrefix ${JSON.stringify(source.parameterPrefix ?? "")}`;
    return new Error(
        `SSM parameter ${parameterName} (${engine}'s current snapshot, from ${lookedUp}) does not exist in the account and Region ` +
            "this program deploys to. The SnapshotRefresh stack of this account creates it: deploy that stack with the engine " +
            `${engine}, and give currentSnapshot the parameterPrefix that stack has, or its output parameterNames.${engine}.current as parameterName.`,
        { cause },
    );
}
