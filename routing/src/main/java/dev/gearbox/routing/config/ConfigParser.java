package dev.gearbox.routing.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Parses and validates the router's YAML (or JSON) configuration; every rejection names the field
 * at fault.
 *
 * <p>Two shapes are accepted: the nested one ({@code routing: {default, rules, underKvPressure}},
 * like {@code HybridModel.spec}) and the operator's flat {@code router.json}, where {@code
 * default}, {@code rules}, {@code underKvPressure} and {@code canaries} sit at the top level.
 * {@code rollout} (the spec's steps and gate) is accepted and not acted on by the router: the
 * operator runs the rollout and hands the router each step's weight as a {@code canaries} entry.
 */
public final class ConfigParser {

  private final ObjectMapper yaml =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /**
   * Parses {@code text} (from {@code source}, used in messages) and checks it on its own.
   *
   * @throws ConfigException naming the source, the field path and what was expected
   */
  public RouterConfig parse(String source, String text) {
    RouterConfig raw;
    try {
      JsonNode tree = text.isBlank() ? null : yaml.readTree(text);
      if (tree == null || tree.isNull() || tree.isMissingNode()) {
        raw = RouterConfig.empty();
      } else if (!tree.isObject()) {
        throw new ConfigException(
            source + ": the config must be a mapping, got " + tree.getNodeType());
      } else {
        raw = yaml.treeToValue(nestFlatRouting(source, (ObjectNode) tree), RouterConfig.class);
      }
    } catch (JsonMappingException e) {
      throw new ConfigException(source + ": field '" + path(e) + "': " + e.getOriginalMessage(), e);
    } catch (JacksonException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (raw == null) {
      raw = RouterConfig.empty();
    }
    RouterConfig config = raw.withDefaults();
    List<String> errors = new ArrayList<>();
    check(config, errors);
    if (!errors.isEmpty()) {
      throw new ConfigException(source + ": " + String.join("; ", errors));
    }
    return config;
  }

  /** Moves the flat form's top-level routing fields under {@code routing}. */
  private static ObjectNode nestFlatRouting(String source, ObjectNode root) {
    ObjectNode routing = null;
    for (String field : FLAT_ROUTING_FIELDS) {
      if (root.has(field)) {
        if (root.has("routing")) {
          throw new ConfigException(
              source
                  + ": field '"
                  + field
                  + "' at the top level and a 'routing' section: use one form");
        }
        if (routing == null) {
          routing = root.objectNode();
        }
        routing.set(field, root.remove(field));
      }
    }
    if (routing != null) {
      root.set("routing", routing);
    }
    return root;
  }

  private static final List<String> FLAT_ROUTING_FIELDS =
      List.of("default", "rules", "underKvPressure", "canaries");

  /**
   * Checks that every placement {@code config} names is one of {@code placements}.
   *
   * @throws ConfigException naming the field and the placements that exist
   */
  public static void checkPlacements(
      String source, RouterConfig config, Collection<String> placements) {
    List<String> errors = new ArrayList<>();
    RouterConfig.Routing routing = config.routing();
    for (int i = 0; i < config.placements().size(); i++) {
      checkKnown("placements[" + i + "]", config.placements().get(i), placements, errors);
    }
    checkKnown("routing.default", routing.defaultPlacement(), placements, errors);
    for (int i = 0; i < routing.rules().size(); i++) {
      checkKnown(
          "routing.rules[" + i + "].placement",
          routing.rules().get(i).placement(),
          placements,
          errors);
    }
    if (routing.underKvPressure() != null) {
      checkKnown(
          "routing.underKvPressure.shiftTo",
          routing.underKvPressure().shiftTo(),
          placements,
          errors);
    }
    for (int i = 0; i < routing.canaries().size(); i++) {
      RouterConfig.Canary c = routing.canaries().get(i);
      checkKnown("routing.canaries[" + i + "].placement", c.placement(), placements, errors);
      checkKnown("routing.canaries[" + i + "].baseline", c.baseline(), placements, errors);
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(source + ": " + String.join("; ", errors));
    }
  }

  private static void checkKnown(
      String field, String name, Collection<String> known, List<String> errors) {
    if (name != null && !known.contains(name)) {
      errors.add(field + ": placement '" + name + "' is not served; the runtime has " + known);
    }
  }

  private static void check(RouterConfig config, List<String> errors) {
    RouterConfig.Routing routing = config.routing();
    for (int i = 0; i < routing.rules().size(); i++) {
      String at = "routing.rules[" + i + "]";
      RouterConfig.Rule rule = routing.rules().get(i);
      if (rule == null) {
        errors.add(at + ": empty rule");
        continue;
      }
      if (rule.placement() == null || rule.placement().isBlank()) {
        errors.add(at + ".placement: required");
      }
      RouterConfig.Match m = rule.match();
      if (m == null) {
        errors.add(at + ".match: required (use {} to match every request)");
        continue;
      }
      if (m.minPromptTokens() != null && m.minPromptTokens() < 0) {
        errors.add(at + ".match.minPromptTokens: must be >= 0, got " + m.minPromptTokens());
      }
      if (m.maxPromptTokens() != null && m.maxPromptTokens() < 0) {
        errors.add(at + ".match.maxPromptTokens: must be >= 0, got " + m.maxPromptTokens());
      }
      if (m.minPromptTokens() != null
          && m.maxPromptTokens() != null
          && m.minPromptTokens() > m.maxPromptTokens()) {
        errors.add(
            at
                + ".match: minPromptTokens "
                + m.minPromptTokens()
                + " > maxPromptTokens "
                + m.maxPromptTokens());
      }
      if (m.path() != null && !m.path().startsWith("/")) {
        errors.add(at + ".match.path: must start with '/', got '" + m.path() + "'");
      }
    }
    RouterConfig.KvPressureShift kv = routing.underKvPressure();
    if (kv != null) {
      if (kv.above() == null || !(kv.above() > 0 && kv.above() <= 1)) {
        errors.add(
            "routing.underKvPressure.above: must be a fraction in (0, 1], got " + kv.above());
      }
      if (kv.shiftTo() == null || kv.shiftTo().isBlank()) {
        errors.add("routing.underKvPressure.shiftTo: required");
      }
    }
    List<String> canaryPlacements = new ArrayList<>();
    for (int i = 0; i < routing.canaries().size(); i++) {
      String at = "routing.canaries[" + i + "]";
      RouterConfig.Canary c = routing.canaries().get(i);
      if (c == null) {
        errors.add(at + ": empty canary");
        continue;
      }
      if (c.placement() == null || c.placement().isBlank()) {
        errors.add(at + ".placement: required");
      } else if (canaryPlacements.contains(c.placement())) {
        errors.add(at + ".placement: '" + c.placement() + "' has a canary already");
      } else {
        canaryPlacements.add(c.placement());
      }
      if (c.baseline() == null || c.baseline().isBlank()) {
        errors.add(at + ".baseline: required");
      } else if (c.baseline().equals(c.placement())) {
        errors.add(at + ".baseline: must differ from placement '" + c.placement() + "'");
      }
      if (c.weight() == null || c.weight() < 0 || c.weight() > 100) {
        errors.add(at + ".weight: must be a percentage in 0..100, got " + c.weight());
      }
    }
    RouterConfig.Slo slo = config.slo();
    positive("slo.ttftP95Ms", slo.ttftP95Ms(), errors);
    positive("slo.tpotP95Ms", slo.tpotP95Ms(), errors);
    RouterConfig.PerClient pc = config.limits().perClient();
    if (pc.maxConcurrent() < 0) {
      errors.add("limits.perClient.maxConcurrent: must be >= 0, got " + pc.maxConcurrent());
    }
    if (pc.requestsPerSecond() < 0) {
      errors.add("limits.perClient.requestsPerSecond: must be >= 0, got " + pc.requestsPerSecond());
    }
    if (pc.burst() < 0) {
      errors.add("limits.perClient.burst: must be >= 0, got " + pc.burst());
    }
    RouterConfig.RuntimeCall call = config.runtimeCall();
    if (call.deadlineMs() <= 0) {
      errors.add("runtimeCall.deadlineMs: must be > 0, got " + call.deadlineMs());
    }
    if (call.maxAttempts() < 1) {
      errors.add("runtimeCall.maxAttempts: must be >= 1, got " + call.maxAttempts());
    }
    if (call.retryAfterSeconds() < 1) {
      errors.add("runtimeCall.retryAfterSeconds: must be >= 1, got " + call.retryAfterSeconds());
    }
  }

  private static void positive(String field, Double value, List<String> errors) {
    if (value != null && !(value > 0)) {
      errors.add(field + ": must be > 0, got " + value);
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.isEmpty() ? "<root>" : sb.toString();
  }
}
