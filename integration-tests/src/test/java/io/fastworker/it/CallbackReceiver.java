package io.fastworker.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server that receives callbacks: {@code /ok} answers 200, {@code /flaky} 503 as often as told then
 * 200, {@code /gone} 404, {@code /blackhole} never answers (until closed).
 */
final class CallbackReceiver implements AutoCloseable {

    /** One request as received; header names in lower case. */
    record Received(String path, Map<String, String> headers, String body) {
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private CallbackReceiver(HttpServer server) {
        this.server = server;
    }

    static CallbackReceiver start() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        CallbackReceiver r = new CallbackReceiver(s);
        s.createContext("/", r::handle);
        s.setExecutor(Executors.newCachedThreadPool());
        s.start();
        return r;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void failNext(String path, int times) {
        failures.computeIfAbsent(path, p -> new AtomicInteger()).set(times);
    }

    /** How many requests came in, on any path. */
    int receivedCount() {
        return received.size();
    }

    /** The request for task {@code id} on {@code path}; fails if none came. */
    Received received(String path, String id) {
        return received.stream().filter(r -> r.path().equals(path) && id.equals(r.headers().get("fastworker-task-id")))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no callback for " + id + " on " + path
                        + "; received " + received));
    }

    private void handle(HttpExchange ex) throws IOException {
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = ex.getRequestURI().getPath();
        received.add(new Received(path, headers, body));
        int status = 200;
        switch (path) {
            case "/flaky" -> {
                AtomicInteger left = failures.get(path);
                status = left != null && left.getAndDecrement() > 0 ? 503 : 200;
            }
            case "/gone" -> status = 404;
            case "/blackhole" -> {
                while (!closed) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            default -> {
            }
        }
        ex.sendResponseHeaders(status, -1);
        ex.close();
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
    }
}
