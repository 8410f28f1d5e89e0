import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT_ID, mocks, REGION } from "../components/pulumi-mocks";

const GET_PARAMETER = "aws:ssm/getParameter:getParameter";

/** Every getParameter invoke the mocked engine answered, in order. */
export interface ParameterReads {
    /** The `name` of each read. */
    readonly names: string[];
    /** Whether each read asked for decryption. */
    readonly decrypted: boolean[];
}

/**
 * Makes the shared mocks answer `aws:ssm/getParameter` from `values` (by name), as the AWS provider does: a
 * name not in `values` fails the invoke with the provider's ParameterNotFound error, one whose value is an
 * Error fails it with that error. Every other call still goes to the shared mocks. `stop` ends it.
 */
export function answerParameterReads(values: Record<string, string | Error>): { reads: ParameterReads; stop: () => void } {
    const reads: ParameterReads = { names: [], decrypted: [] };
    const sharedCall = mocks.call.bind(mocks);
    mocks.call = (args: pulumi.runtime.MockCallArgs) => {
        if (args.token !== GET_PARAMETER) return sharedCall(args);
        const name = args.inputs.name as string;
        reads.names.push(name);
        reads.decrypted.push(args.inputs.withDecryption !== false);
        const value = values[name];
        if (value instanceof Error) throw value;
        if (value === undefined) {
            throw providerFailure(`invocation of ${GET_PARAMETER} returned an error: reading SSM Parameter (${name}): operation error SSM: GetParameter, https response error StatusCode: 400, ParameterNotFound: `);
        }
        const arn = `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/${name.replace(/^\//, "")}`;
        return { arn, id: name, name, type: "String", value, insecureValue: value, version: 1, region: REGION, withDecryption: false };
    };
    // The class's own method takes over again once the instance's is gone.
    return { reads, stop: () => Reflect.deleteProperty(mocks, "call") };
}

/**
 * A provider's failed invoke as the engine reports it: an RPC error, whose details the SDK makes the message of
 * the error the program sees (a plain Error's message would be lost).
 */
export function providerFailure(details: string): Error {
    return Object.assign(new Error(details), { details });
}
