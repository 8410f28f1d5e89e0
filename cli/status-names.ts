import { CYCLE_NAMING } from "../components/names";
import { StackRole } from "../components/stack-config";
import { REFRESH_FUNCTION_LABELS } from "../handlers/refresh/lambda";
import { SHARE_FUNCTION_LABELS } from "../handlers/share/lambda";

/** How each role's component names its cycle, as SnapshotRefresh and SnapshotShare pass it to their Cycle. */
export interface CycleNames {
    role: StackRole;
    /** What the stack is, for the heading. */
    description: string;
    /** The state machine's name is `<instance>-<cycleLabel>`. */
    cycleLabel: string;
    /** Scheduled executions are named `<prefix>-<local date>` (`<prefix>-<UTC minute>Z` for a cron(...) or rate(...) cadence). */
    executionNamePrefix: string;
    /** The schedule invokes the function `<instance>-<starterLabel>`. */
    starterLabel: string;
}

export const CYCLE_NAMES: Readonly<Record<StackRole, CycleNames>> = {
    refresh: {
        role: "refresh",
        description: "restored from production's shared snapshots",
        ...CYCLE_NAMING.refresh,
        starterLabel: REFRESH_FUNCTION_LABELS.starter,
    },
    share: {
        role: "share",
        description: "production: shares its clusters' snapshots",
        ...CYCLE_NAMING.share,
        starterLabel: SHARE_FUNCTION_LABELS.starter,
    },
};
