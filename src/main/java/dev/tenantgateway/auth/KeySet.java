package dev.tenantgateway.auth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys an issuer currently signs with, immutable. Keys are found by algorithm and {@code kid}: a token with a
 * {@code kid} is checked against the keys with that {@code kid} (or, when none has it, the keys that have no
 * {@code kid}, as a PEM key has none); a token without one against every key of its algorithm. All of them belong
 * to the same issuer: keys of different issuers never share a set.
 */
public final class KeySet {

  public static final KeySet EMPTY = new KeySet(List.of(), Set.of());

  private final List<SigningKey> keys;
  private final Map<String, List<SigningKey>> byKid;
  private final List<SigningKey> withoutKid;
  /** What the keys were built from, to tell whether a refetch changed anything. */
  private final Set<String> source;

  KeySet(List<SigningKey> keys, Set<String> source) {
    this.keys = List.copyOf(keys);
    this.source = Set.copyOf(source);
    Map<String, List<SigningKey>> index = new HashMap<>();
    List<SigningKey> unkeyed = new ArrayList<>();
    for (SigningKey key : keys) {
      if (key.kid() == null) {
        unkeyed.add(key);
      } else {
        index.computeIfAbsent(key.kid(), k -> new ArrayList<>()).add(key);
      }
    }
    index.replaceAll((kid, list) -> List.copyOf(list));
    this.byKid = Map.copyOf(index);
    this.withoutKid = List.copyOf(unkeyed);
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  public int size() {
    return keys.size();
  }

  /** The keys that may have signed a token with this {@code kid} (nullable) and {@code alg}. */
  List<SigningKey> candidates(String kid, String alg) {
    List<SigningKey> pool = kid == null ? keys : byKid.getOrDefault(kid, withoutKid);
    if (pool.size() == 1) {
      return pool.get(0).alg().equals(alg) ? pool : List.of();
    }
    List<SigningKey> matching = new ArrayList<>(pool.size());
    for (SigningKey key : pool) {
      if (key.alg().equals(alg)) {
        matching.add(key);
      }
    }
    return matching;
  }

  boolean contains(SigningKey key) {
    List<SigningKey> pool = key.kid() == null ? withoutKid : byKid.get(key.kid());
    if (pool != null) {
      for (SigningKey candidate : pool) {
        if (candidate == key) {
          return true;
        }
      }
    }
    return false;
  }

  boolean sameSourceAs(KeySet other) {
    return source.equals(other.source);
  }
}
