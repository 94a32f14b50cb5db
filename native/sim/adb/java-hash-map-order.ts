/**
 * The order in which a java.util.HashMap (OpenJDK 8, Android 7+) iterates its keys.
 *
 * Why: a provider query without a projection returns the columns of its projection map in the
 * map's iteration order (SQLiteQueryBuilder.computeProjection walks mProjectionMap.entrySet()),
 * and the projection maps are HashMaps. So a real phone prints `content query` columns in this
 * hash order, not in the order the source lists them; the simulator does the same.
 *
 * A HashMap's iteration goes bucket by bucket (index = spread(hashCode) & (capacity - 1)), and
 * within a bucket in insertion order (resizing splits buckets keeping that order). The capacity
 * starts at `initialCapacity` and doubles while size > 0.75 × capacity. Tree bins (8+ keys in one
 * bucket) are not modelled; projection maps never come close.
 */
export function javaHashMapIterationOrder(insertionOrder: readonly string[], initialCapacity = 16): string[] {
  const keys = [...new Set(insertionOrder)]; // a second put of a key keeps its first place
  let capacity = initialCapacity;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucketOf = (key: string) => spread(javaStringHashCode(key)) & (capacity - 1);
  return keys
    .map((key, insertedAt) => ({ key, bucket: bucketOf(key), insertedAt }))
    .sort((a, b) => a.bucket - b.bucket || a.insertedAt - b.insertedAt)
    .map(({ key }) => key);
}

/** The capacity `new HashMap<>(otherMap)` starts with for a map of `size` entries. */
export function copiedHashMapCapacity(size: number): number {
  let capacity = 1;
  while (capacity < Math.floor(size / 0.75 + 1)) capacity *= 2;
  return Math.max(capacity, 1);
}

/** String.hashCode: s[0]·31^(n−1) + … + s[n−1] over UTF-16 code units, as a 32-bit int. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** HashMap.hash: the high half folded into the low half. */
function spread(hash: number): number {
  return (hash ^ (hash >>> 16)) >>> 0;
}
