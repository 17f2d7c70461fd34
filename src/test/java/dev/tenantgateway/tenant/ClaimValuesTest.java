package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Field reading: which paths, which values, and the transforms in their documented order. */
class ClaimValuesTest {

  static final JsonObject CLAIMS = new JsonObject("""
      {
        "scope": "openid profile email offline_access organization organization:acme projects:read https://api.example.com/invoices.read",
        "roles": ["Tenant Admin", "viewer", ""],
        "role": "Tenant Admin",
        "per": "read, manage,,",
        "empty": [],
        "o": {"rol": "admin"}
      }
      """);

  static ClaimValues field(String paths, boolean first, ClaimValues.Split split, boolean drop, String keepPrefix,
                           String keepPattern, String strip, String add) {
    List<ClaimPath> parsed = java.util.Arrays.stream(paths.split(";")).map(ClaimPath::parse).toList();
    return new ClaimValues(parsed, first, split, drop, keepPrefix, keepPattern == null ? null : Pattern.compile(keepPattern),
        strip, add, false, null);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "scope split on spaces, OIDC scopes dropped|scope|false|SPACE|true|||||projects:read;https://api.example.com/invoices.read",
      "OIDC scopes kept when asked|scope|false|SPACE|false|||||openid;profile;email;offline_access;organization;organization:acme;projects:read;https://api.example.com/invoices.read",
      "array items are never split|roles|false|SPACE|true|||||Tenant Admin;viewer",
      "a string kept whole|role|false|NONE|true|||||Tenant Admin",
      "a string split on white space|role|false|SPACE|true|||||Tenant;Admin",
      "a comma list|per|false|COMMA|true|||||read;manage",
      "keep by prefix, strip it, add another|scope|false|SPACE|true|https://api.example.com/||https://api.example.com/|api:|api:invoices.read",
      "keep by pattern|scope|false|SPACE|true||[a-z]+:[a-z]+|||projects:read",
      "strip only where present, then add|o.rol;role|false|NONE|true|||org:|org:|org:admin;org:Tenant Admin",
      "all paths joined|empty;o.rol;role|false|NONE|true|||||admin;Tenant Admin",
      "the first present path wins, even when empty|empty;o.rol;role|true|NONE|true|||||",
      "the first present path wins|missing;o.rol;role|true|NONE|true|||||admin",
  })
  void readsAndTransformsInOrder(String name, String paths, boolean first, ClaimValues.Split split, boolean drop,
                                 String keepPrefix, String keepPattern, String strip, String add, String expected) {
    List<String> values = field(paths, first, split, drop, keepPrefix, keepPattern, strip, add).read(CLAIMS);
    assertEquals(expected == null ? List.of() : List.of(expected.split(";")), values, name);
  }

  @Test
  void clerkFeaturePermissionsAreDecodedAsClerksSdkDoes() {
    JsonObject v2 = new JsonObject().put("v", 2).put("fea", "o:invoices,u:profile,o:billing,uo:reports")
        .put("o", new JsonObject().put("id", "org_1").put("per", "read,create,manage").put("fpm", "3,4,5"));
    // invoices: 3 = read, create; billing: 4 = manage; reports: 5 = read, manage
    assertEquals(List.of("org:invoices:read", "org:invoices:create", "org:billing:manage", "org:reports:read",
        "org:reports:manage"), ClaimValues.clerkOrgPermissions(v2));
    assertEquals(List.of(), ClaimValues.clerkOrgPermissions(new JsonObject().put("o", new JsonObject().put("id", "x"))));
    JsonObject malformed = v2.copy();
    malformed.getJsonObject("o").put("fpm", "x,1");
    assertEquals(List.of("org:billing:read"), ClaimValues.clerkOrgPermissions(malformed), "a malformed mask grants nothing");
  }

  @Test
  void conditionsHoldForAnyItemOfAnArray() {
    ClaimPath gty = ClaimPath.parse("gty");
    Condition absent = new Condition(gty, Condition.Kind.ABSENT, Set.of());
    Condition cc = new Condition(gty, Condition.Kind.EQUALS, Set.of("client-credentials"));
    assertTrue(cc.holds(new JsonObject().put("gty", new JsonArray().add("client-credentials"))), "any item of an array");
    assertTrue(new Condition(ClaimPath.parse("v"), Condition.Kind.EQUALS, Set.of("2")).holds(new JsonObject().put("v", 2)));
    assertTrue(absent.holds(new JsonObject()));
  }

  @Test
  void membershipsReadListsSingleIdsMapsAndIdFields() {
    Memberships.Entries byAlias = new Memberships.Entries(ClaimPath.parse("organization"), null, ClaimValues.NONE,
        ClaimValues.NONE, false);
    assertEquals(List.of("acme"), List.copyOf(byAlias.read(new JsonObject().put("organization", "acme")).keySet()));
    assertEquals(List.of("acme", "startup"), List.copyOf(byAlias.read(new JsonObject()
        .put("organization", new JsonArray().add("acme").add("startup"))).keySet()));
    Memberships.Entries byId = new Memberships.Entries(ClaimPath.parse("organization"), ClaimPath.parse("id"),
        ClaimValues.NONE, ClaimValues.NONE, false);
    Map<String, Memberships.Membership> read = byId.read(new JsonObject().put("organization", new JsonObject()
        .put("acme", new JsonObject().put("id", "7a1c")).put("startup", new JsonObject())));
    assertEquals(List.of("7a1c", "startup"), List.copyOf(read.keySet()), "the id when the entry has one");
    assertEquals("acme", read.get("7a1c").key());
    Memberships joined = new Memberships.Joined(byId, new Memberships.Pairs(ClaimPath.parse("groups"),
        Pattern.compile("^/(?<tenant>[^/]+)/(?<role>[^/]+)$")));
    Map<String, Memberships.Membership> withRoles = joined.read(new JsonObject()
        .put("organization", new JsonObject().put("acme", new JsonObject().put("id", "7a1c")))
        .put("groups", new JsonArray().add("/acme/admin").add("/globex/admin").add("/7a1c/viewer").add("admin")));
    assertEquals(List.of("7a1c"), List.copyOf(withRoles.keySet()), "a group never makes a membership");
    assertEquals(List.of("viewer", "admin"), withRoles.get("7a1c").roles(), "pairs join by id or by alias");
  }
}
