package dev.tenantgateway.routing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PathTemplateTest {

  /** The literal-segment grammar as the regular expression that the plain scan replaced. */
  private static final Pattern LITERAL = Pattern.compile("([A-Za-z0-9\\-._~!$&'()*+,=:@]|%[0-9A-F]{2})+");

  @Test
  void theLiteralScanRefusesExactlyWhatTheGrammarRefuses() {
    List<String> samples = new ArrayList<>(List.of("%41", "%4", "%", "a%2Fb", "a%2fb", "%GG", "é", "%C3%A9", "a%",
        "%%41", "x%2", "v1.2", "a~b", "a:b@c", "a+b=c", "(x)", "a'b", "x!$&,"));
    for (char c = 0x20; c < 0x7f; c++) {
      if (c == '/') {
        continue; // a separator, not a character of a segment
      }
      samples.add("a" + c + "b");
      samples.add("a" + c);
    }
    int refused = 0;
    for (String segment : samples) {
      boolean grammarRefuses = !LITERAL.matcher(segment).matches() || segment.contains("*") || segment.contains("{")
          || segment.contains("}");
      String message = refusal("/p/" + segment);
      boolean scanRefuses = message != null && message.contains("has characters a canonical path cannot hold");
      assertEquals(grammarRefuses, scanRefuses, segment + ": " + message);
      refused += grammarRefuses ? 1 : 0;
    }
    assertFalse(refused == 0 || refused == samples.size(), "the samples hold both kinds");
  }

  private static String refusal(String template) {
    try {
      PathTemplate.parse(template);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
