package dev.tenantgateway.support;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.server.GatewayServer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway started in-process from a routes.yaml text, on a random loopback port, with a real HTTP client in front.
 */
public final class GatewayFixture implements AutoCloseable {

  /** What the client received. */
  public record Response(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.toJsonObject();
    }

    public String header(String name) {
      return headers.get(name);
    }

    public String code() {
      return json().getString("code");
    }
  }

  private final GatewayServer server;
  private final HttpClient client;
  private final LineCollector accessLog;

  private GatewayFixture(GatewayServer server, HttpClient client, LineCollector accessLog) {
    this.server = server;
    this.client = client;
    this.accessLog = accessLog;
  }

  /** Starts a gateway; unless the YAML says otherwise, its admin listener takes a free loopback port. */
  public static GatewayFixture start(Vertx vertx, String yaml, Map<String, String> env) throws Exception {
    return start(vertx, yaml, env, null);
  }

  /** @param configFile the file to reload from, or null */
  public static GatewayFixture start(Vertx vertx, String yaml, Map<String, String> env, Path configFile) throws Exception {
    String withAdmin = yaml.contains("\nadmin:") || yaml.startsWith("admin:") ? yaml
        : "admin: { host: 127.0.0.1, port: 0 }\n" + yaml;
    GatewayConfig config = ConfigLoader.parse(withAdmin, "routes.yaml", Path.of("."), env::get);
    LineCollector accessLog = new LineCollector();
    GatewayServer server = GatewayServer.start(vertx, config,
        new GatewayServer.Options(2, configFile, accessLog, null)).await(20, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.port()).setKeepAlive(true));
    return new GatewayFixture(server, client, accessLog);
  }

  /** The access-log lines written so far, parsed. */
  public java.util.List<io.vertx.core.json.JsonObject> accessLog() {
    return accessLog.lines().stream().map(io.vertx.core.json.JsonObject::new).toList();
  }

  /** Collects what is written to it as lines. */
  static final class LineCollector extends java.io.OutputStream {
    private final java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();
    private final java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public synchronized void write(int b) {
      if (b == '\n') {
        lines.add(current.toString(java.nio.charset.StandardCharsets.UTF_8));
        current.reset();
      } else {
        current.write(b);
      }
    }

    java.util.List<String> lines() {
      return java.util.List.copyOf(lines);
    }
  }

  /** The sum of the samples of one metric in the gateway's scrape whose labels contain every one of {@code labels}. */
  public double metric(String name, String... labels) {
    double total = 0;
    for (String line : server.metrics().scrape().split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String label : labels) {
        all &= line.contains(label);
      }
      if (all) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  public GatewayServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  /** Sends a request with an optional bearer token and extra headers given as name, value pairs. */
  public Response send(HttpMethod method, String uri, String token, String... headers) throws Exception {
    return send(method, uri, token, null, headers);
  }

  public Response send(HttpMethod method, String uri, String token, Buffer body, String... headers) throws Exception {
    return sendAsync(method, uri, token, body, headers).await(20, TimeUnit.SECONDS);
  }

  /** The same request without waiting, for bursts of concurrent requests. */
  public Future<Response> sendAsync(HttpMethod method, String uri, String token, Buffer body, String... headers) {
    return sendAsync(client, method, uri, token, body, headers);
  }

  /** The same through another client of this gateway (one with a larger pool, for steady load). */
  public Future<Response> sendAsync(HttpClient client, HttpMethod method, String uri, String token, Buffer body,
                                    String... headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setURI(uri);
    // Every step runs on the event loop: a response handled before the test thread got to body() would lose its body.
    return client.request(options).compose(request -> {
      if (token != null) {
        request.putHeader("Authorization", "Bearer " + token);
      }
      for (int i = 0; i < headers.length; i += 2) {
        request.headers().add(headers[i], headers[i + 1]);
      }
      return (body == null ? request.send() : request.send(body))
          .compose(response -> response.body().map(content -> new Response(response.statusCode(),
              MultiMap.caseInsensitiveMultiMap().addAll(response.headers()), content)));
    });
  }

  public HttpClient client() {
    return client;
  }

  @Override
  public void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    server.stop().await(10, TimeUnit.SECONDS);
  }
}
