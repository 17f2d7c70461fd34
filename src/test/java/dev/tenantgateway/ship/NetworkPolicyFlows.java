package dev.tenantgateway.ship;

import java.util.List;
import java.util.Map;

/**
 * Decides whether a rendered NetworkPolicy lets one connection through, with the API's semantics: a connection is
 * allowed when some rule matches both its peer (no peers: any; namespaceSelector and podSelector in one peer: both;
 * podSelector alone: the policy's namespace; ipBlock: the address, minus its exceptions) and its port (no ports: any;
 * a named port is the container port of that name on the destination pod).
 */
@SuppressWarnings("unchecked")
final class NetworkPolicyFlows {

  /** Who is on the other side of the connection: a pod (namespace and labels) or an address outside the cluster. */
  record Peer(String namespace, Map<String, String> podLabels, String ip) {

    static Peer pod(String namespace, Map<String, String> labels) {
      return new Peer(namespace, labels, null);
    }

    static Peer address(String ip) {
      return new Peer(null, null, ip);
    }

    Map<String, String> namespaceLabels() {
      return Map.of("kubernetes.io/metadata.name", namespace);
    }
  }

  private final Map<String, Object> policy;
  private final String namespace;
  private final Map<String, Integer> namedPorts;

  /** @param namedPorts the gateway pod's container ports by name */
  NetworkPolicyFlows(Map<String, Object> policy, Map<String, Integer> namedPorts) {
    this.policy = policy;
    this.namespace = ApiModels.at(policy, "metadata", "namespace") instanceof String ns ? ns : "edge";
    this.namedPorts = namedPorts;
  }

  boolean allowsIn(Peer from, int port, String protocol) {
    return allows("ingress", "from", from, port, protocol);
  }

  boolean allowsOut(Peer to, int port, String protocol) {
    return allows("egress", "to", to, port, protocol);
  }

  private boolean allows(String direction, String peersKey, Peer peer, int port, String protocol) {
    List<Map<String, Object>> rules = ApiModels.at(policy, "spec", direction);
    if (rules == null) {
      return false;
    }
    for (Map<String, Object> rule : rules) {
      List<Map<String, Object>> peers = (List<Map<String, Object>>) rule.get(peersKey);
      List<Map<String, Object>> ports = (List<Map<String, Object>>) rule.get("ports");
      boolean peerMatches = peers == null || peers.isEmpty() || peers.stream().anyMatch(p -> matches(p, peer));
      boolean portMatches = ports == null || ports.isEmpty()
          || ports.stream().anyMatch(p -> matches(p, port, protocol, direction.equals("ingress")));
      if (peerMatches && portMatches) {
        return true;
      }
    }
    return false;
  }

  private boolean matches(Map<String, Object> rulePeer, Peer peer) {
    Map<String, Object> ipBlock = ApiModels.at(rulePeer, "ipBlock");
    if (ipBlock != null) {
      if (peer.ip() == null || !inCidr(peer.ip(), (String) ipBlock.get("cidr"))) {
        return false;
      }
      List<String> except = ApiModels.at(ipBlock, "except");
      return except == null || except.stream().noneMatch(cidr -> inCidr(peer.ip(), cidr));
    }
    if (peer.namespace() == null) {
      return false; // selectors choose pods, never outside addresses
    }
    Map<String, Object> namespaceSelector = ApiModels.at(rulePeer, "namespaceSelector");
    Map<String, Object> podSelector = ApiModels.at(rulePeer, "podSelector");
    boolean namespaceMatches = namespaceSelector == null ? peer.namespace().equals(namespace)
        : selects(namespaceSelector, peer.namespaceLabels());
    boolean podMatches = podSelector == null || selects(podSelector, peer.podLabels());
    return namespaceMatches && podMatches;
  }

  private boolean matches(Map<String, Object> rulePort, int port, String protocol, boolean toThisPod) {
    String ruleProtocol = rulePort.get("protocol") == null ? "TCP" : (String) rulePort.get("protocol");
    if (!ruleProtocol.equals(protocol)) {
      return false;
    }
    Object value = rulePort.get("port");
    if (value == null) {
      return true;
    }
    if (value instanceof String name) {
      // a named port is resolved on the destination pod: ours for ingress; this test's peers name none
      return toThisPod && Integer.valueOf(port).equals(namedPorts.get(name));
    }
    int first = ((Number) value).intValue();
    int last = rulePort.get("endPort") instanceof Number end ? end.intValue() : first;
    return port >= first && port <= last;
  }

  static boolean selects(Map<String, Object> selector, Map<String, String> labels) {
    Map<String, String> matchLabels = ApiModels.at(selector, "matchLabels");
    if (matchLabels != null && !matchLabels.entrySet().stream()
        .allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
      return false;
    }
    List<Map<String, Object>> expressions = ApiModels.at(selector, "matchExpressions");
    if (expressions != null) {
      for (Map<String, Object> expression : expressions) {
        String value = labels.get((String) expression.get("key"));
        List<String> values = (List<String>) expression.get("values");
        boolean ok = switch ((String) expression.get("operator")) {
          case "In" -> value != null && values.contains(value);
          case "NotIn" -> value == null || !values.contains(value);
          case "Exists" -> value != null;
          case "DoesNotExist" -> value == null;
          default -> throw new IllegalArgumentException("operator " + expression.get("operator"));
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  static boolean inCidr(String ip, String cidr) {
    String[] parts = cidr.split("/");
    int bits = Integer.parseInt(parts[1]);
    long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
    return (ipv4(ip) & mask) == (ipv4(parts[0]) & mask);
  }

  private static long ipv4(String ip) {
    long value = 0;
    for (String octet : ip.split("\\.")) {
      value = value << 8 | Integer.parseInt(octet);
    }
    return value;
  }
}
