package dev.tenantgateway.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Takes one logger's records for the length of a test, so a test that provokes an error can assert the message the
 * operator would read, and the build log stays free of lines a passing build did not ask for.
 */
public final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final boolean useParentHandlers;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };

  private LogCapture(Logger logger) {
    this.logger = logger;
    this.useParentHandlers = logger.getUseParentHandlers();
    logger.addHandler(handler);
    logger.setUseParentHandlers(false);
  }

  /** Captures the logger of this class name (the gateway logs through System.Logger, backed by java.util.logging). */
  public static LogCapture of(Class<?> type) {
    return of(type.getName());
  }

  /** Captures the logger of this name (for a class the test cannot see). */
  public static LogCapture of(String loggerName) {
    return new LogCapture(Logger.getLogger(loggerName));
  }

  /** The messages logged at {@code level} so far. */
  public List<String> messages(Level level) {
    return records.stream().filter(r -> r.getLevel().equals(level)).map(LogRecord::getMessage).toList();
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
    logger.setUseParentHandlers(useParentHandlers);
  }
}
