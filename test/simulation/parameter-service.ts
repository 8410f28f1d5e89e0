/**
 * SSM Parameter Store for the acceptance account: String parameters with versions, answering GetParameters and
 * PutParameter as the SDK returns them. Every version is kept, with who wrote it, for the invariants.
 */
import { GetParametersResult, Parameter, PutParameterResult } from "@aws-sdk/client-ssm";
import { ACCEPTANCE_ACCOUNT, Caller, REGION } from "./accounts";
import { ssmError } from "./aws-errors";
import { Timeline } from "./timeline";

export interface ParameterVersion {
    value: string;
    version: number;
    modifiedAt: Date;
    modifiedBy: string;
}

export interface GetParametersRequest {
    Names?: string[];
    WithDecryption?: boolean;
}

export interface PutParameterRequest {
    Name?: string;
    Value?: string;
    Type?: string;
    Overwrite?: boolean;
}

/** GetParameters takes at most ten names a call. */
const MAX_NAMES = 10;

export class ParameterService {
    private readonly versions = new Map<string, ParameterVersion[]>();

    constructor(private readonly timeline: Timeline) {}

    getParameters(request: GetParametersRequest): GetParametersResult {
        const names = request.Names ?? [];
        if (names.length < 1 || names.length > MAX_NAMES) {
            throw ssmError("ValidationException", `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and ${MAX_NAMES}`);
        }
        const parameters: Parameter[] = [];
        const invalid: string[] = [];
        for (const name of new Set(names)) {
            const latest = this.latest(name);
            if (latest === undefined) {
                invalid.push(name);
                continue;
            }
            parameters.push({
                Name: name,
                Type: "String",
                Value: latest.value,
                Version: latest.version,
                LastModifiedDate: latest.modifiedAt,
                ARN: parameterArn(name),
                DataType: "text",
            });
        }
        return { Parameters: parameters, InvalidParameters: invalid };
    }

    putParameter(caller: Caller, request: PutParameterRequest): PutParameterResult {
        const name = request.Name ?? "";
        const value = request.Value ?? "";
        if (name === "" || value === "") throw ssmError("ValidationException", "Parameter name and value must not be empty");
        const history = this.versions.get(name);
        if (history !== undefined && request.Overwrite !== true) {
            throw ssmError("ParameterAlreadyExists", `The parameter already exists. To overwrite this value, set the overwrite option in the request to true.`);
        }
        const version = (history?.[history.length - 1].version ?? 0) + 1;
        const entry = { value, version, modifiedAt: this.timeline.now(), modifiedBy: caller.label };
        if (history === undefined) this.versions.set(name, [entry]);
        else history.push(entry);
        return { Version: version, Tier: "Standard" };
    }

    latest(name: string): ParameterVersion | undefined {
        const history = this.versions.get(name);
        return history?.[history.length - 1];
    }

    value(name: string): string | undefined {
        return this.latest(name)?.value;
    }

    history(name: string): readonly ParameterVersion[] {
        return this.versions.get(name) ?? [];
    }

    /** Every parameter's current value and version: what "changes nothing" is compared on. */
    state(): Record<string, { value: string; version: number }> {
        return Object.fromEntries([...this.versions.entries()].map(([name, history]) => {
            const latest = history[history.length - 1];
            return [name, { value: latest.value, version: latest.version }];
        }));
    }
}

function parameterArn(name: string): string {
    return `arn:aws:ssm:${REGION}:${ACCEPTANCE_ACCOUNT}:parameter/${name.replace(/^\//, "")}`;
}
