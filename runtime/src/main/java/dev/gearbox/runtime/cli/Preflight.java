package dev.gearbox.runtime.cli;

import dev.gearbox.runtime.checkpoint.CheckpointException;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.PlacementResolver;
import dev.gearbox.runtime.placement.PlacementPattern;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The checks every command runs on its flags before it loads any weights, so that a mistake costs
 * a one-line message and an exit status instead of a model load and a stack trace: the model
 * folder and its {@code config.json}, each placement pattern against that config, port ranges and
 * whether a port is free.
 */
public final class Preflight {
  private Preflight() {}

  /** A TCP port: 0 (any free port) to 65535. */
  public static int port(String flag, String value) {
    int port = Flags.intValue(flag, value);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          flag + " must be a TCP port from 0 to 65535 (0: any free port), got " + value);
    }
    return port;
  }

  /**
   * The model folder's config, parsed without reading weights.
   *
   * @throws IllegalArgumentException naming {@code flag} when the folder or its config.json is
   *     missing or unreadable
   */
  public static ModelConfig model(String flag, Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(flag + " " + dir + " is not a directory");
    }
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      throw new IllegalArgumentException(
          flag + " " + dir + " has no config.json (expected a Hugging Face-style model folder)");
    }
    try {
      return Models.loadConfig(dir);
    } catch (CheckpointException | IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + " " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code pattern} gives every layer of {@code config} a mixer it has; the message
   * starts with {@code what} (the flag as given) and names the layer and the mixers it offers.
   */
  public static void placement(String what, ModelConfig config, String name, String pattern) {
    PlacementResolver resolver = new PlacementResolver(config.layers(), (layer, mixer) -> null);
    try {
      List<String> layers = PlacementPattern.expand(pattern);
      if (layers.size() != config.layers().size()) {
        throw new IllegalArgumentException(
            "'"
                + pattern
                + "' has "
                + layers.size()
                + " layers, the model has "
                + config.layers().size());
      }
      for (int i = 0; i < layers.size(); i++) {
        resolver.mixerName(name, i, layers.get(i));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  /**
   * Fails when {@code host:port} cannot be bound now (0 always passes). The real bind can still
   * lose a race; its failure is reported the same way ({@link #portInUse}).
   */
  public static void portFree(String flag, String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw portInUse(flag, host, port);
    }
  }

  /** The one-line failure for a port that cannot be bound. */
  public static CommandFailure portInUse(String flag, String host, int port) {
    return new CommandFailure(
        1,
        host
            + ":"
            + port
            + " is already in use (another gearbox?); choose a free port with "
            + flag
            + " N, or "
            + flag
            + " 0 for any free port");
  }
}
