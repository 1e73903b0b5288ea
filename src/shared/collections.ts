/** Small collection helpers shared by server and web. */

/** The map's value at `key`; when it has none, `make()` is stored there first (grouping rows). */
export function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
