package dev.tenantgateway.compile;

import dev.tenantgateway.config.ClaimsConfig;
import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.tenant.ClaimPath;
import dev.tenantgateway.tenant.ClaimValues;
import dev.tenantgateway.tenant.Condition;
import dev.tenantgateway.tenant.Memberships;
import dev.tenantgateway.tenant.RoleTemplate;
import dev.tenantgateway.tenant.Shape;
import dev.tenantgateway.tenant.TenantClaim;

import java.util.List;
import java.util.regex.Pattern;

/**
 * An issuer's {@link ClaimsConfig} (validated by the reader, presets already expanded) becomes the runtime
 * {@link ClaimMapping}: claim paths parsed, regular expressions compiled, role templates expanded. Done once per load;
 * the model was checked, so nothing here fails on a configuration the reader accepted.
 */
public final class ClaimsCompiler {

  private ClaimsCompiler() {
  }

  public static ClaimMapping compile(ClaimsConfig claims) {
    List<Shape> shapes = claims.shapes().stream().map(ClaimsCompiler::shape).toList();
    return new ClaimMapping(shapes, template(claims.template()), claims.authorizedParties(), claims.payloadTypes());
  }

  static RoleTemplate template(ClaimsConfig.Template template) {
    if (template == null) {
      return null;
    }
    return template.none() ? RoleTemplate.NONE : new RoleTemplate(template.roles());
  }

  static Shape shape(ClaimsConfig.Shape s) {
    return new Shape(condition(s.when()), paths(s.user()), tenant(s.tenant()), memberships(s.memberships()),
        values(s.roles()), values(s.permissions()), values(s.appRoles()));
  }

  static Condition condition(ClaimsConfig.Condition when) {
    return when == null ? null
        : new Condition(ClaimPath.parse(when.claim()), Condition.Kind.valueOf(when.kind().name()), when.values());
  }

  static TenantClaim tenant(ClaimsConfig.TenantField t) {
    return t == null ? null : new TenantClaim(paths(t.paths()), t.prefix(), t.suffix(), path(t.idField()));
  }

  static ClaimValues values(ClaimsConfig.Values v) {
    return new ClaimValues(paths(v.paths()), v.firstPresent(), ClaimValues.Split.valueOf(v.split().name()),
        v.dropOidcScopes(), v.keepPrefix(), v.keepPattern() == null ? null : Pattern.compile(v.keepPattern()),
        v.stripPrefix(), v.addPrefix(), v.global(),
        v.decoder() == null ? null : ClaimValues.Decoder.valueOf(v.decoder().name()));
  }

  static Memberships memberships(ClaimsConfig.Memberships m) {
    if (m == null) {
      return null;
    }
    if (m instanceof ClaimsConfig.Memberships.Store) {
      return new Memberships.Store();
    }
    if (m instanceof ClaimsConfig.Memberships.RoleMap r) {
      return new Memberships.RoleMap(ClaimPath.parse(r.path()));
    }
    if (m instanceof ClaimsConfig.Memberships.Pairs p) {
      return pairs(p);
    }
    if (m instanceof ClaimsConfig.Memberships.Joined j) {
      return new Memberships.Joined(memberships(j.members()), pairs(j.roles()));
    }
    ClaimsConfig.Memberships.Entries e = (ClaimsConfig.Memberships.Entries) m;
    return new Memberships.Entries(ClaimPath.parse(e.path()), path(e.idField()), values(e.roles()),
        values(e.permissions()), e.valueIsRoles());
  }

  private static Memberships.Pairs pairs(ClaimsConfig.Memberships.Pairs p) {
    return new Memberships.Pairs(ClaimPath.parse(p.path()),
        p.pattern() != null ? Pattern.compile(p.pattern()) : Memberships.Pairs.separatedBy(p.separator()));
  }

  private static List<ClaimPath> paths(List<String> texts) {
    return texts.stream().map(ClaimPath::parse).toList();
  }

  private static ClaimPath path(String text) {
    return text == null ? null : ClaimPath.parse(text);
  }
}
