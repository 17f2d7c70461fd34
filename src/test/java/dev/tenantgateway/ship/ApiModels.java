package dev.tenantgateway.ship;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks rendered manifests against API models, offline.
 *
 * <p>Built-in kinds: the official Kubernetes Java client's models of one Kubernetes release (client-java N is
 * generated from the OpenAPI of Kubernetes 1.(N+9)), each release's jar in its own class loader. A manifest passes
 * when the model's generated validator accepts it (no field the release does not know, at any depth; every required
 * field present) and the model's own Gson reads it (every value of the right JSON type).
 *
 * <p>Custom resources (prometheus-operator ServiceMonitor, Gateway API HTTPRoute): fabric8's typed models, which are
 * generated from the projects' CRD schemas. fabric8 keeps unknown fields aside instead of refusing them, so a
 * manifest passes when Jackson reads it into the model (types) and nothing, at any depth, was kept aside.
 */
final class ApiModels implements AutoCloseable {

  static final List<String> SUPPORTED = List.of("1.29", "1.30", "1.31");
  static final Path MODELS = Path.of("target/kubernetes-api-models");

  private static final Map<String, String> CUSTOM = Map.of(
      "monitoring.coreos.com/v1/ServiceMonitor", "io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor",
      "gateway.networking.k8s.io/v1/HTTPRoute", "io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute");

  private final String release;
  private final URLClassLoader loader;
  private final Gson modelGson;
  private final ObjectMapper jackson = new ObjectMapper();

  ApiModels(String release) throws Exception {
    this.release = release;
    Path jar = MODELS.resolve("kubernetes-" + release + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the build copies it (maven-dependency-plugin) before the tests");
    }
    loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ApiModels.class.getClassLoader());
    Class<?> json = loader.loadClass("io.kubernetes.client.openapi.JSON");
    modelGson = (Gson) json.getMethod("getGson").invoke(json.getConstructor().newInstance());
  }

  String release() {
    return release;
  }

  /** What is wrong with the manifest for this release; empty when it is valid. */
  List<String> problems(Map<String, Object> manifest) {
    String apiVersion = String.valueOf(manifest.get("apiVersion"));
    String kind = String.valueOf(manifest.get("kind"));
    String name = kind + " " + ApiModels.<String>at(manifest, "metadata", "name");
    String custom = CUSTOM.get(apiVersion + "/" + kind);
    try {
      return custom != null ? customResource(name, manifest, Class.forName(custom)) : builtIn(name, apiVersion, kind, manifest);
    } catch (ReflectiveOperationException e) {
      return List.of(name + ": no model for " + apiVersion + " " + kind + " in Kubernetes " + release + " (" + e + ")");
    }
  }

  private List<String> builtIn(String name, String apiVersion, String kind, Map<String, Object> manifest)
      throws ReflectiveOperationException {
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    Class<?> model = loader.loadClass("io.kubernetes.client.openapi.models."
        + Character.toUpperCase(version.charAt(0)) + version.substring(1) + kind);
    JsonElement json = new Gson().toJsonTree(manifest);
    Method validate;
    Object argument;
    try {
      validate = model.getMethod("validateJsonElement", JsonElement.class);
      argument = json;
    } catch (NoSuchMethodException olderGenerator) {
      validate = model.getMethod("validateJsonObject", JsonObject.class);
      argument = json.getAsJsonObject();
    }
    try {
      validate.invoke(null, argument);
      modelGson.fromJson(json, model);
      return List.of();
    } catch (InvocationTargetException e) {
      return List.of(name + " (Kubernetes " + release + "): " + e.getCause().getMessage());
    } catch (RuntimeException e) {
      return List.of(name + " (Kubernetes " + release + "): " + e.getMessage());
    }
  }

  private List<String> customResource(String name, Map<String, Object> manifest, Class<?> model) {
    Object typed;
    try {
      typed = jackson.convertValue(manifest, model);
    } catch (IllegalArgumentException e) {
      return List.of(name + ": " + e.getMessage());
    }
    List<String> problems = new ArrayList<>();
    unknownFields(typed, name, problems, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    return problems;
  }

  /** Walks a fabric8 model; anything in an additionalProperties map was not in the CRD's schema. */
  private static void unknownFields(Object node, String path, List<String> problems, Set<Object> seen) {
    if (node == null || !seen.add(node)) {
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> unknownFields(value, path + "." + key, problems, seen));
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", problems, seen);
      }
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": fields not in the CRD schema: " + extra.keySet());
        }
      } else {
        String field = getter.getName().substring(3);
        unknownFields(value, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), problems, seen);
      }
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Object node, String... path) {
    Object current = node;
    for (String key : path) {
      if (current instanceof Map<?, ?> map) {
        current = map.get(key);
      } else if (current instanceof List<?> list) {
        current = list.get(Integer.parseInt(key));
      } else {
        return null;
      }
    }
    return (T) current;
  }

  @Override
  public void close() throws Exception {
    loader.close();
  }
}
