package dev.tenantgateway.state;

/**
 * What the state layer reports, and to whom it is no concern: the metrics implement it, the admin command ignores it.
 * Keeps the state package free of the observe package.
 */
public interface StateListener {

  /** Hears nothing. */
  StateListener NONE = new StateListener() {
    @Override
    public void redis(String op, long nanos, boolean failed) {
    }

    @Override
    public void stateUnavailable(String feature, String policy) {
    }
  };

  /** One Redis command ended, after {@code nanos}, failed or not. */
  void redis(String op, long nanos, boolean failed);

  /** A state lookup failed and the feature's failure policy decided (open: allowed anyway; closed: 503). */
  void stateUnavailable(String feature, String policy);
}
