package dev.gearbox.e2e.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** The objects {@code helm template} renders for one set of values, parsed for assertions. */
public final class RenderedChart {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The Kubernetes version rendered for: the one the e2e control plane runs. */
  public static final String KUBE_VERSION = "1.34.4";

  private final List<ObjectNode> objects;

  private RenderedChart(List<ObjectNode> objects) {
    this.objects = objects;
  }

  /** Renders the chart at {@code chart} as release {@code release} in {@code namespace}. */
  public static RenderedChart render(
      Path chart, String release, String namespace, Map<String, Object> values) {
    TemplateCommand template =
        new Helm(chart)
            .template()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(KUBE_VERSION);
    values.forEach(template::set);
    return parse(template.call());
  }

  static RenderedChart parse(String manifest) {
    List<ObjectNode> objects = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(manifest)) {
      var documents = YAML.readValues(parser, JsonNode.class);
      while (documents.hasNextValue()) {
        JsonNode document = documents.nextValue();
        // helm leaves empty documents where a template rendered nothing.
        if (document instanceof ObjectNode object && object.has("kind")) {
          objects.add(object);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("helm template produced YAML that does not parse", e);
    }
    return new RenderedChart(objects);
  }

  public List<ObjectNode> all() {
    return objects;
  }

  public List<ObjectNode> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  public ObjectNode get(String kind, String name) {
    return ofKind(kind).stream()
        .filter(o -> name.equals(o.path("metadata").path("name").asText()))
        .findFirst()
        .orElseThrow(
            () ->
                new NoSuchElementException(
                    "no " + kind + " named " + name + " among " + summary()));
  }

  /** "Kind/name" of every object, for failure messages. */
  public List<String> summary() {
    return objects.stream()
        .map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
        .toList();
  }
}
