package dev.gearbox.operator.desired;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.RolloutStatus;
import dev.gearbox.operator.rollout.RolloutTraffic;
import dev.gearbox.operator.spec.ResolvedPlacement;
import dev.gearbox.operator.spec.ResolvedSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files the runtime and the router read from the ConfigMap, and their content hash.
 *
 * <p>Output is deterministic (fixed key order, no timestamps) so the same spec always yields the
 * same bytes and the same hash: anything else would roll the pods on every reconcile.
 */
public final class ServingConfig {
  public static final String PLACEMENTS_FILE = "placements.json";
  public static final String ROUTER_FILE = "router.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private ServingConfig() {}

  /** ConfigMap data: file name to content. */
  public static Map<String, String> files(HybridModel model, ResolvedSpec resolved) {
    return files(model, resolved, null);
  }

  /** ConfigMap data with a rollout's previous layers and canary weight; rollout may be null. */
  public static Map<String, String> files(
      HybridModel model, ResolvedSpec resolved, RolloutStatus rollout) {
    return files(model, resolved, rollout, true);
  }

  /**
   * Hash of what the pods start with: the ConfigMap data without the router's canary entries,
   * which the router hot-reloads, so that a weight change never rolls the pods.
   */
  public static String podHash(HybridModel model, ResolvedSpec resolved, RolloutStatus rollout) {
    return hash(files(model, resolved, rollout, false));
  }

  private static Map<String, String> files(
      HybridModel model, ResolvedSpec resolved, RolloutStatus rollout, boolean withCanaries) {
    HybridModelSpec spec = resolved.spec();
    List<Map<String, Object>> placements = new ArrayList<>();
    for (ResolvedPlacement p : resolved.placements()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", p.name());
      entry.put("pattern", p.pattern());
      entry.put("mixers", p.mixers());
      placements.add(entry);
    }
    Map<String, Object> previous = RolloutTraffic.previousPlacement(rollout);
    if (previous != null) {
      placements.add(previous);
    }
    Map<String, Object> runtime = new LinkedHashMap<>();
    runtime.put("model", spec.getModel().getUri());
    runtime.put("modelDir", ModelVolume.of(spec.getModel().getUri()).modelDir());
    runtime.put("defaultPlacement", resolved.defaultPlacement());
    runtime.put("placements", placements);

    Map<String, Object> router = new LinkedHashMap<>();
    router.put("model", model.getMetadata().getName());
    router.put("placements", resolved.placements().stream().map(ResolvedPlacement::name).toList());
    router.put("default", resolved.defaultPlacement());
    if (spec.getRouting() != null) {
      router.put("rules", spec.getRouting().getRules());
      router.put("underKvPressure", spec.getRouting().getUnderKvPressure());
    }
    router.put("slo", spec.getSlo());
    router.put("rollout", spec.getRollout());
    List<Map<String, Object>> canaries = RolloutTraffic.canaries(rollout);
    if (withCanaries && !canaries.isEmpty()) {
      router.put("canaries", canaries);
    }

    Map<String, String> files = new TreeMap<>();
    files.put(PLACEMENTS_FILE, write(runtime));
    files.put(ROUTER_FILE, write(router));
    return files;
  }

  /** Short SHA-256 of the ConfigMap data, stable across JVMs. */
  public static String hash(Map<String, String> files) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> e : new TreeMap<>(files).entrySet()) {
        digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(e.getValue().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return HexFormat.of().formatHex(digest.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serving config is not serializable", e);
    }
  }
}
