package dev.tenantgateway.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict decoding of the compact JWS parts. Stricter than the JOSE library under us on purpose (RFC 8725): only
 * canonical unpadded base64url, and JSON objects without duplicate member names, because two parsers that disagree
 * on a token's meaning are a bypass.
 */
final class Jose {

  private static final JsonFactory STRICT_JSON = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxStringLength(64 * 1024).build())
      .build();

  private static final int[] ALPHABET = new int[128];

  static {
    java.util.Arrays.fill(ALPHABET, -1);
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < chars.length(); i++) {
      ALPHABET[chars.charAt(i)] = i;
    }
  }

  private Jose() {
  }

  /** Decodes canonical unpadded base64url, or throws {@link IllegalArgumentException}. */
  static byte[] base64Url(String s) {
    int n = s.length();
    if (n == 0 || n % 4 == 1) {
      throw new IllegalArgumentException("invalid base64url length");
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 128 || ALPHABET[c] < 0) {
        throw new IllegalArgumentException("invalid base64url character");
      }
    }
    // The unused low bits of the last character must be zero, or several spellings decode to the same bytes.
    int last = ALPHABET[s.charAt(n - 1)];
    if ((n % 4 == 2 && (last & 0x0F) != 0) || (n % 4 == 3 && (last & 0x03) != 0)) {
      throw new IllegalArgumentException("non-canonical base64url");
    }
    return Base64.getUrlDecoder().decode(s);
  }

  /** Parses one JSON object, refusing duplicate member names and trailing content. */
  static JsonObject object(byte[] json) {
    try (JsonParser parser = STRICT_JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      Map<String, Object> map = readObject(parser);
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("trailing content after JSON object");
      }
      return new JsonObject(map);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> readObject(JsonParser parser) throws IOException {
    Map<String, Object> map = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      map.put(name, readValue(parser, parser.nextToken()));
    }
    return map;
  }

  private static Object readValue(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        return new JsonObject(readObject(parser));
      case START_ARRAY: {
        List<Object> list = new ArrayList<>();
        JsonToken next;
        while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
          list.add(readValue(parser, next));
        }
        return new JsonArray(list);
      }
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
        return parser.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return parser.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IllegalArgumentException("unexpected JSON token " + token);
    }
  }
}
