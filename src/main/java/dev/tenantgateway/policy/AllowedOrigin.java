package dev.tenantgateway.policy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@code allow_origins}, parsed once at load: {@code *}, an exact origin, or a pattern whose host has one
 * {@code {tenant}} label. An Origin header is compared as the browser serializes it (RFC 6454: lower-case scheme and
 * host, no default port, no path), so an entry is refused at load unless it is written the same way.
 *
 * <p>Low in the packages on purpose: the reader validates {@code allow_origins} with {@link #parse} (its messages are
 * the config errors) and the cross-origin policy matches with the same parsed entry, so neither imports the other.
 */
public final class AllowedOrigin {

  public static final String TENANT = "{tenant}";
  /** One DNS label: what {@code {tenant}} may stand for. */
  private static final String LABEL = "([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)";

  private final String text;
  private final boolean any;
  /** Null for an exact origin and for {@code *}. */
  private final Pattern pattern;

  private AllowedOrigin(String text, boolean any, Pattern pattern) {
    this.text = text;
    this.any = any;
    this.pattern = pattern;
  }

  /** Parses an entry; an {@link IllegalArgumentException} says what is wrong with it, in words for the config error. */
  public static AllowedOrigin parse(String text) {
    if (text.equals("*")) {
      return new AllowedOrigin(text, true, null);
    }
    if (text.equals("null")) {
      throw new IllegalArgumentException("the 'null' origin is sent by sandboxed documents and file:// pages, which "
          + "any site can create; it cannot be allowed");
    }
    int placeholder = text.indexOf(TENANT);
    boolean braces = placeholder < 0 ? text.indexOf('{') >= 0 || text.indexOf('}') >= 0
        : text.indexOf('{') != placeholder || text.indexOf('}') != placeholder + TENANT.length() - 1
            || text.indexOf('{', placeholder + 1) >= 0 || text.indexOf('}', placeholder + TENANT.length()) >= 0;
    if (braces) {
      throw new IllegalArgumentException("'" + text + "' may hold one {tenant} placeholder and no other braces");
    }
    String sample = placeholder < 0 ? text : text.replace(TENANT, "tenant");
    URI uri;
    try {
      uri = new URI(sample);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not an origin (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
        || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("'" + text + "' is not an origin: it needs http:// or https:// and a host");
    }
    if (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("'" + text + "' has a path; an origin is scheme://host[:port] only"
          + (uri.getRawPath().equals("/") ? " (drop the trailing slash)" : ""));
    }
    if (!sample.equals(sample.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("'" + text + "' has upper-case letters; browsers send origins in lower case");
    }
    int port = uri.getPort();
    if ((port == 443 && scheme.equals("https")) || (port == 80 && scheme.equals("http"))) {
      throw new IllegalArgumentException("'" + text + "' names the default port " + port
          + "; browsers leave it out of the Origin header, so drop :" + port);
    }
    if (placeholder < 0) {
      return new AllowedOrigin(text, false, null);
    }
    String host = uri.getHost();
    int inHost = host.indexOf("tenant");
    int hostStart = text.indexOf("://") + 3;
    boolean wholeLabel = placeholder >= hostStart && placeholder < hostStart + host.length()
        && (placeholder == hostStart || text.charAt(placeholder - 1) == '.')
        && placeholder + TENANT.length() < text.length() && text.charAt(placeholder + TENANT.length()) == '.'
        && inHost >= 0;
    if (!wholeLabel) {
      throw new IllegalArgumentException("in '" + text + "' {tenant} must be a whole label of the host, followed by "
          + "the rest of the domain, such as https://{tenant}.app.example.com");
    }
    String regex = Pattern.quote(text.substring(0, placeholder)) + LABEL
        + Pattern.quote(text.substring(placeholder + TENANT.length()));
    return new AllowedOrigin(text, false, Pattern.compile(regex));
  }

  public boolean isAny() {
    return any;
  }

  public boolean isPattern() {
    return pattern != null;
  }

  /** The exact origin (or the pattern as written). */
  public String text() {
    return text;
  }

  /** For a pattern: the {@code {tenant}} label the origin matched, or null when it does not match. */
  public String tenantOf(String origin) {
    Matcher m = pattern.matcher(origin);
    return m.matches() ? m.group(1) : null;
  }

  @Override
  public String toString() {
    return text;
  }
}
