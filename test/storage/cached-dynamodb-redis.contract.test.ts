// One file per cache mode so the two slow moto runs can go in parallel.
import { defineCachedDynamoContract } from "./dynamodb.harness.js";

defineCachedDynamoContract("redis");
