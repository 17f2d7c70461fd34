package dev.tenantgateway.config.load;

import java.util.Locale;

/**
 * "Did you mean": the option nearest to a misspelt name by edit distance, ignoring case, within a typo's reach
 * (two edits, or a third of the name's length when that is more). The one copy every reader and the advisor use.
 */
public final class Suggestions {

  private Suggestions() {
  }

  /**
   * The option nearest to {@code wrong}, the first met in the options' iteration order on a tie (pass a sorted set
   * for a stable choice), or null when none is within a typo's reach.
   */
  public static String nearest(String wrong, Iterable<String> options) {
    String lower = wrong.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String option : options) {
      int d = distance(lower, option.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = option;
      }
    }
    return best != null && bestDistance <= Math.max(2, wrong.length() / 3) ? best : null;
  }

  /** " (did you mean 'x'?)" when one option is close to what was written, else "". */
  public static String didYouMean(String wrong, Iterable<String> options) {
    String best = nearest(wrong, options);
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
