package dev.tenantgateway.ship;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo exactly as the README runs it: the packaged jar's {@code demo} command. Every command it prints is
 * replayed (the token lines, then each curl with its expected status), so the guide a newcomer pastes is what is
 * tested.
 */
@ExtendWith(VertxExtension.class)
class DemoIT {

  static final Pattern TOKEN_LINE = Pattern.compile("^(\\w+)=\\$\\(curl -s '([^']+)'\\)$");
  static final Pattern EXPECT = Pattern.compile("^# expect (\\d{3}): .*");
  static final Pattern HEADER = Pattern.compile("-H \"([^:]+): ([^\"]*)\"");

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void theReadmeDemoWorksAsPrinted(Vertx vertx) throws Exception {
    assertTrue(Files.readString(Path.of("README.md")).contains("java -jar target/tenant-gateway.jar demo"),
        "the README's quick start is this command");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process demo = new ProcessBuilder(java, "-jar", "target/tenant-gateway.jar", "demo", "--port", Integer.toString(freePort()),
        "--admin-port", Integer.toString(freePort()), "--issuer-port", Integer.toString(freePort())).start();
    HttpClient client = vertx.createHttpClient();
    try {
      List<String> guide = new ArrayList<>();
      BufferedReader err = new BufferedReader(new InputStreamReader(demo.getErrorStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = err.readLine()) != null && !line.equals("demo ready")) {
        guide.add(line);
      }
      assertEquals("demo ready", line, () -> String.join("\n", guide));
      assertTrue(guide.stream().anyMatch(l -> l.contains("DEVELOPMENT ONLY")), "the issuer is loudly labelled");

      Map<String, String> vars = new HashMap<>();
      int expected = -1;
      int checked = 0;
      for (String l : guide) {
        Matcher token = TOKEN_LINE.matcher(l);
        Matcher expect = EXPECT.matcher(l);
        if (token.matches()) {
          vars.put(token.group(1), get(client, HttpMethod.GET, token.group(2), Map.of())[1]);
        } else if (expect.matches()) {
          expected = Integer.parseInt(expect.group(1));
        } else if (l.startsWith("curl -i ")) {
          HttpMethod method = l.contains("-X DELETE") ? HttpMethod.DELETE : HttpMethod.GET;
          String url = l.replaceAll(".*?(http://\\S+).*", "$1");
          Map<String, String> headers = new HashMap<>();
          Matcher h = HEADER.matcher(l);
          while (h.find()) {
            String value = h.group(2);
            for (Map.Entry<String, String> v : vars.entrySet()) {
              value = value.replace("$" + v.getKey(), v.getValue());
            }
            headers.put(h.group(1), value);
          }
          String[] result = get(client, method, url, headers);
          assertEquals(Integer.toString(expected), result[0], l + "\n" + result[1]);
          if (l.contains("X-Tenant-Id: acme")) {
            assertTrue(result[1].contains("\"X-Tenant-Id\" : \"startup\""), "the spoofed tenant never arrives: " + result[1]);
          }
          if (l.contains("/metrics")) {
            assertTrue(result[1].contains("gateway_requests_total"));
          }
          checked++;
        }
      }
      assertEquals(6, checked, "every printed command was replayed");
    } finally {
      demo.destroy();
      assertTrue(demo.waitFor(20, TimeUnit.SECONDS));
      client.close().await(5, TimeUnit.SECONDS);
    }
  }

  static String[] get(HttpClient client, HttpMethod method, String url, Map<String, String> headers) throws Exception {
    RequestOptions options = new RequestOptions().setAbsoluteURI(url).setMethod(method);
    headers.forEach(options::putHeader);
    return client.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new String[] {Integer.toString(resp.statusCode()), b.toString()})))
        .await(10, TimeUnit.SECONDS);
  }
}
