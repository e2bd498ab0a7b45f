/** The providers of a component's stored versions, for publisher scope checks. */
import type { Manager } from "../../catalog/manager.js";

const PAGE_SIZE = 1000;
const MAX_PAGES = 100;

export function storedProviders(manager: Manager): (name: string) => Promise<string[]> {
  return async (name) => {
    const providers = new Set<string>();
    let pageToken = "";
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await manager.listVersions(name, { pageSize: PAGE_SIZE, pageToken });
      for (const component of result.items) providers.add(component.provider);
      if (result.nextPageToken === "") break;
      pageToken = result.nextPageToken;
    }
    return [...providers];
  };
}
