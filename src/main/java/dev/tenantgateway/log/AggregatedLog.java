package dev.tenantgateway.log;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Logging for failures that repeat: the first occurrence of a cause is logged, further ones within the interval are
 * only counted, and one line per cause per interval reports the count. Lines are written by one background thread,
 * so a caller on an event loop never waits for a log handler (a console or a full pipe). Usable from any package: it
 * depends on nothing of the gateway.
 *
 * <p>A 5 s upstream outage under load used to write one warning per failed request (11,520); it now writes a
 * handful of lines: the first failure, then one summary per interval.
 */
public final class AggregatedLog {

  private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
  /** Causes beyond this many distinct ones share one entry, so a cause text with a variable part cannot grow memory. */
  private static final int MAX_CAUSES = 1_000;

  private static final Map<String, Entry> ENTRIES = new ConcurrentHashMap<>();
  private static final ScheduledThreadPoolExecutor WRITER = writer();
  private static volatile long intervalNanos = DEFAULT_INTERVAL.toNanos();
  private static final AtomicLong DROPPED = new AtomicLong();
  private static final java.util.List<java.util.logging.Logger> KEPT = new java.util.concurrent.CopyOnWriteArrayList<>();

  private AggregatedLog() {
  }

  private static ScheduledThreadPoolExecutor writer() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "tenant-gateway-log");
      thread.setDaemon(true);
      return thread;
    }, new ThreadPoolExecutor.DiscardPolicy());
    executor.scheduleWithFixedDelay(AggregatedLog::flush, 1, 1, TimeUnit.SECONDS);
    return executor;
  }

  /** One cause: its counting window and what was suppressed in it. */
  private static final class Entry {
    private static final AtomicLongFieldUpdater<Entry> WINDOW = AtomicLongFieldUpdater.newUpdater(Entry.class, "windowStart");
    final Logger logger;
    final Level level;
    final AtomicLong suppressed = new AtomicLong();
    volatile long windowStart;
    volatile String lastDetail;

    Entry(Logger logger, Level level, long now) {
      this.logger = logger;
      this.level = level;
      this.windowStart = now - intervalNanos;
    }
  }

  /** A repeated warning: {@code cause} groups occurrences (keep variable parts such as request ids in {@code detail}). */
  public static void warning(Logger logger, String cause, String detail) {
    log(logger, Level.WARNING, cause, detail);
  }

  public static void log(Logger logger, Level level, String cause, String detail) {
    if (!logger.isLoggable(level)) {
      return;
    }
    Entry entry = ENTRIES.get(cause);
    long now = System.nanoTime();
    if (entry == null) {
      String key = ENTRIES.size() < MAX_CAUSES ? cause : "(further causes)";
      entry = ENTRIES.computeIfAbsent(key, k -> new Entry(logger, level, now));
    }
    long start = entry.windowStart;
    if (now - start >= intervalNanos && Entry.WINDOW.compareAndSet(entry, start, now)) {
      long before = entry.suppressed.getAndSet(0);
      String line = cause + ": " + detail
          + (before > 0 ? " (and " + before + " more since the last line)" : "");
      write(entry, line);
    } else {
      entry.suppressed.incrementAndGet();
      entry.lastDetail = detail;
    }
  }

  private static void write(Entry entry, String line) {
    if (WRITER.getQueue().size() > 10_000) {
      DROPPED.incrementAndGet(); // a log handler that cannot keep up must not grow memory without bound
      return;
    }
    WRITER.execute(() -> entry.logger.log(entry.level, line));
  }

  /** Once per second: a cause whose window has passed with suppressed occurrences gets its summary line. */
  private static void flush() {
    long now = System.nanoTime();
    long interval = intervalNanos;
    ENTRIES.forEach((cause, entry) -> {
      long start = entry.windowStart;
      if (now - start >= interval && entry.suppressed.get() > 0 && Entry.WINDOW.compareAndSet(entry, start, now)) {
        long count = entry.suppressed.getAndSet(0);
        entry.logger.log(entry.level, cause + ": " + count + " more time(s) in the last "
            + TimeUnit.NANOSECONDS.toSeconds(now - start) + "s (last: " + entry.lastDetail + ")");
      }
    });
    long dropped = DROPPED.getAndSet(0);
    if (dropped > 0) {
      System.getLogger(AggregatedLog.class.getName()).log(Level.WARNING, dropped + " log line(s) dropped: the log "
          + "output did not keep up");
    }
  }

  /** The counting interval (default 10 s); for tests and operators who want fewer or more summaries. */
  public static void setInterval(Duration interval) {
    intervalNanos = interval.toNanos();
  }

  /**
   * Routes a library logger's records through this aggregation instead of writing each one: for libraries that log
   * every failure of a pooled connection themselves (the Redis client's "Unhandled Error").
   */
  public static void aggregate(String julLoggerName, String cause) {
    aggregate(julLoggerName, null, null, cause);
  }

  /**
   * Like {@link #aggregate(String, String)} for the records whose message starts with {@code messagePrefix} only (all
   * when null), at {@code level} (the record's own when null); other records pass unchanged.
   */
  public static void aggregate(String julLoggerName, String messagePrefix, Level level, String cause) {
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger(julLoggerName);
    // a child logger: its lines reach the same handlers without passing this logger's filter again
    Logger target = System.getLogger(julLoggerName + ".aggregated");
    KEPT.add(jul); // JUL holds loggers weakly: the filter must not be collected with an unreferenced logger
    jul.setFilter(new Filter() {
      @Override
      public boolean isLoggable(LogRecord record) {
        if (messagePrefix != null && (record.getMessage() == null || !record.getMessage().startsWith(messagePrefix))) {
          return true;
        }
        Throwable thrown = record.getThrown();
        String detail = thrown == null ? String.valueOf(record.getMessage())
            : thrown.getClass().getSimpleName() + ": " + thrown.getMessage();
        Level as = level != null ? level
            : record.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue() ? Level.ERROR : Level.WARNING;
        log(target, as, cause, detail);
        return false;
      }
    });
  }
}
