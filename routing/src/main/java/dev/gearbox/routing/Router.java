package dev.gearbox.routing;

import dev.gearbox.routing.admission.ClientLimiter;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.http.HttpFront;
import dev.gearbox.routing.http.RequestGate;
import dev.gearbox.routing.http.RouterServices;
import dev.gearbox.routing.runtime.RuntimeClient;
import dev.gearbox.routing.runtime.RuntimeView;
import dev.gearbox.routing.slo.SloTracker;
import dev.gearbox.routing.text.PromptCodec;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** The routing sidecar, assembled: HTTP front, policy, admission, SLO tracking, runtime view. */
public final class Router implements AutoCloseable {

  private final Vertx vertx;
  private final java.util.List<HttpServer> servers;
  private final RouterServices services;

  private Router(Vertx vertx, java.util.List<HttpServer> servers, RouterServices services) {
    this.vertx = vertx;
    this.servers = servers;
    this.services = services;
  }

  /** Starts building a router. */
  public static Builder builder() {
    return new Builder();
  }

  /** The HTTP port actually bound. */
  public int port() {
    return servers.get(0).actualPort();
  }

  /** The runtime's cached catalogue and load. */
  public RuntimeView runtimeView() {
    return services.view();
  }

  /** The configuration in force. */
  public ActiveConfig config() {
    return services.config();
  }

  /** In-flight count and drain state. */
  public RequestGate gate() {
    return services.gate();
  }

  /** The router's metrics. */
  public PrometheusMeterRegistry registry() {
    return services.registry();
  }

  /**
   * Stops admitting completions (new ones get 503 {@code shutting_down}, as after {@code /drain})
   * and waits until none is in flight or {@code timeout} passed.
   *
   * @return whether every admitted request was answered
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    services.gate().startDrain();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (services.gate().inFlight() > 0) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** Stops accepting connections, then stops the runtime view and the config watch. */
  @Override
  public void close() {
    for (HttpServer server : servers) {
      try {
        server.close().await(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // fall through: the event loops are closed below anyway
      }
    }
    services.view().close();
    services.config().close();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // nothing left to wait for
    }
  }

  /** Options of a router; {@link #runtime} and {@link #codec} are required. */
  public static final class Builder {
    private RuntimeClient runtime;
    private PromptCodec codec;
    private ActiveConfig config = ActiveConfig.fixed(RouterConfig.defaults());
    private String host = "127.0.0.1";
    private int port = 8080;
    private String modelName;
    private Duration pollInterval = Duration.ofMillis(250);
    private Duration configPollInterval = Duration.ofSeconds(2);
    private Duration sloWindow = Duration.ofMinutes(5);
    private int eventLoops = Runtime.getRuntime().availableProcessors();
    private PrometheusMeterRegistry registry;

    public Builder runtime(RuntimeClient runtime) {
      this.runtime = runtime;
      return this;
    }

    public Builder codec(PromptCodec codec) {
      this.codec = codec;
      return this;
    }

    public Builder config(ActiveConfig config) {
      this.config = config;
      return this;
    }

    /** Address to bind; {@code 0.0.0.0} in a pod, loopback by default. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Port to bind; 0 picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Name clients use for the model; defaults to the runtime's. */
    public Builder modelName(String modelName) {
      this.modelName = modelName;
      return this;
    }

    /** How often the runtime's load (KV utilisation, readiness) is polled. */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    /** How often the config file is checked for changes. */
    public Builder configPollInterval(Duration configPollInterval) {
      this.configPollInterval = configPollInterval;
      return this;
    }

    /**
     * The registry the router's meters join and {@code /metrics} scrapes (default: its own); local
     * mode passes the in-process runtime's, so one endpoint shows both.
     */
    public Builder registry(PrometheusMeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Length of the rolling SLO window. */
    public Builder sloWindow(Duration sloWindow) {
      this.sloWindow = sloWindow;
      return this;
    }

    /**
     * HTTP event loops (one server instance each, sharing the port; Vert.x spreads connections
     * over them); defaults to the number of CPUs, so one router uses every core it is given.
     */
    public Builder eventLoops(int eventLoops) {
      if (eventLoops < 1) {
        throw new IllegalArgumentException("eventLoops must be >= 1, got " + eventLoops);
      }
      this.eventLoops = eventLoops;
      return this;
    }

    /**
     * One server per event loop on {@code port}: each created from this (non-Vert.x) thread gets
     * its own event loop, and Vert.x shares one listening socket between servers of the same
     * host and port, spreading connections over them.
     */
    private java.util.List<HttpServer> listen(Vertx vertx, HttpFront front, int port) {
      java.util.List<HttpServer> servers = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < eventLoops; i++) {
          HttpServer server =
              vertx.createHttpServer(
                  new HttpServerOptions()
                      .setHost(host)
                      .setPort(port)
                      .setCompressionSupported(false)
                      .setTcpNoDelay(true)
                      .setAcceptBacklog(1024));
          server.requestHandler(front);
          servers.add(server);
          server.listen().await(30, TimeUnit.SECONDS);
        }
        return servers;
      } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
        for (HttpServer server : servers) {
          server.close();
        }
        throw e instanceof RuntimeException r
            ? r
            : new IllegalStateException("no bind within 30 s", e);
      }
    }

    // Vert.x shares a port between servers only when it is given explicitly (two servers on
    // port 0 get two different ports), so port 0 is resolved to a free port first.
    private int freePort() {
      try (java.net.ServerSocket probe =
          new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
        return probe.getLocalPort();
      } catch (java.io.IOException e) {
        throw new IllegalStateException("cannot find a free port on " + host + ": " + e, e);
      }
    }

    /** Binds the port and starts polling; returns once the server is listening. */
    public Router start() {
      Objects.requireNonNull(runtime, "runtime");
      Objects.requireNonNull(codec, "codec");
      PrometheusMeterRegistry registry =
          this.registry != null
              ? this.registry
              : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      RuntimeView view = new RuntimeView(runtime);
      ActiveConfig active = config;
      SloTracker slo =
          new SloTracker(registry, () -> active.get().slo(), sloWindow, System::nanoTime);
      RouterServices services =
          new RouterServices(
              active,
              runtime,
              view,
              codec,
              new ClientLimiter(),
              slo,
              registry,
              modelName,
              new RequestGate());
      Gauge.builder("gearbox_router_requests_in_flight", services.gate(), RequestGate::inFlight)
          .description("completion requests admitted and not yet answered")
          .register(registry);
      Gauge.builder("gearbox_router_kv_utilization", view, v -> v.load().kvUtilization())
          .description("runtime KV/state pool utilisation as last polled")
          .register(registry);
      Gauge.builder("gearbox_router_runtime_ready", view, v -> v.load().ready() ? 1 : 0)
          .register(registry);
      FunctionCounter.builder("gearbox_router_config_reloads", active, ActiveConfig::reloads)
          .register(registry);
      FunctionCounter.builder("gearbox_router_config_rejections", active, ActiveConfig::rejections)
          .register(registry);
      view.refresh();
      view.start(pollInterval);
      active.watch(configPollInterval);
      Vertx vertx =
          Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(eventLoops));
      // Per-placement SLO meters at zero from the start, and for placements the runtime adds.
      Runnable track =
          () -> {
            var info = view.cachedInfo();
            if (info != null) {
              slo.track(info.placementNames());
            }
          };
      track.run();
      vertx.setPeriodic(Math.max(50, pollInterval.toMillis()), id -> track.run());
      HttpFront front = new HttpFront(services);
      java.util.List<HttpServer> servers = new java.util.ArrayList<>();
      for (int attempt = 1; ; attempt++) {
        try {
          servers = listen(vertx, front, port == 0 ? freePort() : port);
          break;
        } catch (RuntimeException e) {
          // With port 0 the probed port can be taken between the probe and the bind: probe again.
          if (port != 0 || attempt == 3) {
            vertx.close();
            throw new IllegalStateException(
                "router could not bind " + host + ":" + port + ": " + e.getMessage(), e);
          }
        }
      }
      return new Router(vertx, java.util.List.copyOf(servers), services);
    }
  }
}
