package io.fastworker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients that submit single tasks with idempotency keys to any member of a cluster, as users would behind a
 * Service: they follow {@code 307} to the leader and retry connection errors, timeouts, {@code 503} and {@code 429}
 * with the same key until a {@code 202}; every acknowledgement goes into the {@link History}.
 */
final class Clients implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(1)).build();

    private final List<String> urls;
    private final History history;
    private final String body;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger unexpected = new AtomicInteger();
    private final List<String> unexpectedAnswers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /** {@code body}: the submission without its key, e.g. {@code "task": "sleep", "args": [5]}. */
    Clients(List<String> urls, History history, String body) {
        this.urls = List.copyOf(urls);
        this.history = history;
        this.body = body;
    }

    /** Starts {@code n} clients, their keys prefixed with {@code prefix}. */
    void start(int n, String prefix) {
        for (int t = 0; t < n; t++) {
            String keys = prefix + "-" + t + "-";
            Thread th = new Thread(() -> run(keys), "client-" + prefix + "-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
    }

    private void run(String keys) {
        for (int n = 0; !stop.get(); n++) {
            String key = keys + n;
            String json = "{" + body + ", \"idempotencyKey\": \"" + key + "\"}";
            while (!stop.get()) {
                String url = urls.get(ThreadLocalRandom.current().nextInt(urls.size()));
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/tasks"))
                            .timeout(Duration.ofSeconds(3)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 202 || r.statusCode() == 200) {
                        JsonNode task = JSON.readTree(r.body());
                        history.acked(key, task.path("id").asText(), r.uri().getAuthority());
                        break;
                    }
                    if (r.statusCode() != 503 && r.statusCode() != 429) {
                        synchronized (unexpectedAnswers) {
                            if (unexpectedAnswers.size() < 5) {
                                unexpectedAnswers.add(r.statusCode() + " " + r.body());
                            }
                        }
                        unexpected.incrementAndGet();
                    }
                } catch (IOException e) {
                    // the member is down or paused: another one
                } catch (InterruptedException e) {
                    return;
                }
                pause(50);
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Answers other than 202, 503 and 429 (a few of them in {@link #unexpectedAnswers}). */
    int unexpected() {
        return unexpected.get();
    }

    List<String> unexpectedAnswers() {
        synchronized (unexpectedAnswers) {
            return List.copyOf(unexpectedAnswers);
        }
    }

    /** A task as the leader answers it (followed from any member), or null if it is not found. */
    static JsonNode task(List<String> urls, String id) {
        for (int attempt = 0; attempt < 100; attempt++) {
            String url = urls.get(attempt % urls.size());
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/tasks/" + id))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return JSON.readTree(r.body());
                }
                if (r.statusCode() == 404) {
                    return null;
                }
            } catch (IOException e) {
                // down: another member
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            pause(100);
        }
        throw new IllegalStateException("no member answered for task " + id);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
