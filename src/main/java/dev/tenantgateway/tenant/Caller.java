package dev.tenantgateway.tenant;

import dev.tenantgateway.policy.PermissionSet;

import java.util.List;

/**
 * Who is calling, in which tenant, with which roles and permissions there: everything the gateway decides on and
 * everything it vouches for to the upstream.
 *
 * @param tenant null only on routes that do not require a tenant
 * @param roles sorted, distinct
 */
public record Caller(String user, String tenant, List<String> roles, PermissionSet permissions) {
}
