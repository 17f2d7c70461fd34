package dev.tenantgateway.config;

/** Where something was declared in routes.yaml (1-based line and column) and its YAML path. */
public record Position(int line, int column, String path) {
}
