import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { awsErrorName } from "./errors";

/**
 * A pause stops every cycle from changing what the main pipeline restores from (on the acceptance side) or what
 * production shares (on the production side), without a deployment: one SSM parameter per instance, written by
 * the operator with one command, optionally with an expiry. `snapshot-refresh:paused` in the stack config is the
 * deployed pause: it disables the schedule, and the functions honour it too.
 */

/** The parameter's value when nothing is paused; Pulumi creates it with this value. */
export const NOT_PAUSED = "none";
/** The parameter's value for a pause without an end. */
export const PAUSED_INDEFINITELY = "indefinitely";

/** The SSM parameter that pauses an instance: `/snapshot-refresh/<instance>/paused-until`. */
export function pauseParameterName(instanceName: string): string {
    return `/snapshot-refresh/${instanceName}/paused-until`;
}

/** The commands that pause and resume an instance, as the README, the outputs and the messages print them. */
export function pauseCommands(instanceName: string): { pause: string; pauseUntil: string; resume: string } {
    const put = (value: string) => `aws ssm put-parameter --overwrite --name ${pauseParameterName(instanceName)} --value ${value}`;
    return { pause: put(PAUSED_INDEFINITELY), pauseUntil: put("2027-01-04T06:00:00Z"), resume: put(NOT_PAUSED) };
}

export type PauseState =
    | { paused: false; /** An expiry that has passed: said in the run's summary, so an operator sees the pause ended. */ expired?: string }
    | { paused: true; /** Why, and until when, in words. */ reason: string; /** Absent for a pause without an end. */ until?: string };

/**
 * Whether an instance is paused now: by its stack config, or by its pause parameter until the time it names.
 * A value that is neither `none`, `indefinitely` nor a time keeps the instance paused: a mistyped expiry must not
 * end a release freeze.
 */
export function pauseState(pausedByConfig: boolean, parameterValue: string | undefined, instanceName: string, now: Date): PauseState {
    const resume = pauseCommands(instanceName).resume;
    if (pausedByConfig) {
        return { paused: true, reason: "paused by the stack configuration (snapshot-refresh:paused is true); to resume, " +
            "pulumi config set snapshot-refresh:paused false and pulumi up" };
    }
    const value = parameterValue?.trim();
    if (value === undefined || value === "" || value === NOT_PAUSED) return { paused: false };
    const parameter = pauseParameterName(instanceName);
    if (value === PAUSED_INDEFINITELY) return { paused: true, reason: `paused indefinitely by ${parameter}; to resume: ${resume}` };
    const until = parsePauseEnd(value);
    if (until === undefined) {
        return {
            paused: true,
            reason: `paused: ${parameter} is ${JSON.stringify(value)}, which is not ${NOT_PAUSED}, ${PAUSED_INDEFINITELY} or a time ` +
                `such as 2027-01-04T06:00:00Z; to resume: ${resume}`,
        };
    }
    if (now >= until) return { paused: false, expired: `the pause by ${parameter} ended at ${until.toISOString()}` };
    return { paused: true, until: until.toISOString(), reason: `paused until ${until.toISOString()} by ${parameter}; to resume now: ${resume}` };
}

/** `2027-01-04` (midnight UTC) or an ISO 8601 time with its offset. */
function parsePauseEnd(value: string): Date | undefined {
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
    if (!dateOnly && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
    const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
    return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The pause parameter's value, or undefined when it does not exist (a stack deployed before pausing existed). */
export async function readPauseValue(ssm: SSMClient, parameterName: string): Promise<string | undefined> {
    try {
        return (await ssm.send(new GetParameterCommand({ Name: parameterName }))).Parameter?.Value;
    } catch (error) {
        if (awsErrorName(error) === "ParameterNotFound") return undefined;
        throw error;
    }
}

/** What a run's summary says about the instance's pause. */
export interface PauseReport {
    /** Why the instance is paused (so the run changed nothing it would change), and how to resume it. */
    paused?: string;
    /** A pause whose end has passed: said once it is over, so an operator sees the instance runs again. */
    pauseEnded?: string;
}

export function pauseReport(state: PauseState): PauseReport {
    if (state.paused) return { paused: state.reason };
    return state.expired === undefined ? {} : { pauseEnded: state.expired };
}
