/** Git synchronisation: definition files in Git repositories published through the Manager. */

export {
  type DefinitionProblem,
  isDefinitionFile,
  type ParsedDefinition,
  type ParsedFile,
  parseDefinitionFile,
  violationProblem,
} from "./definition.js";
export { DEFINITION_API_VERSION, DEFINITION_KIND, DEFINITION_SHAPE } from "./definition-fields.js";
export { redactUrl } from "./git-repository.js";
export { GitSync, type GitSyncDeps } from "./git-sync.js";
export { componentDefinitionSchemaText, SCHEMA_PATH } from "./json-schema.js";
export { RepositorySync, type SyncHooks } from "./repository-sync.js";
export {
  InProcessSyncStateStore,
  type RepositorySyncStatus,
  type SyncFileError,
  type SyncRun,
  type SyncRunCounts,
  type SyncStateStore,
} from "./sync-state.js";
export { formatProblem, type TreeProblem, type TreeReport, validateTree } from "./validate-tree.js";
