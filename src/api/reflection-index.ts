/**
 * The lookups server reflection answers from, built once: serialized
 * FileDescriptorProtos by file name, and the file that declares each symbol.
 *
 * The descriptors are the ones protoc-gen-es embeds. They lack comments
 * (source_code_info) but keep everything a client needs to build requests:
 * fileDesc() restores `dependency` and the json_name that the embedding
 * strips, and options (e.g. idempotency_level) are kept as compiled.
 */
import { create, createFileRegistry, type DescFile, toBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";

export interface ReflectionIndex {
  /** The named file first, then its transitive imports, each once; undefined if unknown. */
  fileWithDependencies(fileName: string): Uint8Array[] | undefined;
  /** Same, for the file declaring a fully-qualified symbol (leading dot optional). */
  fileContainingSymbol(symbol: string): Uint8Array[] | undefined;
  fileContainingExtension(extendee: string, fieldNumber: number): Uint8Array[] | undefined;
  /** Extension field numbers declared for a message; undefined if the message is unknown. */
  extensionNumbersOf(messageName: string): number[] | undefined;
}

export function buildReflectionIndex(roots: Iterable<DescFile>): ReflectionIndex {
  // Re-reading the files through createFileRegistry validates them as one
  // set (names, imports) before any client sees them.
  const registry = createFileRegistry(
    create(FileDescriptorSetSchema, { file: importsFirst(roots).map((file) => file.proto) }),
  );

  const serialized = new Map<string, Uint8Array>();
  const imports = new Map<string, string[]>();
  const fileOfSymbol = new Map<string, string>();
  const extensions = new Map<string, Map<number, string>>();
  const messages = new Set<string>();

  for (const file of registry.files) {
    const fileName = file.proto.name;
    serialized.set(fileName, toBinary(FileDescriptorProtoSchema, file.proto));
    imports.set(fileName, [...file.proto.dependency]);
    const declared = declarationsOf(file.proto);
    for (const symbol of declared.symbols) if (!fileOfSymbol.has(symbol)) fileOfSymbol.set(symbol, fileName);
    for (const message of declared.messages) messages.add(message);
    for (const { extendee, fieldNumber } of declared.extensions) {
      const byNumber = extensions.get(extendee) ?? new Map<number, string>();
      byNumber.set(fieldNumber, fileName);
      extensions.set(extendee, byNumber);
    }
  }

  const withDependencies = (fileName: string): Uint8Array[] | undefined => {
    if (!serialized.has(fileName)) return undefined;
    const order: string[] = [];
    const seen = new Set<string>();
    const queue = [fileName];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      order.push(name);
      queue.push(...(imports.get(name) ?? []));
    }
    return order.flatMap((name) => serialized.get(name) ?? []);
  };

  return {
    fileWithDependencies: withDependencies,
    fileContainingSymbol(symbol) {
      const file = fileOfSymbol.get(stripLeadingDot(symbol));
      return file === undefined ? undefined : withDependencies(file);
    },
    fileContainingExtension(extendee, fieldNumber) {
      const file = extensions.get(stripLeadingDot(extendee))?.get(fieldNumber);
      return file === undefined ? undefined : withDependencies(file);
    },
    extensionNumbersOf(messageName) {
      const name = stripLeadingDot(messageName);
      if (!messages.has(name)) return undefined;
      return [...(extensions.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
  };
}

interface Declarations {
  /** Fully-qualified names of everything the file declares, members included. */
  symbols: string[];
  messages: string[];
  extensions: Array<{ extendee: string; fieldNumber: number }>;
}

/**
 * Walks the FileDescriptorProto rather than the Desc* objects, because those
 * hide synthetic declarations such as map entry messages.
 */
function declarationsOf(file: FileDescriptorProto): Declarations {
  const found: Declarations = { symbols: [], messages: [], extensions: [] };
  const addExtension = (scope: string, extension: FieldDescriptorProto) => {
    found.symbols.push(qualify(scope, extension.name));
    found.extensions.push({ extendee: stripLeadingDot(extension.extendee), fieldNumber: extension.number });
  };
  const addEnum = (scope: string, enumType: EnumDescriptorProto) => {
    found.symbols.push(qualify(scope, enumType.name));
    // Enum values are scoped as siblings of their enum (C++ scoping rules).
    for (const value of enumType.value) found.symbols.push(qualify(scope, value.name));
  };
  const addMessage = (scope: string, message: DescriptorProto) => {
    const name = qualify(scope, message.name);
    found.messages.push(name);
    found.symbols.push(name);
    for (const field of message.field) found.symbols.push(`${name}.${field.name}`);
    for (const oneof of message.oneofDecl) found.symbols.push(`${name}.${oneof.name}`);
    for (const nested of message.nestedType) addMessage(name, nested);
    for (const nested of message.enumType) addEnum(name, nested);
    for (const nested of message.extension) addExtension(name, nested);
  };

  for (const service of file.service) {
    const name = qualify(file.package, service.name);
    found.symbols.push(name);
    for (const method of service.method) found.symbols.push(`${name}.${method.name}`);
  }
  for (const message of file.messageType) addMessage(file.package, message);
  for (const enumType of file.enumType) addEnum(file.package, enumType);
  for (const extension of file.extension) addExtension(file.package, extension);
  return found;
}

/** Every file reachable from `roots`, each once, imports before importers. */
function importsFirst(roots: Iterable<DescFile>): DescFile[] {
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile) => {
    if (seen.has(file.proto.name)) return;
    seen.add(file.proto.name);
    file.dependencies.forEach(visit);
    ordered.push(file);
  };
  for (const root of roots) visit(root);
  return ordered;
}

function qualify(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}

function stripLeadingDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}
