package io.fastworker.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Every FastWorker setting. Each key {@code fastworker.a.b} can also be given as the environment variable
 * {@code FASTWORKER_A_B}; a command-line flag beats the environment, which beats {@code application.properties},
 * which beats the default shown here. Out-of-range values stop start-up with a message naming the property
 * (checked by {@code ConfigChecks}); they are never clamped.
 */
@ConfigMapping(prefix = "fastworker")
public interface FastWorkerConfig {

    /** How many task bodies this process runs at the same time (blocking bodies included). */
    @WithDefault("8")
    @Check.Bounds(min = 1, max = 10_000)
    int concurrency();

    /**
     * Identity of this process in task results and in {@code GET /workers}; defaults to {@code control-plane} for
     * the control plane and to host name plus process id for a subworker (a Kubernetes pod name works).
     */
    Optional<String> workerId();

    /** The role this process runs, set by {@code --role}: {@code control-plane} or {@code subworker}. */
    @WithDefault("control-plane")
    @WithConverter(RoleConverter.class)
    Role role();

    /** The control plane: where subworkers find it, and whether it runs tasks itself. */
    ControlPlane controlPlane();

    /** The TCP link between the control plane and subworkers (Vert.x TCP event-bus bridge protocol). */
    Link link();

    /** A subworker's own behaviour. */
    Subworker subworker();

    /** The ready queue. */
    Queue queue();

    /** Finished tasks kept for {@code GET /tasks/{id}}. */
    ResultCache resultCache();

    /** What one attempt may return. */
    Result result();

    /** Where the control plane keeps what it accepted, so that a restart loses nothing. */
    Store store();

    /** Repeated submissions. */
    Idempotency idempotency();

    /** Failed tasks kept for inspection and replay. */
    DeadLetters deadLetters();

    /** Options a task gets when neither its {@code @Task} annotation nor the submission sets them. */
    TaskDefaults taskDefaults();

    /** The HTTP task API. */
    Api api();

    /** The live stream of task state changes, {@code GET /events}. */
    Events events();

    /** Completion callbacks (webhooks) that submissions ask for. */
    Callbacks callbacks();

    /** The dashboard the control plane serves at {@code /ui}. */
    Ui ui();

    /**
     * Limits per task name, {@code fastworker.limits."<task>".*}, enforced by the control plane across every
     * executor. They beat a task's {@code @Task} limits; {@code PUT /limits/<task>} beats them.
     */
    Map<String, TaskLimit> limits();

    /**
     * Periodic schedules, {@code fastworker.schedules."<id>".*}, run by the control plane beside those of
     * {@code @Task(cron = ...)} and those made through {@code POST /schedules}.
     */
    Map<String, ScheduleSetting> schedules();

    /** Which tasks the control plane accepts beyond its own. */
    Tasks tasks();

    /** What {@code /q/health} reports. */
    Health health();

    interface Health {
        /**
         * A port of its own for the probes ({@code GET /q/health}, {@code /q/health/live}, {@code /ready},
         * {@code /started}), beside the API's: they then answer even while every API connection is taken
         * ({@code quarkus.http.limits.max-connections}). Unset, probes use the API's port only.
         */
        @Check.Bounds(min = 0, max = 65535)
        java.util.OptionalInt port();

        /**
         * How long a thread the control plane needs (dispatch, the journal's writer, the timers, compaction) may go
         * without progress while it has work before liveness goes DOWN (a thread that died takes it DOWN at once).
         */
        @WithDefault("PT30S")
        @Check.Span(max = "PT1H")
        Duration stallTimeout();
    }

    /** What the daemon writes to its log. */
    Log log();

    /** The {@code fastworker.*} meters. */
    Metrics metrics();

    interface ControlPlane {
        /**
         * Where a subworker dials the control plane's link: {@code tcp://host:port}, or {@code tls://host:port}
         * for a link with TLS (see {@code fastworker.subworker.tls.*}).
         */
        @WithDefault("tcp://127.0.0.1:5555")
        String address();

        /**
         * Whether the control plane runs tasks itself while no subworker is connected. With {@code false},
         * tasks wait for a subworker.
         */
        @WithDefault("true")
        boolean executeLocally();

        /**
         * How long a stopping control plane (SIGTERM) waits for running tasks to finish and report before it
         * closes the link; at most one day. It accepts no new task meanwhile and logs what it leaves unfinished.
         */
        @WithDefault("PT30S")
        @Check.Span(max = "P1D", zero = true)
        Duration drainTimeout();
    }

    interface Link {
        /** Whether the control plane listens for subworkers. */
        @WithDefault("true")
        boolean enabled();

        /** Interface the control plane's link listens on. */
        @WithDefault("0.0.0.0")
        String host();

        /** Port the control plane's link listens on (0 picks a free port). */
        @WithDefault("5555")
        @Check.Bounds(min = 0, max = 65535)
        int port();

        /** Shared secret a subworker must present on join; unset means no check. Never logged. */
        Optional<String> token();

        /**
         * Whether subworkers from other hosts may join a link that has neither a token ({@link #token()}) nor mutual
         * TLS ({@code tls.client-ca}). Off (the default), such a link accepts loopback peers only and refuses every
         * other connection, naming the settings that open it; on, anyone who reaches the port may join, take tasks
         * with their arguments and report their results, and start-up says so in a WARN.
         */
        @WithDefault("false")
        boolean openToNetwork();

        /**
         * Largest frame on the link, both ways; a larger one closes the connection that sent it. At least
         * {@code fastworker.api.max-body-size} plus 64K, so that any accepted task fits in a frame with its
         * envelope.
         */
        @WithDefault("2M")
        MemorySize maxFrameSize();

        /** Most link connections open at once; one more is refused at once. */
        @WithDefault("1000")
        @Check.Bounds(min = 1, max = 100_000)
        int maxConnections();

        /** How long a new link connection may take to join before it is closed. */
        @WithDefault("PT5S")
        @Check.Span(max = "PT10M")
        Duration joinTimeout();

        /** How long a connection may leave a frame half-sent before it is closed. */
        @WithDefault("PT10S")
        @Check.Span(max = "PT1H")
        Duration stallTimeout();

        /** How often a subworker sends a heartbeat. */
        @WithDefault("PT1S")
        @Check.Span(max = "PT1H")
        Duration heartbeatInterval();

        /** Heartbeats that may be missed before a subworker is declared lost and its tasks re-queued. */
        @WithDefault("3")
        @Check.Bounds(min = 1, max = 1000)
        int missedHeartbeats();

        /** Added to a task's timeout to get the deadline of its dispatch to a subworker. */
        @WithDefault("PT10S")
        @Check.Span(max = "P1D", zero = true)
        Duration grace();

        /**
         * Most deliveries of one task that may end with its subworker lost; the next loss fails the task with
         * error type {@code worker_lost} (a task that kills its worker is not redelivered forever).
         */
        @WithDefault("5")
        @Check.Bounds(min = 1, max = 1000)
        int maxDeliveries();

        /** TLS on the link (off unless a certificate is set). */
        LinkTls tls();
    }

    interface LinkTls {
        /**
         * The control plane's certificate chain (PEM) for the link; set with {@link #key()}, the link speaks only
         * TLS, and a plaintext client is closed at once.
         */
        Optional<String> cert();

        /** The private key (PEM, PKCS#8) of {@link #cert()}. Never logged. */
        Optional<String> key();

        /**
         * CA certificates (PEM) that sign subworkers' client certificates; set, the link is mutual TLS: a subworker
         * without a certificate signed by one of them cannot connect, and it may join only as a worker id its
         * certificate names (subject CN or a DNS SAN) or {@link #workerIds()} maps it to.
         */
        Optional<String> clientCa();

        /**
         * With mutual TLS, the worker ids a certificate may join as beyond the names it carries:
         * {@code fastworker.link.tls.worker-ids."<CN or SAN>"=id-1,id-2}.
         */
        Map<String, String> workerIds();
    }

    interface Subworker {
        /** How long a stopping subworker lets running tasks finish before it leaves. */
        @WithDefault("PT30S")
        @Check.Span(max = "P1D")
        Duration shutdownTimeout();

        /** First delay before reconnecting to the control plane; doubles up to {@code reconnect-max}. */
        @WithDefault("PT0.2S")
        @Check.Span(max = "PT1H")
        Duration reconnectMin();

        /** Longest delay between two reconnection attempts. */
        @WithDefault("PT5S")
        @Check.Span(max = "PT1H")
        Duration reconnectMax();

        /** TLS towards a {@code tls://} control-plane address. */
        SubworkerTls tls();
    }

    interface SubworkerTls {
        /**
         * CA certificates (PEM) the control plane's link certificate must chain to; unset, the JVM's trusted CAs.
         * The certificate must also name the host of the control-plane address.
         */
        Optional<String> trust();

        /** This subworker's client certificate chain (PEM) for a mutual-TLS link. */
        Optional<String> cert();

        /** The private key (PEM, PKCS#8) of {@link #cert()}. Never logged. */
        Optional<String> key();
    }

    interface Queue {
        /**
         * Most tasks the control plane holds that have not finished (queued, scheduled, waiting for a retry or
         * running). Past it a submission is refused with {@code 429} and nothing already accepted is dropped.
         */
        @WithDefault("100000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int capacity();

        /**
         * Most heap the arguments of unfinished tasks may take (an estimate of their JSON trees, erring high). Past
         * it a submission is refused with {@code 429} ({@code reason=queue_bytes}) and nothing already accepted is
         * dropped. Default: a quarter of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();
    }

    interface ResultCache {
        /** Most finished tasks kept; the least recently read or written one is dropped first. */
        @WithDefault("10000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int size();

        /**
         * Most heap the kept results may take (an estimate, erring high); past it the least recently read or
         * written results are dropped first, as past {@link #size()}. Default: a quarter of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();

        /** How long a finished task stays readable after it finished; a plain number means seconds. */
        @WithDefault("PT1H")
        @Check.Span(max = "P366D")
        Duration ttl();

        /** How often expired results are swept out of memory (reads never see an expired result). */
        @WithDefault("PT30S")
        @Check.Span(max = "P1D")
        Duration sweepInterval();
    }

    interface Result {
        /**
         * Largest result one attempt may return, as JSON (1K to 1G). A larger one fails its attempt with error type
         * {@code bad_result} (never retried) where it is made: on the subworker before it is sent, on the control
         * plane for a task it runs itself. The control plane also refuses a larger result from a subworker, and
         * tells subworkers its limit when they join (they keep to the smaller of theirs and its).
         */
        @WithDefault("1M")
        @Check.Bytes(min = 1024, max = 1L << 30)
        MemorySize maxSize();
    }

    interface DeadLetters {
        /** Most failed tasks kept (the oldest failure goes first), independent of the result cache. */
        @WithDefault("10000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int max();

        /** How long a failed task is kept after it failed, for {@code GET /dead-letters} and a replay. */
        @WithDefault("P7D")
        @Check.Span(max = "P3660D")
        Duration retention();

        /**
         * Most heap the dead letters may take with their arguments and results (an estimate, erring high); past it
         * the oldest failure goes first. Default: an eighth of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();
    }

    interface Idempotency {
        /**
         * How long an {@code Idempotency-Key} gives back the task it first created, and a client-chosen task id
         * stays taken, whether or not the task's result is still kept.
         */
        @WithDefault("PT24H")
        @Check.Span(max = "P366D")
        Duration window();

        /**
         * Most idempotency keys and client-chosen task ids held within the window (1 to 100,000,000). Past it a
         * submission that needs a new one is refused with {@code 429} ({@code reason=idempotency_keys}), nothing of
         * it accepted, until older ones expire.
         */
        @WithDefault("1000000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int maxKeys();

        /**
         * Most heap the held keys and ids may take (an estimate, erring high); past it as past {@link #maxKeys()}
         * ({@code reason=idempotency_bytes}). Default: an eighth of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();
    }

    interface Store {
        /**
         * {@code disk}: every accepted task, its attempts and its result are journaled under {@link #path()}, and
         * a restarted control plane takes up where it stopped. {@code memory}: nothing is written, a restart loses
         * every queued task and result (tests, benchmarks). Subworkers keep nothing either way.
         */
        @WithDefault("disk")
        StoreMode mode();

        /**
         * Whether the control plane starts even when a journal file is corrupt (not merely torn by a crash): the
         * file is renamed {@code *.corrupt-<time>} and kept, the records before the corrupt one are restored, and
         * what follows it in that file is lost (the log says how much). Off: start-up stops, naming file and offset.
         */
        @WithDefault("false")
        boolean setAsideCorrupt();

        /** The directory of the journal (created if missing); one control plane per directory. */
        @WithDefault("fastworker-data")
        String path();

        /**
         * {@code always}: a submission is answered only once its record is on disk (one fsync shared by every
         * submission that arrived meanwhile). {@code interval}: answered once written, synced every
         * {@link #syncInterval()}: a crash of the process loses nothing, a crash of the machine may lose what was
         * accepted in the last interval.
         */
        @WithDefault("always")
        SyncMode sync();

        /**
         * How often the journal is synced with {@code sync=interval}; with {@code always}, how soon the records
         * nobody waits for (an attempt's start and end, a result) are synced when no submission syncs them first.
         */
        @WithDefault("PT0.01S")
        @Check.Span(max = "PT10S")
        Duration syncInterval();

        /**
         * Once the journal has grown by this much (and by at least the size of the last snapshot) since the last
         * compaction, it is rewritten in the background as the unfinished tasks and kept results only, so the disk
         * used follows what is held, not what ever ran.
         */
        @WithDefault("64M")
        @Check.Bytes(min = 1 << 20)
        MemorySize compactAfter();
    }

    /** Where accepted tasks are kept. */
    enum StoreMode {
        DISK, MEMORY
    }

    /** When the journal is synced to disk. */
    enum SyncMode {
        ALWAYS, INTERVAL
    }

    interface TaskDefaults {
        /** Retries after a failed attempt (0 = run once). */
        @WithDefault("0")
        @Check.TaskOption("maxRetries")
        int maxRetries();

        /** Delay before the first retry. */
        @WithDefault("PT1S")
        @Check.TaskOption("retryDelay")
        Duration retryDelay();

        /** Factor applied to the delay for each further retry. */
        @WithDefault("2.0")
        @Check.TaskOption("retryBackoff")
        double retryBackoff();

        /** Upper bound of the delay between two attempts. */
        @WithDefault("PT5M")
        @Check.TaskOption("retryBackoffMax")
        Duration retryBackoffMax();

        /** Longest an attempt may run before it fails with error type {@code timeout}. */
        @WithDefault("PT5M")
        @Check.TaskOption("timeout")
        Duration timeout();
    }

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

        /** Who may call the API; off (an open API) unless a keys file is configured. */
        Auth auth();
    }

    interface ScheduleSetting {
        /** The task it submits. */
        String task();

        /** A 5-field Unix cron expression (minute hour day-of-month month day-of-week; 0 and 7 are Sunday). */
        Optional<String> cron();

        /** The zone {@link #cron()} is read in, e.g. {@code Europe/Berlin}; UTC when unset. */
        Optional<String> timezone();

        /** Instead of a cron: every so long, on multiples of it since the epoch ({@code 30s}, {@code PT1H}). */
        Optional<String> every();

        /** The task's arguments, a JSON array. */
        Optional<String> args();

        /** The task's named arguments, a JSON object. */
        Optional<String> kwargs();

        /** The task's priority; its default when unset. */
        Optional<String> priority();

        /** Ticks missed while the control plane was down: {@code skip} (the default) or {@code catch-up-once}. */
        Optional<String> missed();

        /** A tick while the last run is unfinished: {@code allow} (the default) or {@code skip-if-running}. */
        Optional<String> overlap();
    }

    interface TaskLimit {
        /** Most attempts of the task running at once across every executor (1 to 1,000,000). */
        @Check.Bounds(min = 1, max = io.fastworker.limit.Limit.MAX_CONCURRENCY)
        java.util.OptionalInt maxConcurrency();

        /** Most starts of the task per second, minute or hour: {@code 100/s}, {@code 10/m}, {@code 500/h}. */
        Optional<String> rate();
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

    interface Tasks {
        /**
         * Task names the control plane accepts although none of its own beans declares them: tasks that only some
         * subworkers run, accepted even while none of those is connected (scale-to-zero, a rolling restart,
         * subworkers that start later). Such a task waits in its queue for a subworker that announces it and never
         * runs anywhere else. Comma-separated.
         */
        Optional<java.util.List<String>> declared();

        /**
         * How long a queued task may wait with no connected executor that runs it before a WARN says so (once per
         * task name, until an executor for it joins).
         */
        @WithDefault("PT1M")
        @Check.Span(max = "P1D")
        Duration unplacedWarning();

        /**
         * Most task names subworkers may announce, all of them together (1 to 100,000). A join that announces more,
         * or whose new names would take the control plane past it, is refused, naming this setting. Names are 1 to
         * 128 characters of {@code A-Z a-z 0-9 _ . : -}.
         */
        @WithDefault("1000")
        @Check.Bounds(min = 1, max = 100_000)
        int maxAnnounced();

        /**
         * How long a task name stays accepted after the last subworker that announced it left (while tasks of that
         * name wait in the queue, it stays). Tasks whose subworkers may be gone longer (scaled to zero) belong in
         * {@link #declared()}.
         */
        @WithDefault("P1D")
        @Check.Span(max = "P366D")
        Duration forgetAnnouncedAfter();
    }

    interface Log {
        /**
         * Whether the control plane's log lines about failed attempts carry the failure message. Off by default:
         * messages often echo task arguments (an e-mail address, a card number); the error type and exception
         * class are always logged, and the message is always in {@code GET /tasks/{id}}.
         */
        @WithDefault("false")
        boolean taskErrorMessages();
    }

    interface Metrics {
        /**
         * Upper bounds of the buckets of the {@code fastworker.tasks.duration} and
         * {@code fastworker.worker.duration} histograms (comma-separated durations, ascending).
         */
        @WithDefault("PT0.005S,PT0.01S,PT0.025S,PT0.05S,PT0.1S,PT0.25S,PT0.5S,PT1S,PT2.5S,PT5S,PT10S,PT30S,PT1M,"
                + "PT5M,PT15M,PT1H")
        java.util.List<Duration> durationBuckets();
    }
}
