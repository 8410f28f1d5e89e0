export type LogFields = Record<string, unknown>;

export interface Logger {
    info(message: string, fields?: LogFields): void;
    warn(message: string, fields?: LogFields): void;
    error(message: string, fields?: LogFields): void;
}

/**
 * One JSON object per line, so CloudWatch Logs Insights can query every field whatever the function's log
 * format, and nested summaries are never cut short the way `console.log(object)` abbreviates them.
 */
export function jsonLogger(context: LogFields, write: (line: string) => void = (line) => console.log(line)): Logger {
    const emit = (level: string, message: string, fields?: LogFields) =>
        write(JSON.stringify({ level, message, ...context, ...fields }));
    return {
        info: (message, fields) => emit("INFO", message, fields),
        warn: (message, fields) => emit("WARN", message, fields),
        error: (message, fields) => emit("ERROR", message, fields),
    };
}
