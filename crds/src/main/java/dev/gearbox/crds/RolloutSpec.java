package dev.gearbox.crds;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** How a new or changed placement earns its traffic. */
@ValidationRule(
    value =
        "!has(self.steps) || (self.steps.all(s, s >= 1 && s <= 100)"
            + " && self.steps[size(self.steps) - 1] == 100)",
    message = "rollout.steps must be percentages in 1..100 and end at 100")
@ValidationRule(
    value =
        "!has(self.steps) || (self.steps.isSorted()"
            + " && self.steps.all(s, self.steps.filter(t, t == s).size() == 1))",
    message = "rollout.steps must strictly increase")
public class RolloutSpec {
  @Size(min = 1, max = 10)
  @JsonPropertyDescription("Traffic percentages of each rollout step, increasing, ending at 100.")
  private List<Integer> steps;

  @JsonPropertyDescription("Quality gate a step must pass before the next one.")
  private RolloutGate gate;

  @Default("300")
  @Min(1)
  @JsonPropertyDescription(
      "Seconds each canary step holds while canary and baseline are compared; default 300.")
  private Integer analysisSeconds;

  public Integer getAnalysisSeconds() {
    return analysisSeconds;
  }

  public void setAnalysisSeconds(Integer analysisSeconds) {
    this.analysisSeconds = analysisSeconds;
  }

  public List<Integer> getSteps() {
    return steps;
  }

  public void setSteps(List<Integer> steps) {
    this.steps = steps;
  }

  public RolloutGate getGate() {
    return gate;
  }

  public void setGate(RolloutGate gate) {
    this.gate = gate;
  }
}
