import { createHash } from "node:crypto";
import { EngineName } from "../handlers/engines";

/**
 * `<instance>-<suffix>`, as AWS names functions and state machines (letters, digits, hyphens, underscores),
 * within `maxLength`. A name too long keeps the suffix people search for and shortens the instance part,
 * which then carries a hash of the whole instance name, so two instances never get the same name.
 */
export function instanceResourceName(instance: string, suffix: string, maxLength: number): string {
    const cleaned = instance.replace(/[^A-Za-z0-9_-]+/g, "-");
    const full = `${cleaned}-${suffix}`;
    if (full.length <= maxLength) return full;
    const hash = createHash("sha256").update(instance).digest("hex").slice(0, 6);
    const room = maxLength - suffix.length - hash.length - 2;
    return `${cleaned.slice(0, Math.max(room, 0)).replace(/-+$/, "")}-${hash}-${suffix}`;
}

/** The component's name in this project's program (index.ts): every resource and parameter is named after it. */
export const PROGRAM_INSTANCE_NAME = "snapshot-refresh";

/** Step Functions' limit on a state machine's name. */
export const MAX_STATE_MACHINE_NAME_LENGTH = 80;

/** How each side names its cycle: the state machine `<instance>-<cycleLabel>`, its scheduled executions `<prefix>-<date>`. */
export const CYCLE_NAMING = {
    refresh: { cycleLabel: "refresh-cycle", executionNamePrefix: "cycle" },
    share: { cycleLabel: "share-cycle", executionNamePrefix: "share" },
} as const;

/** The SSM parameter names of one engine. */
export interface EngineParameterNames {
    /** The newest snapshot a restore can use, written by db-update-latest-snapshot-id. */
    readonly latest: string;
    /** The snapshot the main pipeline restores from, written by db-restore-from-snapshot or an operator. */
    readonly current: string;
}

/** The names the pipeline and operators know an engine's parameters by: `<prefix><engine>_latest_snapshot_id`. */
export function engineParameterNames(prefix: string, engine: EngineName): EngineParameterNames {
    return { latest: `${prefix}${engine}_latest_snapshot_id`, current: `${prefix}${engine}_current_snapshot_id` };
}

/** The parameter that holds the main pipeline's name: `<prefix>main_cicd_name`. */
export function pipelineParameterName(prefix: string): string {
    return `${prefix}main_cicd_name`;
}
