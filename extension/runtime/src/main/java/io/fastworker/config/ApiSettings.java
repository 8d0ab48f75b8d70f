package io.fastworker.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The HTTP API and what it pushes out: auth, the event stream, callbacks, the dashboard. Part of {@link FastWorkerConfig}, under {@code fastworker.*}.
 */
public interface ApiSettings {

    /** The HTTP task API. */
    Api api();

    /** The live stream of task state changes, {@code GET /events}. */
    Events events();

    /** Completion callbacks (webhooks) that submissions ask for. */
    Callbacks callbacks();

    /** The dashboard the control plane serves at {@code /ui}. */
    Ui ui();

    interface Api {
        /** Largest request body accepted; a larger one gets {@code 413}. */
        @WithDefault("1M")
        @Check.Bytes(min = 1024)
        MemorySize maxBodySize();

        /** Longest {@code ?wait=} a client may ask for; a longer one is refused with {@code 400}. */
        @WithDefault("PT5M")
        @Check.Span(max = "PT1H", zero = true)
        Duration maxWait();

        /** Most submissions one {@code POST /tasks/batch} may carry. */
        @WithDefault("10000")
        @Check.Bounds(min = 1, max = 1_000_000)
        int maxBatchSize();

        /** Most entries {@code GET /tasks} returns. */
        @WithDefault("1000")
        @Check.Bounds(min = 1, max = 1_000_000)
        int historyLimit();

        /**
         * Whether {@code GET /tasks/{id}?include=args} shows a task's arguments to the {@code admin} role (and the
         * dashboard to an admin). Off, nobody sees them through the API. Arguments never appear in logs, spans or
         * the SSE feed either way.
         */
        @WithDefault("true")
        boolean argsVisible();

        /** Who may call the API; off (an open API) unless a keys file is configured. */
        Auth auth();
    }

    interface Auth {
        /**
         * The API keys file (e.g. mounted from a Kubernetes Secret). Each line: {@code name roles sha256-hex}, roles
         * a comma-separated subset of {@code submit}, {@code read}, {@code admin}; {@code #} starts a comment. It
         * holds hashes only, never a key. Set, it turns authentication on: every API call then needs
         * {@code Authorization: Bearer <key>}. Changes are picked up within {@link #keysReloadInterval()}, so keys
         * rotate without a restart; a changed file that cannot be read keeps the keys loaded before.
         */
        Optional<String> keysFile();

        /** How often the keys file is checked for changes. */
        @WithDefault("PT2S")
        @Check.Span(max = "PT1H")
        Duration keysReloadInterval();

        /**
         * Whether FastWorker's API (and {@code /q/metrics}) answers clients on other hosts while authentication is
         * off (no keys file, no JWT). Off (the default), it then answers loopback clients only, and refuses every
         * other with {@code 403} naming the settings that open it; on, anyone who reaches the port may submit, read
         * and cancel tasks, and start-up says so in a WARN. {@code /q/health} is always open.
         */
        @WithDefault("false")
        boolean openToNetwork();

        /** Whether {@code /q/metrics} needs a key with the {@code read} role too (with authentication on). */
        @WithDefault("false")
        boolean protectMetrics();

        /** JSON Web Tokens from an identity provider, beside API keys. */
        Jwt jwt();
    }

    interface Jwt {
        /**
         * Whether bearer tokens that are JWTs are accepted, checked by smallrye-jwt against
         * {@code mp.jwt.verify.publickey.location} (a PEM file or a JWKS URL) and {@code mp.jwt.verify.issuer};
         * their {@code groups} claim carries the roles. On, it turns authentication on.
         */
        @WithDefault("false")
        boolean enabled();
    }

    interface Events {
        /**
         * How many of the latest state changes are kept for readers that fall behind or reconnect with
         * {@code Last-Event-ID}. A reader further behind than this is told what it missed (an {@code event: gap})
         * and, while connected, dropped: a slow reader never makes the control plane hold more.
         */
        @WithDefault("10000")
        @Check.Bounds(min = 16, max = 10_000_000)
        int buffer();

        /** Most {@code GET /events} streams open at the same time; past it a new one is refused with {@code 503}. */
        @WithDefault("64")
        @Check.Bounds(min = 1, max = 10_000)
        int maxStreams();

        /** How often an idle stream gets a comment line, so that proxies and clients see it is alive. */
        @WithDefault("PT15S")
        @Check.Span(max = "PT5M")
        Duration heartbeat();
    }

    interface Callbacks {
        /**
         * The secret that signs every callback ({@code FastWorker-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
         * "t.body">}); unset, callbacks go unsigned. Never logged.
         */
        Optional<String> secret();

        /**
         * The hosts callbacks may go to: exact names or addresses, or {@code *.example.com} for its subdomains, which
         * may then be internal (loopback, private, this host). Unset, any host whose address is public: a callback to
         * one that resolves to a loopback, link-local, private, unique-local, unspecified or this host's own address
         * is refused (checked when it is sent, on the resolved address).
         */
        Optional<java.util.List<String>> allowedHosts();

        /** Most attempts of one delivery; a receiver error (5xx, 429) or no answer is retried with backoff. */
        @WithDefault("5")
        @Check.Bounds(min = 1, max = 100)
        int maxAttempts();

        /** The wait before the second attempt, doubled for each further one up to a minute. */
        @WithDefault("PT1S")
        @Check.Span(max = "PT1M")
        Duration retryDelay();

        /** Longest one attempt may take, connecting included. */
        @WithDefault("PT10S")
        @Check.Span(max = "PT5M")
        Duration timeout();

        /** Most deliveries in flight at once. */
        @WithDefault("16")
        @Check.Bounds(min = 1, max = 1000)
        int concurrency();

        /** Most deliveries waiting (to be sent or retried); past it a callback is dropped with a WARN. */
        @WithDefault("10000")
        @Check.Bounds(min = 1, max = 10_000_000)
        int queueCapacity();
    }

    interface Ui {
        /**
         * Where a task's trace is shown, e.g. {@code https://jaeger.example/trace/{traceId}} or a Grafana Tempo
         * explore URL: the dashboard links a task's trace id there, {@code {traceId}} replaced by it. Must be an
         * {@code http(s)} URL holding {@code {traceId}}. Unset, the trace id is shown without a link.
         */
        Optional<String> traceUrl();
    }
}
