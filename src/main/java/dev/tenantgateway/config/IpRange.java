package dev.tenantgateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address or network in CIDR notation ({@code 10.0.0.0/8}, {@code ::1}), parsed once at load time. */
public record IpRange(byte[] network, int prefixLength, String text) {

  public static IpRange parse(String cidr) {
    String trimmed = cidr.trim();
    int slash = trimmed.indexOf('/');
    String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
    if (address.isEmpty() || !address.matches("[0-9A-Fa-f:.]+")) {
      throw new IllegalArgumentException("'" + cidr + "' is not an IP address or network");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress(); // literal only: no name lookup for these characters
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + cidr + "' is not an IP address or network");
    }
    int prefix = bytes.length * 8;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(trimmed.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + cidr + "' has a malformed prefix length");
      }
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new IllegalArgumentException("'" + cidr + "' has a prefix length out of range");
      }
    }
    return new IpRange(bytes, prefix, trimmed);
  }

  /** Whether a literal address (as a peer address is reported) falls in this range. */
  public boolean contains(String literalAddress) {
    if (literalAddress == null) {
      return false;
    }
    int zone = literalAddress.indexOf('%');
    String address = zone < 0 ? literalAddress : literalAddress.substring(0, zone);
    if (!address.matches("[0-9A-Fa-f:.]+")) {
      return false; // never a host name: resolving one would block
    }
    byte[] candidate;
    try {
      candidate = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      return false;
    }
    if (candidate.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (candidate[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    return text;
  }
}
