/**
 * SSM Parameter Store for both accounts: each account's String parameters with versions, answering GetParameters,
 * GetParameter and PutParameter as the SDK returns them. Every version is kept, with who wrote it, for the
 * invariants. What the invariants and the tests read is the acceptance account's, unless they name another.
 */
import { GetParameterResult, GetParametersResult, Parameter, PutParameterResult } from "@aws-sdk/client-ssm";
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

export interface GetParameterRequest {
    Name?: string;
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
    /** Per account, each parameter's versions, oldest first. */
    private readonly accounts = new Map<string, Map<string, ParameterVersion[]>>();

    constructor(private readonly timeline: Timeline) {}

    getParameters(caller: Caller, request: GetParametersRequest): GetParametersResult {
        const names = request.Names ?? [];
        if (names.length < 1 || names.length > MAX_NAMES) {
            throw ssmError("ValidationException", `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and ${MAX_NAMES}`);
        }
        const parameters: Parameter[] = [];
        const invalid: string[] = [];
        for (const name of new Set(names)) {
            const parameter = this.described(caller.account, name);
            if (parameter === undefined) invalid.push(name);
            else parameters.push(parameter);
        }
        return { Parameters: parameters, InvalidParameters: invalid };
    }

    /** One parameter; a name that does not exist fails with ParameterNotFound, as SSM answers it. */
    getParameter(caller: Caller, request: GetParameterRequest): GetParameterResult {
        const parameter = this.described(caller.account, request.Name ?? "");
        if (parameter === undefined) throw ssmError("ParameterNotFound", `Parameter ${request.Name ?? ""} not found.`);
        return { Parameter: parameter };
    }

    putParameter(caller: Caller, request: PutParameterRequest): PutParameterResult {
        const name = request.Name ?? "";
        const value = request.Value ?? "";
        if (name === "" || value === "") throw ssmError("ValidationException", "Parameter name and value must not be empty");
        const store = this.store(caller.account);
        const history = store.get(name);
        if (history !== undefined && request.Overwrite !== true) {
            throw ssmError("ParameterAlreadyExists", `The parameter already exists. To overwrite this value, set the overwrite option in the request to true.`);
        }
        const version = (history?.[history.length - 1].version ?? 0) + 1;
        const entry = { value, version, modifiedAt: this.timeline.now(), modifiedBy: caller.label };
        if (history === undefined) store.set(name, [entry]);
        else history.push(entry);
        return { Version: version, Tier: "Standard" };
    }

    latest(name: string, account = ACCEPTANCE_ACCOUNT): ParameterVersion | undefined {
        const history = this.store(account).get(name);
        return history?.[history.length - 1];
    }

    value(name: string, account = ACCEPTANCE_ACCOUNT): string | undefined {
        return this.latest(name, account)?.value;
    }

    history(name: string, account = ACCEPTANCE_ACCOUNT): readonly ParameterVersion[] {
        return this.store(account).get(name) ?? [];
    }

    /** Every parameter's current value and version: what "changes nothing" is compared on. */
    state(account = ACCEPTANCE_ACCOUNT): Record<string, { value: string; version: number }> {
        return Object.fromEntries([...this.store(account).entries()].map(([name, history]) => {
            const latest = history[history.length - 1];
            return [name, { value: latest.value, version: latest.version }];
        }));
    }

    private store(account: string): Map<string, ParameterVersion[]> {
        let store = this.accounts.get(account);
        if (store === undefined) this.accounts.set(account, (store = new Map()));
        return store;
    }

    private described(account: string, name: string): Parameter | undefined {
        const latest = this.latest(name, account);
        if (latest === undefined) return undefined;
        return {
            Name: name,
            Type: "String",
            Value: latest.value,
            Version: latest.version,
            LastModifiedDate: latest.modifiedAt,
            ARN: `arn:aws:ssm:${REGION}:${account}:parameter/${name.replace(/^\//, "")}`,
            DataType: "text",
        };
    }
}
