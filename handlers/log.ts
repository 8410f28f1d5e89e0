export type LogFields = Record<string, unknown>;

export type LogLevel = "info" | "warn" | "error";

export interface Logger {
    info(event: string, fields?: LogFields): void;
    warn(event: string, fields?: LogFields): void;
    error(event: string, fields?: LogFields): void;
}

/** One log entry: what happened (`event`), the function's context and the event's own fields. */
export type LogEntry = { event: string } & LogFields;

export type LogWriter = (level: LogLevel, entry: LogEntry) => void;

/**
 * Hands each entry to the console as one object. With the function's JSON log format, Lambda's Node.js runtime
 * writes a lone object argument as the `message` of its JSON log line, nested and whole, under the level of the
 * console method, so Logs Insights can query every field (`message.engines.documentdb.copy.outcome`).
 */
const consoleWriter: LogWriter = (level, entry) => console[level](entry);

export function jsonLogger(context: LogFields, write: LogWriter = consoleWriter): Logger {
    const emit = (level: LogLevel) => (event: string, fields?: LogFields) => write(level, { event, ...context, ...fields });
    return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}
