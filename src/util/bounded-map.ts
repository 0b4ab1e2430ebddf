/**
 * A memo in a Map that is cleared whole once it holds `max` entries: the simplest bound
 * for caches whose entries are cheap to make again (parsed expressions, compiled
 * replacers, label sets' JSON). Clearing rather than evicting one by one keeps a hit to a
 * single Map lookup; after a clear the working set fills it again within a request or two.
 */
export function getOrMake<K, V>(map: Map<K, V>, key: K, max: number, make: (key: K) => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make(key);
    if (map.size >= max) map.clear();
    map.set(key, v);
  }
  return v;
}
