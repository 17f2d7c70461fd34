package dev.tenantgateway.pipeline;

import dev.tenantgateway.policy.Denial;

/** Watches a run stage by stage; {@code explain} prints what it sees. Absent (null) when serving traffic. */
public interface Recorder {

  void continued(Stage stage, String finding);

  void denied(Stage stage, Denial denial);
}
