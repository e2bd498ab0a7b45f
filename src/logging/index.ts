/**
 * The one logger: structured JSON lines on stderr (or readable text for a
 * terminal). Fields are merged into each line; `child` adds fields such as a
 * request id. Secrets never go in fields.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /**
   * Whether lines at `level` are written. Optional: callers that would build
   * fields only for a line nobody sees ask first; absent means "assume yes".
   */
  enabled?(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "text";
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const min = RANK[options.level];
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const record = { time: new Date().toISOString(), level, msg: message, ...base, ...fields };
    if (options.format === "json") {
      write(JSON.stringify(record, errorReplacer));
    } else {
      const extra = { ...base, ...fields };
      const tail = Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra, errorReplacer)}` : "";
      write(`${record.time} ${level.toUpperCase().padEnd(5)} ${message}${tail}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
    enabled: (level) => RANK[level] >= min,
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** A logger that drops everything, for tests that do not read logs. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
  enabled: () => false,
};
