/**
 * A component's deployment (engine, engine version, config) and its Git
 * source (repository without credentials, commit, path).
 */
import { REASONS } from "../../errors/index.js";
import {
  checkFinite,
  checkMaxChars,
  checkString,
  checkToken,
  describeJsonType,
  isPlainObject,
  LIMITS,
  type Violations,
  violation,
} from "./checks.js";
import { jsonDepth, sizeOver } from "./sizes.js";

const COMMIT_HASH = /^[0-9a-f]{7,64}$/;

export function checkDeployment(out: Violations, field: string, deployment: unknown): void {
  if (!isPlainObject(deployment)) {
    return violation(
      out,
      field,
      REASONS.required,
      `deployment is required (an object with engine, engineVersion and config)`,
    );
  }
  checkToken(out, `${field}.engine`, deployment.engine, "deployment engine");
  if (deployment.engineVersion !== undefined) {
    checkMaxChars(out, `${field}.engineVersion`, deployment.engineVersion, LIMITS.engineVersionLength, "engineVersion");
  }
  const config = deployment.config;
  if (config === undefined) return;
  if (!isPlainObject(config)) {
    return violation(
      out,
      `${field}.config`,
      REASONS.jsonObject,
      `config must be a JSON object, got ${describeJsonType(config)}`,
    );
  }
  const depth = jsonDepth(config, LIMITS.configDepth);
  if (depth > LIMITS.configDepth) {
    return violation(
      out,
      `${field}.config`,
      REASONS.maxDepth,
      `config must be nested at most ${LIMITS.configDepth} levels deep`,
    );
  }
  checkFinite(out, `${field}.config`, config);
  const size = sizeOver(config, LIMITS.configBytes);
  if (size.over) {
    violation(
      out,
      `${field}.config`,
      REASONS.maxSize,
      `config must serialize to at most ${LIMITS.configBytes} bytes of JSON, ` +
        `got ${size.bytes ?? "an unserializable value"}`,
    );
  }
}

/**
 * True when `repository` is a URL carrying credentials: a password in the
 * user info of any scheme (`https://user:token@host`), or any user info at
 * all in an http(s) URL, where a bare user name is usually an access token.
 * `ssh://git@host/...` and scp-like `git@host:org/repo` stay allowed.
 */
export function hasCredentials(repository: string): boolean {
  const url = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(repository);
  if (!url) return false;
  const authority = url[2]!;
  const at = authority.lastIndexOf("@");
  if (at === -1) return false;
  const userInfo = authority.slice(0, at);
  return userInfo.includes(":") || /^https?$/i.test(url[1]!);
}

export function checkSource(out: Violations, field: string, source: unknown): void {
  if (source === undefined) return;
  if (!isPlainObject(source)) {
    return violation(out, field, REASONS.wrongType, `source must be an object, got ${describeJsonType(source)}`);
  }
  const { repository, commit, path } = source;
  if (repository !== undefined && checkString(out, `${field}.repository`, repository, "repository")) {
    if (repository.length > LIMITS.repositoryLength) {
      violation(
        out,
        `${field}.repository`,
        REASONS.maxLength,
        `repository must be at most ${LIMITS.repositoryLength} characters, got ${repository.length}`,
      );
    } else if (hasCredentials(repository)) {
      violation(
        out,
        `${field}.repository`,
        REASONS.credentialsInUrl,
        "repository URL must not contain credentials (user:password@ or a token as user name); " +
          "configure Git credentials outside the catalog",
      );
    }
  }
  if (
    commit !== undefined &&
    checkString(out, `${field}.commit`, commit, "commit") &&
    commit !== "" &&
    !COMMIT_HASH.test(commit)
  ) {
    violation(
      out,
      `${field}.commit`,
      REASONS.commitHash,
      `commit "${commit}" must be a lower-case hexadecimal hash of 7 to 64 characters`,
    );
  }
  if (path !== undefined) checkMaxChars(out, `${field}.path`, path, LIMITS.sourcePathLength, "source path");
}
