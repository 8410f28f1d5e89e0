/**
 * The KMS keys of the simulated accounts, as far as cluster snapshots depend on them: which account owns a key,
 * whether it is the AWS-managed `aws/rds` key (whose policy nobody can change, so it never serves another
 * account), and which other accounts its key policy lets use it. IAM policies are not simulated: an account a
 * key policy allows is taken to let its roles use the key.
 */
import {
    ACCEPTANCE_ACCOUNT,
    ACCEPTANCE_KMS_KEY_ARN,
    accountOfArn,
    awsManagedRdsKeyArn,
    PRODUCTION_ACCOUNT,
    PRODUCTION_KMS_KEY_ARN,
    STRANGER_ACCOUNT,
    STRANGER_KMS_KEY_ARN,
} from "./accounts";

/** The alias AWS gives each account's managed key for RDS (and DocumentDB). */
export const AWS_MANAGED_RDS_ALIAS = "alias/aws/rds";

/**
 * What another account needs from a key policy to copy or restore a snapshot encrypted with the key: RDS
 * decrypts the data and creates a grant for the new snapshot in the caller's name.
 */
export const CROSS_ACCOUNT_KEY_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:CreateGrant"];

export interface KmsKey {
    arn: string;
    account: string;
    /** The account's `aws/rds` key: usable by its own account only. */
    awsManaged: boolean;
    /** Alias names (`alias/...`) that resolve to the key in its account. */
    aliases: readonly string[];
    /** Other accounts the key policy lets use the key. */
    usableBy: ReadonlySet<string>;
}

export interface NewKey {
    arn: string;
    awsManaged?: boolean;
    aliases?: readonly string[];
    usableBy?: readonly string[];
}

/** A key policy as JSON declares it: one statement or a list, principals as one value or a list. */
export interface KeyPolicyDocument {
    Version?: string;
    Statement: KeyPolicyStatement | KeyPolicyStatement[];
}

export interface KeyPolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export class KmsKeys {
    private readonly keys = new Map<string, KmsKey>();

    register(key: NewKey): KmsKey {
        const account = accountOfArn(key.arn);
        if (account === undefined || !/^arn:aws:kms:[^:]+:\d{12}:key\/[^/]+$/.test(key.arn)) throw new Error(`${key.arn} is not a KMS key ARN`);
        if (this.keys.has(key.arn)) throw new Error(`${key.arn} is already registered`);
        const registered: KmsKey = {
            arn: key.arn,
            account,
            awsManaged: key.awsManaged ?? false,
            aliases: key.aliases ?? (key.awsManaged ? [AWS_MANAGED_RDS_ALIAS] : []),
            // An AWS-managed key's policy allows its own account alone, whatever one asks for.
            usableBy: new Set(key.awsManaged ? [] : (key.usableBy ?? []).filter((other) => other !== account)),
        };
        this.keys.set(key.arn, registered);
        return registered;
    }

    /** Registers a customer-managed key with the accounts its key policy lets use it. */
    registerFromPolicy(arn: string, policy: KeyPolicyDocument | string, aliases: readonly string[] = []): KmsKey {
        return this.register({ arn, aliases, usableBy: accountsAllowedByPolicy(policy) });
    }

    /** PutKeyPolicy, as `pulumi up` does when the policy changes: from now on exactly the accounts it allows. */
    putKeyPolicy(arn: string, policy: KeyPolicyDocument | string): KmsKey {
        const key = this.keys.get(arn);
        if (key === undefined) throw new Error(`${arn} is not a registered key`);
        if (key.awsManaged) throw new Error(`${arn} is AWS-managed: its key policy cannot be changed`);
        const updated = { ...key, usableBy: new Set(accountsAllowedByPolicy(policy).filter((other) => other !== key.account)) };
        this.keys.set(arn, updated);
        return updated;
    }

    byArn(arn: string): KmsKey | undefined {
        return this.keys.get(arn);
    }

    /**
     * The key a `KmsKeyId` parameter names, as RDS resolves it for `account`: a key ARN, an alias ARN, or, in the
     * caller's own account, a key id or an alias name.
     */
    resolve(reference: string, account: string): KmsKey | undefined {
        const aliasArn = /^arn:aws:kms:[^:]+:(\d{12}):(alias\/.+)$/.exec(reference);
        if (aliasArn) return this.byAlias(aliasArn[1], aliasArn[2]);
        if (reference.startsWith("arn:")) return this.byArn(reference);
        if (reference.startsWith("alias/")) return this.byAlias(account, reference);
        return [...this.keys.values()].find((key) => key.account === account && key.arn.endsWith(`:key/${reference}`));
    }

    /** Whether `account` may use the key: its own keys always, another account's when the key policy says so. */
    isUsableBy(key: KmsKey, account: string): boolean {
        return key.account === account || key.usableBy.has(account);
    }

    private byAlias(account: string, alias: string): KmsKey | undefined {
        return [...this.keys.values()].find((key) => key.account === account && key.aliases.includes(alias));
    }
}

/**
 * The accounts a key policy lets use the key for snapshots: principals naming an account (`<id>` or
 * `arn:aws:iam::<id>:root`) granted every one of {@link CROSS_ACCOUNT_KEY_ACTIONS} by Allow statements and denied
 * none by Deny statements. Conditions are not evaluated: RDS's grants satisfy `kms:GrantIsForAWSResource`.
 * Principals that name a role or `*` do not count: they give no account as such the key.
 */
export function accountsAllowedByPolicy(policy: KeyPolicyDocument | string): string[] {
    const document = typeof policy === "string" ? (JSON.parse(policy) as KeyPolicyDocument) : policy;
    const statements = asList(document.Statement);
    const accounts = new Set(statements.flatMap((statement) => principalAccounts(statement)));
    return [...accounts].filter((account) => CROSS_ACCOUNT_KEY_ACTIONS.every((action) =>
        statements.some((statement) => statement.Effect === "Allow" && grants(statement, account, action)) &&
        !statements.some((statement) => statement.Effect === "Deny" && grants(statement, account, action))));
}

function grants(statement: KeyPolicyStatement, account: string, action: string): boolean {
    return principalAccounts(statement).includes(account) && asList(statement.Action).some((pattern) => actionMatches(pattern, action));
}

function principalAccounts(statement: KeyPolicyStatement): string[] {
    const principal = statement.Principal;
    if (principal === undefined || principal === "*") return [];
    return asList(principal.AWS).flatMap((value) => {
        const match = /^(?:arn:aws:iam::)?(\d{12})(?::root)?$/.exec(value);
        return match ? [match[1]] : [];
    });
}

/** IAM action patterns: case-insensitive, `*` for any run of characters. */
function actionMatches(pattern: string, action: string): boolean {
    const expression = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    return new RegExp(`^${expression}$`, "i").test(action);
}

function asList<T>(value: T | T[] | undefined): T[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * The keys the simulated accounts start with: each account's `aws/rds` key, production's key (its policy lets
 * acceptance use it, as production set it up to share encrypted snapshots), acceptance's key for its copies,
 * and the stranger's key, which it lets acceptance use so that nothing but snapshot-refresh's own rules keeps
 * the stranger's snapshots out.
 */
export function simulatedAccountKeys(): KmsKeys {
    const keys = new KmsKeys();
    for (const account of [PRODUCTION_ACCOUNT, ACCEPTANCE_ACCOUNT, STRANGER_ACCOUNT]) keys.register({ arn: awsManagedRdsKeyArn(account), awsManaged: true });
    keys.register({ arn: PRODUCTION_KMS_KEY_ARN, usableBy: [ACCEPTANCE_ACCOUNT] });
    keys.register({ arn: ACCEPTANCE_KMS_KEY_ARN });
    keys.register({ arn: STRANGER_KMS_KEY_ARN, usableBy: [ACCEPTANCE_ACCOUNT] });
    return keys;
}
