package dev.gearbox.crds;

/** Where a placement rollout stands; see {@link RolloutStatus}. */
public enum RolloutPhase {
  /** The quality gate is running; the placement gets no traffic. */
  Gating,
  /** Past the gate; the placement gets {@code weight}% of its traffic while a step is analysed. */
  Canary,
  /** Every step passed: the placement gets all its traffic. */
  Promoted,
  /** A canary step missed the SLO or the baseline's error rate: weight back to 0. */
  RolledBack,
  /** The quality gate rejected the placement (or could not run): it never got traffic. */
  Failed
}
