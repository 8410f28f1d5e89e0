/**
 * A stack or component setting that cannot work. The message always names the setting, the value that was
 * given and a value that would be accepted, so the fix is obvious from the error alone.
 */
export class ConfigError extends Error {
    constructor(
        /** The setting at fault, as the user wrote it: `snapshot-refresh:engines[1].kmsKeyArn`, `cadence`. */
        readonly key: string,
        /** What is wrong with the value, as a sentence fragment: "is not a 12-digit AWS account id". */
        readonly problem: string,
        /** The value that was given, if any. */
        readonly value: unknown,
        /** A value that would be accepted, shown to the user as an example. */
        readonly example: string,
    ) {
        const given = value === undefined ? "nothing was set" : `got ${JSON.stringify(value)}`;
        super(`${key} ${problem} (${given}). Example: ${example}`);
        this.name = "ConfigError";
    }

    /** The same error for a setting read from stack configuration, whose keys carry a namespace. */
    withKeyPrefix(prefix: string): ConfigError {
        return prefix === "" ? this : new ConfigError(`${prefix}${this.key}`, this.problem, this.value, this.example);
    }
}
